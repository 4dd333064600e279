"""Browser miners under real obfuscators stay found; benign libraries under them stay quiet.

Variants are made in the test run by npm javascript-obfuscator and terser (see
tests/web/obfuscated/build.py): every browser-miner sample of tests/corpus, the test miner's
loader and worker (readable and renamed/minified), and CryptoNight compiled to asm.js.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from minehunt.intel import Intel
from minehunt.model import Finding, Severity
from minehunt.web.static import document_finding
from tests.build.cache import ToolMissing
from tests.web.miner.build import MinerBuild
from tests.web.obfuscated.build import (
    OBFUSCATOR_PRESETS,
    PRESETS,
    Variant,
    asmjs_cryptonight,
    benign_npm,
    corpus_positives,
    require_tools,
    transform,
)

ASM_PRESETS = ("terser", "rc4")
"""The asm.js build is 150 KB: the presets that keep its variants small enough for a test."""
BENIGN_PRESETS = ("rc4", "control-flow", "terser")


def _tools() -> None:
    try:
        require_tools()
    except ToolMissing as e:
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def miner_variants(miner: MinerBuild) -> list[Variant]:
    _tools()
    samples = corpus_positives()
    samples.update(
        {
            "miner/miner.js": miner.loader,
            "miner/worker.js": miner.worker,
            "miner/analytics.js": miner.loader_min,
            "miner/chunk.js": miner.worker_min,
        }
    )
    return transform(samples, PRESETS, "positives")


@pytest.fixture(scope="session")
def asm_variants() -> list[Variant]:
    _tools()
    try:
        asm = asmjs_cryptonight()
    except ToolMissing as e:
        pytest.skip(str(e))
    plain = Variant("asm/cryptonight.asm.js", "plain", asm)
    return [plain, *transform({"asm/cryptonight.asm.js": asm}, ASM_PRESETS, "asm")]


def _finding(v: Variant, intel: Intel) -> Finding | None:
    return document_finding(str(v.path), v.path.read_bytes(), None, intel)


@pytest.mark.parametrize("preset", PRESETS)
def test_obfuscated_miners_are_found(
    preset: str, miner_variants: list[Variant], intel: Intel
) -> None:
    variants = [v for v in miner_variants if v.preset == preset]
    assert len(variants) >= 16
    missed = []
    for v in variants:
        f = _finding(v, intel)
        if f is None or f.severity < Severity.MEDIUM:
            missed.append((v.source, f and f.severity))
    assert not missed, missed


def test_evidence_says_what_was_decoded(miner_variants: list[Variant], intel: Intel) -> None:
    v = next(
        v for v in miner_variants if v.preset == "rc4" and v.source == "corpus/pool_websocket.js"
    )
    assert "auth" not in v.path.read_text()  # the obfuscator did hide the protocol
    f = _finding(v, intel)
    assert f is not None and f.severity >= Severity.MEDIUM
    decoded = [e for e in f.evidence if e.check_id == "MH-WEB-020"]
    assert decoded and "rc4" in decoded[0].summary and "rotated" in decoded[0].summary
    scored = [e for e in f.evidence if e.check_id != "MH-WEB-020"]
    assert all("deobfuscated" in (e.source or "") for e in scored)
    assert all("rc4" in str(e.attributes.get("decoded")) for e in scored)


def test_renamed_miner_is_found_by_its_shapes(miner_variants: list[Variant], intel: Intel) -> None:
    """The renamed, minified miner has no name any list knows: what it does gives it away."""
    for preset in ("terser", *OBFUSCATOR_PRESETS):
        by_source = {v.source: v for v in miner_variants if v.preset == preset}
        worker = _finding(by_source["miner/chunk.js"], intel)
        loader = _finding(by_source["miner/analytics.js"], intel)
        assert worker is not None and "MH-WEB-022" in {e.check_id for e in worker.evidence}
        assert loader is not None
        assert {"MH-WEB-023", "MH-WEB-024"} <= {e.check_id for e in loader.evidence}, preset


def test_asmjs_cryptonight_is_found(asm_variants: list[Variant], intel: Intel) -> None:
    text = asm_variants[0].path.read_text()
    assert "cryptonight" not in text.lower() or "_cryptonight_hash" in text
    for v in asm_variants:
        f = _finding(v, intel)
        assert f is not None and f.severity >= Severity.HIGH, (v.preset, f)
        asm = [e for e in f.evidence if e.check_id == "MH-WEB-021"]
        assert asm, v.preset
        assert {"keccak", "aes"} <= set(str(asm[0].attributes["primitives"]).split(","))


def test_benign_libraries_stay_below_medium(intel: Intel) -> None:
    _tools()
    samples = benign_npm()
    assert len(samples) >= 10
    variants = [Variant(name, "plain", p) for name, p in samples.items()]
    # The big bundles (lodash, jquery ...) take minutes to obfuscate: the benchmark does them.
    small = {name: p for name, p in samples.items() if p.stat().st_size < 120_000}
    assert {"npm/js-sha3/src/sha3.js", "npm/hash-wasm/dist/argon2.umd.min.js"} <= set(small)
    variants += transform(small, BENIGN_PRESETS, "benign")
    loud = []
    for v in variants:
        f = _finding(v, intel)
        if f is not None and f.severity >= Severity.MEDIUM:
            loud.append((v.source, v.preset, f.summary[:200]))
    assert not loud, loud


def test_hashing_libraries_are_not_asm_miners(intel: Intel) -> None:
    """js-sha3 carries Keccak's constants, argon2-browser and hash-wasm their wasm: no 021."""
    for name, p in benign_npm().items():
        f = document_finding(str(p), p.read_bytes(), None, intel)
        assert f is None or "MH-WEB-021" not in {e.check_id for e in f.evidence}, name
    assert Path(benign_npm()["npm/js-sha3/src/sha3.js"]).exists()


# The hash-rate UI of CoinHive's documentation (2017), as sites pasted it beside the embed.
MINER_UI = """
var miner = window.miner;
setInterval(function () {
  var hashesPerSecond = miner.getHashesPerSecond();
  var totalHashes = miner.getTotalHashes();
  var acceptedHashes = miner.getAcceptedHashes();
  document.getElementById("hps").textContent = hashesPerSecond.toFixed(1);
  document.getElementById("total").textContent = totalHashes + " / " + acceptedHashes;
}, 1000);
document.getElementById("slower").onclick = function () {
  miner.setThrottle(Math.min(0.9, miner.getThrottle() + 0.1));
};
"""


def test_miner_ui_script_is_reported_as_part_of_the_miner(tmp_path: Path, intel: Intel) -> None:
    _tools()
    ui = tmp_path / "stats.js"
    ui.write_text(MINER_UI)
    for v in [Variant("ui", "plain", ui), *transform({"ui": ui}, ("rc4", "terser"), "ui")]:
        f = _finding(v, intel)
        assert f is not None and f.severity >= Severity.MEDIUM, v.preset
        ui_ev = [e for e in f.evidence if e.check_id == "MH-WEB-025"]
        assert ui_ev and ui_ev[0].attributes["family"] == "coinhive-compatible", v.preset
        assert "browser miner (coinhive" in f.summary  # named by the family rule or the shape


def test_padding_that_made_the_decoder_search_backtrack_hides_nothing(
    miner_variants: list[Variant], intel: Intel
) -> None:
    """Two kinds of line an obfuscated miner could carry to stall the string-array decoder:
    an unclosed object of constants (``re`` tried every way of cutting it into items) and
    ``= parseInt(...)`` repeated before the rotation call (read to the next ``;`` from each).
    The miner is still decoded and found."""
    v = next(
        v for v in miner_variants if v.preset == "rc4" and v.source == "corpus/pool_websocket.js"
    )
    padding = "var o = {" + "a:1 " * 3000 + "\n" + "x = parseInt(a) " * 1800 + "\n"
    padded = padding + v.path.read_text()
    f = document_finding(str(v.path), padded.encode(), None, intel)
    assert f is not None and f.severity >= Severity.MEDIUM
    decoded = [e for e in f.evidence if e.check_id == "MH-WEB-020"]
    assert decoded and "rc4" in decoded[0].summary and "rotated" in decoded[0].summary
