"""A script's rules and the website analysis' literal hints come from one YARA-X pass: the
verdicts are those of two separate passes."""

from __future__ import annotations

from pathlib import Path

from minehunt import rules
from minehunt.files import pool
from minehunt.files.scanner import FileScanOptions
from minehunt.files.worker import FileJob, _File, web_signals

TESTS = Path(__file__).resolve().parents[1]


def _key(signals: list) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    return [
        (
            s.evidence.check_id,
            s.evidence.summary,
            s.evidence.line,
            sorted(s.evidence.attributes.items()),
            s.severity,
        )
        for s in signals
    ]


def _scripts() -> list[Path]:
    """The corpus' scripts (miners among them) and real libraries: a miner (coin-hive-stratum),
    hashing, WebAssembly loaders, an obfuscator."""
    modules = TESTS / "node_modules"
    roots = [TESTS / "corpus"]
    roots += [modules / n for n in ("coin-hive-stratum", "crypto-js", "sql.js", "hash-wasm")]
    return sorted(
        p
        for root in roots
        for p in root.rglob("*")
        if p.suffix in (".js", ".mjs", ".cjs") and p.is_file() and p.stat().st_size < 8 << 20
    )


def test_one_pass_gives_the_verdicts_of_two() -> None:
    ruleset = rules.bundled()
    pool._RULES = ruleset
    settings = FileScanOptions().settings()
    files = _scripts()
    assert len(files) > 50
    flagged = 0
    for path in files:
        result = _File(FileJob(str(path), str(path), path.stat().st_size), settings).scan()
        alone = web_signals(str(path), path.read_bytes())
        assert _key(result.web) == _key(alone), path
        flagged += bool(alone)
        own = [(m.rule.id, m.offsets) for h in result.hits for m in h.matches]
        assert own == [(m.rule.id, m.offsets) for m in ruleset.scan_file(path)], path
    assert flagged >= 10  # the miners of the corpus are among them


def test_helper_rules_are_never_reported_as_matches(tmp_path: Path) -> None:
    ruleset = rules.bundled()
    plus = ruleset.plus("minehunt.aux", "rule everything { condition: true }", 100)
    assert plus is ruleset.plus("minehunt.aux", "rule everything { condition: true }", 100)
    sample = tmp_path / "x.js"
    sample.write_bytes(
        b"var a = 1;\n"
        + (TESTS / "corpus" / "files" / "configs").joinpath("xmrig_config.json").read_bytes()
    )
    matches, results = plus.scan_file_results(sample)
    assert [m.rule.id for m in matches] == [m.rule.id for m in ruleset.scan_file(sample)]
    assert matches  # the miner config is found
    assert any(r.namespace == "minehunt.aux" for r in results.matching_rules)
