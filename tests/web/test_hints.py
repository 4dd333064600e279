"""Anchored regex search (web/hints.py) finds exactly what a whole-text search finds, and the
checks gated by its literals give the verdicts they give without the gate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from minehunt import intel as intel_mod
from minehunt.web import asmjs, deobfuscate, indicators, script, shapes
from minehunt.web import hints as hints_mod
from minehunt.web.hints import Hints, WordStart

TESTS = Path(__file__).resolve().parents[1]
INTEL = intel_mod.default()
_POW = INTEL.pow_marker_pattern
assert _POW is not None
PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (script._WS_URL, "ws"),
    (script._ATOB, "atob"),
    (script._PACKER, "packer"),
    (script._EVAL, "eval"),
    (script._DECODERS, "decoders"),
    (script._IMPORT_SCRIPTS, "import_scripts"),
    (indicators.SITE_KEY, "site_key"),
    (_POW, "pow_marker"),
    *zip(indicators.POW_SHAPE, ("pow0", "pow1", "pow2"), strict=True),
    (script._B64_WASM, "wasm_base64"),
    (shapes._RESULT, "result"),
    (shapes._THROTTLE, "throttle"),
]
BEFORE = [
    (script._WORKER, "worker", script._new_before),
    (script._WASM_URL, "wasm_url", script._quote_before),
]
"""Patterns whose matches hold the literal after their start."""
PRESENCE: list[tuple[re.Pattern[str] | WordStart, str]] = [
    (shapes._POST, "post_message"),
    (shapes._BLOB, "blob"),
    (shapes._JOB, "job"),
    (shapes._SOCKET, "websocket"),
    (deobfuscate._STRING_ARRAY_HINT[0], "array_name"),
    (deobfuscate._STRING_ARRAY_HINT[1], "array_function"),
    (deobfuscate._FROMCHARCODE, "char_code"),
    (deobfuscate._PACKER, "packer_words"),
]
"""Patterns that cannot match without a literal of the group (a check is skipped without)."""


def _spans(matches: object) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in matches]  # type: ignore[attr-defined]


def _check(text: str) -> None:
    h = Hints(text, text.encode("utf-8", "replace"), INTEL)
    for pattern, group in PATTERNS:
        expected = pattern.search(text)
        got = h.search(pattern, group)
        assert (got and got.span()) == (expected and expected.span()), (pattern.pattern, group)
        assert _spans(h.finditer(pattern, group)) == _spans(pattern.finditer(text)), group
    for pattern, group, start in BEFORE:
        assert _spans(h.finditer(pattern, group, start)) == _spans(pattern.finditer(text)), group
    for pattern, group in PRESENCE:
        if pattern.search(text):
            assert h.has(group), group
    if INTEL.find_pool_domains(text):
        assert h.has("pool")
    full = asmjs.verdict(text)
    gated = asmjs.analyse_asm(h)
    assert gated is None or gated == full
    if full is not None and full.is_miner:
        assert gated == full


EDITOR = TESTS / "node_modules" / "monaco-editor"
"""100 MB of editor bundles, there for the false-positive test of tests/files; the equality
below holds on the other 5,800 scripts without reading them all again."""


def _scripts() -> list[Path]:
    roots = (TESTS / "corpus", TESTS / "node_modules")
    return sorted(
        p
        for root in roots
        for p in root.rglob("*")
        if p.suffix in (".js", ".mjs", ".cjs", ".html")
        and p.is_file()
        and not p.is_relative_to(EDITOR)
    )


def test_anchored_search_equals_whole_text_search_on_every_test_script() -> None:
    files = _scripts()
    assert len(files) > 100
    for path in files:
        _check(path.read_text("utf-8", "replace"))


def test_non_ascii_text_maps_byte_offsets_to_characters() -> None:
    text = (
        "// Привет, мир — ünïcödé before every anchor\n"
        'const ws = new WebSocket("wss://ünï.example:3333/?pool=pool.example:3333");\n'
        "const k = new CoinHive.Anonymous('abcdefghijklmnopqrstuvwxyz012345');\n"
        "// 日本語 challenge difficulty nonce sha256(x) — eval(atob('QUJD'))\n"
        "hashcash altcha-widget ünï supportxmr.com\n"
    )
    _check(text)
    assert Hints(text, text.encode(), INTEL).has("pool") == bool(INTEL.find_pool_domains(text))


def test_a_literal_seen_too_often_falls_back_to_a_whole_text_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hints_mod, "MAX_ANCHORS", 3)
    text = "var number = 1; " * 50 + " challenge nonce createHash( \n"
    h = Hints(text, text.encode(), INTEL)
    assert "pow2" in h._full  # "number" is at the cap
    _check(text)
    assert h.search(indicators.POW_SHAPE[2], "pow2") is not None
