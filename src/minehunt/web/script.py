"""Static analysis of JavaScript: miner code, pool endpoints, inline WebAssembly, loaders.

Nothing here executes the code. An obfuscated script is decoded first (``deobfuscate``:
string arrays, packers, atob blobs, char codes, escapes; bounded) and every check runs again
on the decoded text; evidence found only there says what was decoded. Beside names and
rules, the shapes of mining code (``shapes``, ``asmjs``) are recognised.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from minehunt import rules
from minehunt.correlate import Signal
from minehunt.intel import Intel
from minehunt.model import Scalar, Severity, Target
from minehunt.web import indicators, shapes
from minehunt.web.asmjs import analyse_asm
from minehunt.web.deobfuscate import deobfuscate
from minehunt.web.hints import Found, Hints
from minehunt.web.html import join_url
from minehunt.web.signals import Resources, signal, with_origin
from minehunt.web.wasm import WasmVerdict, analyse

MAX_INLINE_WASM = 8 * 1024 * 1024
"""Largest base64 module decoded from a script."""
MAX_DECODE = 4 * 1024 * 1024
"""Largest base64 blob decoded from a packed loader."""
PACKED_MIN = 2000
"""A decoded-and-evaluated blob shorter than this is not a "large blob"."""

_WS_URL = re.compile(r"""wss?://[^\s'"`<>()\\]{3,300}""", re.I)
_B64_WASM = re.compile(r"AGFzbQ[A-Za-z0-9+/]{60,}={0,2}")
_ATOB = re.compile(r"""atob\s*\(\s*(["'])([A-Za-z0-9+/=\s]{64,})\1""")
_EVAL = re.compile(r"\beval\s*\(|\bnew\s+Function\s*\(|\bFunction\s*\(\s*[\"'a-z_]", re.I)
_DECODERS = re.compile(r"\batob\s*\(|fromCharCode|\bunescape\s*\(|decodeURIComponent\s*\(")
_PACKER = re.compile(r"eval\s*\(\s*function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,")
_LONG_STRING = re.compile(rf"""(["'`])[^"'`\n]{{{PACKED_MIN},}}\1""")
_WORKER = re.compile(r"""new\s+(?:Shared)?Worker\s*\(\s*["']([^"'\s]{1,300})["']""")
_IMPORT_SCRIPTS = re.compile(r"""importScripts\s*\(\s*["']([^"'\s]{1,300})["']""")
_WASM_URL = re.compile(r"""["']([^"'\s]{1,300}\.wasm)(?:\?[^"'\s]*)?["']""")
_SPACE = re.compile(r"\s")


def _new_before(text: str, pos: int) -> int | None:
    """Where a ``_WORKER`` match holding the "Worker" at ``pos`` starts ("new" + spaces)."""
    end = pos - 6 if pos >= 6 and text.startswith("Shared", pos - 6) else pos
    i = end
    while i > 0 and text[i - 1].isspace():
        i -= 1
    return i - 3 if i < end and i >= 3 and text.startswith("new", i - 3) else None


def _quote_before(text: str, pos: int) -> int | None:
    """Where a ``_WASM_URL`` match holding the ".wasm" at ``pos`` starts: the quote that
    opens the run of non-space, non-quote characters in front of it."""
    lo = max(0, pos - 301)
    quote = max(text.rfind('"', lo, pos), text.rfind("'", lo, pos))
    if quote < 0 or _SPACE.search(text, quote + 1, pos):
        return None
    return quote


_WASM_CACHE: dict[str, WasmVerdict] = {}


def wasm_verdict(data: bytes) -> WasmVerdict:
    """analyse() with a small cache: one module is typically shared by many pages."""
    key = hashlib.sha256(data).hexdigest()
    hit = _WASM_CACHE.get(key)
    if hit is None:
        hit = analyse(data)
        if len(_WASM_CACHE) > 256:
            _WASM_CACHE.clear()
        _WASM_CACHE[key] = hit
    return hit


def wasm_signals(target: Target, verdict: WasmVerdict, where: str) -> list[Signal]:
    """MH-WEB-003 for a mining module, MH-WEB-013 (context) for benign hashing."""
    if verdict.is_miner:
        sev = Severity.HIGH
        return [
            signal(
                target,
                "MH-WEB-003",
                verdict.summary(),
                where,
                {**verdict.attributes(), "family": verdict.algorithm or "unknown"},
                severity=sev,
                confidence=verdict.confidence,
            )
        ]
    if verdict.kind.value == "hashing":
        return [signal(target, "MH-WEB-013", verdict.summary(), where, verdict.attributes())]
    return []


_RULES_ELSEWHERE: ContextVar[bool] = ContextVar("rules_elsewhere", default=False)


@contextmanager
def rules_scanned_elsewhere() -> Iterator[None]:
    """Within this block scripts and pages get no MH-WEB-002: the caller (``scan files``)
    runs the same rules on the same bytes and reports them itself."""
    token = _RULES_ELSEWHERE.set(True)
    try:
        yield
    finally:
        _RULES_ELSEWHERE.reset(token)


def yara_signals(target: Target, data: bytes, where: str) -> list[Signal]:
    """MH-WEB-002 for every shared web rule that matches ``data``."""
    out: list[Signal] = []
    if _RULES_ELSEWHERE.get():
        return out
    try:
        matches = rules.bundled().scan(data, timeout=10)
    except Exception:  # a rule timeout on a hostile blob loses only this check
        return out
    for m in matches:
        if m.rule.kind != "web":
            continue
        out.append(
            signal(
                target,
                "MH-WEB-002",
                f"{m.rule.description} [{m.rule.id}]",
                where,
                {"rule": m.rule.id, "family": m.rule.family, "patterns": ",".join(m.patterns)},
                severity=m.rule.severity,
                confidence=m.rule.confidence,
            )
        )
    return out


def url_signals(target: Target, url: str, intel: Intel, where: str) -> list[Signal]:
    """MH-WEB-001 when a URL's host is a browser-miner host or its path a miner script."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced IPv6 bracket: nothing to match
        return []
    host = (parts.hostname or "").lower()
    pool = intel.pool_domain(host) if host else None
    if pool:
        return [
            signal(
                target,
                "MH-WEB-001",
                f"{where} points to mining host {host} ({url[:200]})",
                where,
                {"domain": pool, "url": url[:500]},
            )
        ]
    if intel.miner_script_path(parts.path + ("?" + parts.query if parts.query else "")):
        return [
            signal(
                target,
                "MH-WEB-001",
                f"{where} loads a well-known miner script path ({url[:200]})",
                where,
                {"url": url[:500], "path": parts.path[:200]},
            )
        ]
    return []


def _websocket_signals(target: Target, hints: Hints, intel: Intel, where: str) -> list[Signal]:
    out: list[Signal] = []
    for m in list(hints.finditer(_WS_URL, "ws"))[:50]:
        url = m.group(0)
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        host = (parts.hostname or "").lower()
        why: str | None = None
        try:
            port = parts.port
        except ValueError:
            port = None
        if host and intel.pool_domain(host):
            why = f"pool domain {host}"
        elif (q := indicators.POOL_QUERY.search(url)) is not None:
            why = f"names pool {q.group(1)} in its query"
        elif port is not None and port in intel.mining_ports:
            why = f"mining port {port}"
        if why:
            out.append(
                signal(
                    target,
                    "MH-WEB-005",
                    f"WebSocket URL {url[:200]} ({why})",
                    where,
                    {"websocket": url[:500]},
                )
            )
    return out


def _inline_wasm(target: Target, hints: Hints, where: str) -> list[Signal]:
    out: list[Signal] = []
    for i, m in enumerate(hints.finditer(_B64_WASM, "wasm_base64")):
        if i >= 8:
            break
        blob = m.group(0)
        if len(blob) > MAX_INLINE_WASM * 4 // 3:
            continue
        try:
            data = base64.b64decode(blob + "=" * (-len(blob) % 4))
        except (binascii.Error, ValueError):
            continue
        verdict = wasm_verdict(data)
        here = f"{where}, base64 WebAssembly #{i}"
        out.append(signal(target, "MH-WEB-008", verdict.summary(), here, verdict.attributes()))
        out.extend(wasm_signals(target, verdict, here))
    return out


def _packed(
    target: Target, hints: Hints, intel: Intel, where: str, depth: int
) -> tuple[list[Signal], Resources, list[str]]:
    """Packed/obfuscated loaders: flag them, decode base64 blobs and analyse them again."""
    out: list[Signal] = []
    res = Resources()
    keys: list[str] = []
    text = hints.text
    if hints.search(_PACKER, "packer"):
        out.append(
            signal(
                target,
                "MH-WEB-007",
                "p,a,c,k,e,d packer evaluates its payload",
                where,
                {"packer": "dean-edwards"},
            )
        )
    elif (
        hints.search(_DECODERS, "decoders")
        and hints.search(_EVAL, "eval")
        and _LONG_STRING.search(text)
    ):
        out.append(
            signal(
                target,
                "MH-WEB-007",
                "decodes a large string and evaluates it",
                where,
                {"packer": "eval-decode"},
            )
        )
    if depth > 0:
        return out, res, keys
    for m in list(hints.finditer(_ATOB, "atob"))[:4]:
        blob = re.sub(r"\s+", "", m.group(2))
        if len(blob) > MAX_DECODE * 4 // 3:
            continue
        try:
            decoded = base64.b64decode(blob + "=" * (-len(blob) % 4)).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            continue
        sigs, res2, keys2 = analyse_script(target, decoded, intel, f"{where}, decoded", depth + 1)
        out.extend(sigs)
        res = _merge(res, res2)
        keys.extend(keys2)
    return out, res, keys


def _merge(a: Resources, b: Resources) -> Resources:
    return Resources(
        scripts=a.scripts + b.scripts,
        iframes=a.iframes + b.iframes,
        links=a.links + b.links,
        workers=a.workers + b.workers,
        wasm=a.wasm + b.wasm,
    )


def _pow(target: Target, hints: Hints, intel: Intel, where: str) -> list[Signal]:
    pattern = intel.pow_marker_pattern
    found = hints.search(pattern, "pow_marker") if pattern is not None else None
    marker = found.group(0) if found else None
    groups = ("pow0", "pow1", "pow2")
    shape = all(map(hints.has, groups)) and all(
        hints.search(p, g) for p, g in zip(indicators.POW_SHAPE, groups, strict=True)
    )
    if marker or shape:
        what = marker or "hash-until-solved loop"
        return [
            signal(target, "MH-WEB-010", f"proof-of-work challenge ({what})", where, {"pow": what})
        ]
    return []


def shape_signals(target: Target, hints: Hints, where: str) -> list[Signal]:
    """MH-WEB-021..025: mining code recognised by what it does, not by its names."""
    out: list[Signal] = []
    asm = analyse_asm(hints)
    if asm is not None and asm.is_miner:
        attrs: dict[str, Scalar] = {
            "family": asm.algorithm or "unknown",
            "primitives": ",".join(asm.primitives),
            "asm_js": asm.asm,
        }
        if asm.scratchpad:
            attrs["scratchpad"] = asm.scratchpad
        out.append(signal(target, "MH-WEB-021", asm.summary(), where, attrs))
    for check_id, found in (
        ("MH-WEB-022", shapes.worker_loop(hints)),
        ("MH-WEB-023", shapes.thread_pool(hints)),
        ("MH-WEB-024", shapes.websocket_login(hints)),
        ("MH-WEB-025", shapes.miner_api_use(hints)),
    ):
        if found is None:
            continue
        attrs = {"shape": ", ".join(found.facts)}
        if found.detail:
            attrs["websocket"] = found.detail[:300]
        if check_id == "MH-WEB-025":
            attrs["family"] = "coinhive-compatible"
        out.append(signal(target, check_id, found.summary, where, attrs))
    return out


def _decoded(
    target: Target, hints: Hints, intel: Intel, where: str, base_url: str | None, seen: list[Signal]
) -> tuple[list[Signal], Resources, list[str]]:
    """Run every check again on the deobfuscated text; keep only what is new there."""
    try:
        deob = deobfuscate(hints.text, hints=hints)
    except (ValueError, RecursionError, OverflowError, MemoryError):
        return [], Resources(), []  # hostile or unexpected input: the plain analysis stands
    if not deob.changed:
        return [], Resources(), []
    how = deob.describe()
    here = f"{where}, deobfuscated"
    sigs, res, keys = analyse_script(target, deob.text, intel, here, 1, base_url)
    known = {(s.evidence.check_id, s.evidence.summary) for s in seen}
    out = [
        signal(
            target,
            "MH-WEB-020",
            f"obfuscated script decoded: {how}",
            where,
            {"decoded": how[:500], "complete": deob.complete},
        )
    ]
    out += [
        with_origin(s, how) for s in sigs if (s.evidence.check_id, s.evidence.summary) not in known
    ]
    return out, res, keys


def analyse_script(
    target: Target,
    text: str,
    intel: Intel,
    where: str,
    depth: int = 0,
    base_url: str | None = None,
    data: bytes | None = None,
    found: Found | None = None,
) -> tuple[list[Signal], Resources, list[str]]:
    """Signals, referenced resources (workers, wasm) and site keys of one script (``data``:
    its UTF-8 bytes, when the caller has them; ``found``: the hint literals a pass over
    those bytes found)."""
    if data is None:
        data, found = text.encode("utf-8", "replace"), None
    hints = Hints(text, data, intel, found)
    out = yara_signals(target, data, where)
    for domain in (intel.find_pool_domains(text) if hints.has("pool") else [])[:10]:
        out.append(
            signal(
                target,
                "MH-WEB-001",
                f"{where} names mining host {domain}",
                where,
                {"domain": domain},
            )
        )
    out += _websocket_signals(target, hints, intel, where)
    out += _inline_wasm(target, hints, where)
    out += _pow(target, hints, intel, where)
    out += shape_signals(target, hints, where)
    packed, res, keys = _packed(target, hints, intel, where, depth)
    out += packed
    if depth == 0:
        decoded, res2, keys2 = _decoded(target, hints, intel, where, base_url, out)
        out += decoded
        res = _merge(res, res2)
        keys += keys2
    keys += [m.group(1) for m in hints.finditer(indicators.SITE_KEY, "site_key")][:8]
    if base_url:
        urls = [m.group(1) for m in hints.finditer(_WORKER, "worker", _new_before)][:16]
        workers = tuple(join_url(base_url, u) for u in urls)
        urls = [m.group(1) for m in hints.finditer(_IMPORT_SCRIPTS, "import_scripts")][:16]
        workers += tuple(join_url(base_url, u) for u in urls)
        urls = [m.group(1) for m in hints.finditer(_WASM_URL, "wasm_url", _quote_before)][:16]
        wasm = tuple(join_url(base_url, u) for u in urls)
        res = _merge(res, Resources(workers=workers, wasm=wasm))
        for url in (*workers, *wasm):
            out += url_signals(target, url, intel, f"{where} -> {url[:120]}")
    return out, res, list(dict.fromkeys(keys))
