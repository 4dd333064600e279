"""Node droppers under the real javascript-obfuscator stay found by `scan files`; programs
that start other programs (npm's own process helpers) under it stay below medium.

An obfuscator hides ``child_process`` and every command in an encoded string array, so the
raw file no longer passes the gate that sends JavaScript to the dropper analysis. The
website checks decode such a script (MH-WEB-020); its decoded text is then analysed. The
variants are made in the test run by tests/web/obfuscated/build.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minehunt.model import Severity
from tests.build.cache import ToolMissing
from tests.conftest import run_cli
from tests.web.obfuscated.build import MODULES, PRESETS, Variant, require_tools, transform

REPO = Path(__file__).resolve().parents[2]
NODE_DROPPERS = {
    name: REPO / "tests" / "corpus" / "dropper" / "positive" / name
    for name in ("npm_install.js", "npm_postinstall.js", "npm_native.js")
}
SPAWNERS = {
    f"npm/{rel}": MODULES / rel
    for rel in (
        "cross-spawn/index.js",
        "execa/index.js",
        "execa/lib/promise.js",
        "commander/index.js",
        "marked/bin/main.js",
        "sync-fetch/index.js",
    )
}
"""Benign code that starts programs through child_process."""
SPAWNER_PRESETS = ("string-array", "rc4", "control-flow", "high")


def _variants(samples: dict[str, Path], presets: tuple[str, ...], label: str) -> list[Variant]:
    try:
        require_tools()
    except ToolMissing as e:
        pytest.skip(str(e))
    return transform(samples, presets, label)


def _scan(variants: list[Variant]) -> dict[str, dict[str, object]]:
    """`scan files` over the variants' folders: the finding of each variant by its path."""
    folders = sorted({str(v.path.parent) for v in variants})
    res = run_cli("scan", "files", *folders, "-f", "json", "--min-severity", "info", timeout=300)
    assert res.code in (0, 1), res.stderr
    return {f["target"]["path"]: f for f in json.loads(res.stdout)["findings"]}


def _script_checks(finding: dict[str, object]) -> set[str]:
    evidence = finding["evidence"]
    assert isinstance(evidence, list)
    return {e["check_id"] for e in evidence if e["check_id"].startswith("MH-SCRIPT-")}


def test_obfuscated_node_droppers_are_read_in_their_decoded_text() -> None:
    variants = _variants(NODE_DROPPERS, PRESETS, "node-droppers")
    assert len(variants) == len(NODE_DROPPERS) * len(PRESETS)
    found = _scan(variants)
    missed = []
    for v in variants:
        f = found.get(str(v.path))
        checks = _script_checks(f) if f else set()
        # The verdict and the download that is run, whatever else the website checks see.
        medium = f is not None and Severity(str(f["severity"])) >= Severity.MEDIUM
        if not medium or not {"MH-SCRIPT-001", "MH-SCRIPT-010"} <= checks:
            missed.append(f"{v.source} [{v.preset}]: {f and f['severity']} {sorted(checks)}")
    assert not missed, missed
    # The evidence says the behaviours were seen once decoded.
    decoded = found[str(next(v.path for v in variants if v.preset == "rc4"))]
    summaries = [e["summary"] for e in decoded["evidence"] if e["check_id"] == "MH-SCRIPT-010"]
    assert summaries and all(s.startswith("decoded (string array") for s in summaries)


def test_obfuscated_process_helpers_stay_below_medium() -> None:
    present = {k: p for k, p in SPAWNERS.items() if p.is_file()}
    assert len(present) >= 4
    variants = _variants(present, SPAWNER_PRESETS, "node-spawners")
    found = _scan(variants)
    loud = [
        f"{path}: {f['severity']} {sorted(_script_checks(f))}"
        for path, f in found.items()
        if _script_checks(f) and Severity(str(f["severity"])) >= Severity.MEDIUM
    ]
    assert not loud, loud
