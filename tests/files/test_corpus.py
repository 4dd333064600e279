"""The authored corpus and real mining code, scanned through ``minehunt scan files``."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from minehunt.model import Severity
from tests.build import ToolMissing, cryptonight

from .conftest import CORPUS, by_path, ids, scan

LIBRANDOMX = Path("/usr/lib/x86_64-linux-gnu/librandomx.so.0")


def test_every_corpus_file_gives_its_expected_checks() -> None:
    expected = tomllib.loads((CORPUS / "expected.toml").read_text("utf-8"))
    res = scan(CORPUS)
    assert res.code == 1, res.stderr
    found = by_path(res.report)
    for rel, want in expected.items():
        f = found.get(str(CORPUS / rel))
        # Website checks (MH-WEB-*) on HTML/JS samples carry no rule id.
        got = (
            {e.attributes["rule_id"] for e in f.evidence if "rule_id" in e.attributes}
            if f
            else set()
        )
        # A legit rule folds the algorithm matches it explains into its own evidence.
        explained = {
            x
            for e in (f.evidence if f else ())
            for x in str(e.attributes.get("explains", "")).split(",")
            if x
        }
        assert got | explained == set(want), rel
    assert not res.report.skipped


def test_findings_carry_rule_ids_offsets_and_lines() -> None:
    res = scan(CORPUS / "configs" / "xmrig_config.json")
    (f,) = res.report.findings
    assert f.check_id in ("MH-YARA-020", "MH-YARA-025") and f.severity >= Severity.HIGH
    ev = next(e for e in f.evidence if e.check_id == "MH-YARA-020")
    assert ev.attributes["rule"] == "MH_CFG_XMRig_JSON" or ev.attributes["kind"] == "config"
    assert str(ev.attributes["offsets"]).startswith("0x") and ev.line and ev.line >= 1
    assert f.target.line == ev.line or f.target.line is not None


def test_legitimate_mining_software_is_low_and_explains_the_algorithm(tmp_path: Path) -> None:
    if not LIBRANDOMX.exists():
        pytest.skip("apt-get install librandomx0")
    res = scan(LIBRANDOMX)
    (f,) = res.report.findings
    assert f.check_id == "MH-YARA-092" and f.severity is Severity.LOW
    assert ids(f) == {"MH-YARA-092"}
    assert "MH-YARA-070" in str(f.evidence[0].attributes["explains"])
    # The same RandomX code without the library's API names is a miner: high, not explained.
    stripped = tmp_path / "kworkerds"
    data = LIBRANDOMX.read_bytes()
    for name in (b"randomx_alloc_cache", b"randomx_init_cache", b"randomx_create_vm"):
        data = data.replace(name, b"x" * len(name))
    stripped.write_bytes(data)
    (g,) = scan(stripped).report.findings
    assert g.check_id == "MH-YARA-070" and g.severity >= Severity.HIGH
    # An executable carrying the library whole (an unstripped static miner: ELF type
    # ET_EXEC) is not explained by it either: only a shared object is the library.
    static = tmp_path / "xmrig-static"
    exe = bytearray(LIBRANDOMX.read_bytes())
    exe[16:18] = (2).to_bytes(2, "little")  # e_type = ET_EXEC
    static.write_bytes(bytes(exe))
    (h,) = scan(static).report.findings
    assert h.check_id == "MH-YARA-070" and h.severity >= Severity.HIGH
    assert "MH-YARA-092" not in ids(h)


def test_cryptonight_compiled_in_the_test_run_is_found_natively_and_as_wasm(
    tmp_path: Path,
) -> None:
    try:
        native = cryptonight.build_native()
        wasm = cryptonight.build_wasm()
    except ToolMissing as e:
        pytest.skip(str(e))
    js = cryptonight.embed_in_js(wasm.path)
    res = scan(native, wasm.path, js)
    found = by_path(res.report)
    assert "MH-YARA-071" in ids(found[str(native)])
    assert found[str(native)].severity >= Severity.HIGH
    assert "MH-YARA-071" in ids(found[str(wasm.path)]) or "MH-YARA-062" in ids(
        found[str(wasm.path)]
    )
    assert {"MH-YARA-061"} & ids(found[str(js)])
