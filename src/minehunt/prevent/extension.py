"""The Chromium extension format: a Manifest V3 extension, loadable unpacked in Chromium and
Chrome, that blocks pool and miner-script requests (declarativeNetRequest), stops Web
Workers and WebAssembly modules with a browser miner's shape (a page-world content script)
with a notice to the user, and lists what it blocked on the tab (popup)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from minehunt.prevent.dnsfmt import dns_names
from minehunt.prevent.entries import BlockSet
from minehunt.prevent.formats import Meta, Rendered
from minehunt.web.wasm.signatures import SCRATCHPAD, SIGNATURES
from minehunt.web.wasm.verdict import CRYPTONIGHT_FINALISTS

__all__ = ["build", "wasm_shapes"]

ALL_BUT_PAGE = [
    "sub_frame", "stylesheet", "script", "image", "font", "object", "xmlhttprequest", "ping",
    "csp_report", "media", "websocket", "webtransport", "webbundle", "other",
]  # fmt: skip
WORKER_JS = [
    r"WebAssembly\s*\.\s*(?:instantiate|compile|Module|instantiateStreaming)",
    r"[\"']job_id[\"']|\bjob_id\b",
    r"[\"']nonce[\"']|\bnonce\b",
    r"[\"'](?:blob|target)[\"']|\b(?:blob|target)\b",
    r"[\"']result[\"']|\bresult\b",
]
"""All together: a worker that runs WebAssembly over a pool job (blob/target) and reports a
share (job_id, nonce, result): what every CryptoNight browser miner's worker does."""
DOMAINS_PER_RULE = 1000


def _sleb(value: int, bits: int) -> bytes:
    if value >= 1 << (bits - 1):
        value -= 1 << bits
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40)
        out.append(byte if done else byte | 0x80)
        if done:
            return bytes(out)


def _const(value: int) -> bytes:
    """The WebAssembly instruction pushing ``value``: i32.const when it fits, else i64.const."""
    return b"\x41" + _sleb(value, 32) if value < 1 << 32 else b"\x42" + _sleb(value, 64)


def wasm_shapes() -> dict[str, Any]:
    """minehunt's WebAssembly fingerprints as byte patterns the content script searches."""
    return {
        "wasm": [
            {
                "name": s.primitive,
                "tables": [t.hex() for t in s.tables],
                "immediates": sorted(_const(v).hex() for v in s.immediates),
                "min": s.min_immediates,
            }
            for s in SIGNATURES
        ],
        "finalists": list(CRYPTONIGHT_FINALISTS),
        "scratchpad": [_const(v).hex() for v in SCRATCHPAD],
        "worker_js": WORKER_JS,
    }


def _rules(blocks: BlockSet, r: Rendered) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    names = [name for name, _ in dns_names(blocks, r, wildcard=True)]

    def add(condition: dict[str, Any]) -> None:
        condition["resourceTypes"] = ALL_BUT_PAGE
        rules.append(
            {
                "id": len(rules) + 1,
                "priority": 1,
                "action": {"type": "block"},
                "condition": condition,
            }
        )

    for i in range(0, len(names), DOMAINS_PER_RULE):
        add({"requestDomains": names[i : i + DOMAINS_PER_RULE]})
    for p in blocks.url_patterns:
        add({"regexFilter": f"/(?:{p})(?:$|[?#])", "isUrlFilterCaseSensitive": False})
    for rule in blocks.url_rules:
        if not rule.isascii() or rule.startswith("||*") or len(rule) < 4:
            r.left_out["URL rules DNR urlFilter cannot take"] += 1
            continue
        add({"urlFilter": rule, "isUrlFilterCaseSensitive": False})
    if blocks.networks:
        r.left_out["IP networks (declarativeNetRequest matches URLs, not addresses)"] += len(
            blocks.networks
        )
    return rules


def build(blocks: BlockSet, meta: Meta) -> Rendered:
    r = Rendered()
    files = resources.files("minehunt.prevent") / "extension_files"
    rules = _rules(blocks, r)
    names = sorted(n for rule in rules for n in rule["condition"].get("requestDomains", ()))
    config = {"domains": names, "script_paths": list(blocks.url_patterns)}
    shapes = {**wasm_shapes(), "script_paths": list(blocks.url_patterns)}
    manifest = {
        "manifest_version": 3,
        "name": "minehunt miner blocker",
        "version": meta.version.split("+")[0],
        "description": (
            f"Blocks cryptocurrency miners: {len(names)} mining hosts, "
            f"{len(blocks.url_patterns)} miner-script paths, miner workers and WebAssembly "
            f"(generated {meta.date})."
        ),
        "permissions": ["declarativeNetRequest", "declarativeNetRequestFeedback", "storage"],
        "host_permissions": ["<all_urls>"],
        "background": {"service_worker": "background.js"},
        "action": {"default_title": "minehunt: what was blocked", "default_popup": "popup.html"},
        "declarative_net_request": {
            "rule_resources": [{"id": "minehunt", "enabled": True, "path": "rules.json"}]
        },
        "content_scripts": [
            {
                "matches": ["<all_urls>"],
                "js": ["main.js"],
                "run_at": "document_start",
                "all_frames": True,
                "match_about_blank": True,
                "world": "MAIN",
            },
            {
                "matches": ["<all_urls>"],
                "js": ["relay.js"],
                "run_at": "document_start",
                "all_frames": True,
                "match_about_blank": True,
            },
        ],
    }
    out = {
        "manifest.json": json.dumps(manifest, indent=2) + "\n",
        "rules.json": json.dumps(rules, indent=1) + "\n",
        "main.js": (files / "main.js")
        .read_text("utf-8")
        .replace("__SHAPES__", json.dumps(shapes, sort_keys=True)),
        "relay.js": (files / "relay.js")
        .read_text("utf-8")
        .replace("__CONFIG__", json.dumps(config, sort_keys=True)),
        "README.txt": meta.header(len(rules)) + "Load unpacked: chrome://extensions, "
        "Developer mode, 'Load unpacked', pick this directory.\n",
    }
    for name in ("background.js", "popup.html", "popup.js"):
        out[name] = (files / name).read_text("utf-8")
    r.files = out
    r.count = len(names) + len(blocks.url_patterns) + len(blocks.url_rules)
    r.text = ""
    return r
