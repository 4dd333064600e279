"""False positives, external rules, compile errors and SARIF through ``minehunt scan files``."""

from __future__ import annotations

import json
import sysconfig
import tempfile
from pathlib import Path

from minehunt.model import Severity

from .conftest import CORPUS, REPO, scan

NODE = REPO / "tests" / "node_modules"
BENIGN_NPM = ("hash-wasm", "argon2-browser", "crypto-js", "js-sha3")


def test_system_libraries_site_packages_and_hash_libraries_give_nothing_at_medium() -> None:
    trees = [
        "/usr/bin",
        "/usr/lib/x86_64-linux-gnu",
        sysconfig.get_paths()["purelib"],
        *(str(NODE / p) for p in BENIGN_NPM if (NODE / p).is_dir()),
    ]
    res = scan(*trees, "--min-severity", "info", timeout=900)
    loud = [f"{f.severity} {f.summary}" for f in res.report.at_or_above(Severity.MEDIUM)]
    assert loud == []
    assert res.code == 0, res.stderr
    # Mining software that is there on purpose is reported, low and named as such.
    assert all(f.severity <= Severity.LOW for f in res.report.findings)


def test_a_code_editor_package_is_no_miner() -> None:
    """monaco-editor's bundles hold a web worker's message loop and, megabytes apart, the
    words job, blob and target: no mining worker loop (it was one, medium, before the three
    had to be read together)."""
    res = scan(str(NODE / "monaco-editor"), "--min-severity", "info", timeout=900)
    assert res.report.counters["files"] > 1000
    loud = [f"{f.severity} {f.summary}" for f in res.report.at_or_above(Severity.MEDIUM)]
    assert loud == []
    assert res.code == 0, res.stderr


def test_external_rules_use_their_metadata_and_compile_errors_name_file_and_line(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "community.yar").write_text(
        'rule Community_Pool { meta: severity = "critical" '
        'strings: $a = "pool.minexmr.com" condition: $a }\n'
    )
    sample = tmp_path / "notes.txt"
    sample.write_text("old pool: pool.minexmr.com:4444\n")
    res = scan(sample, "--rules", rules)
    (f,) = res.report.findings
    assert f.check_id == "MH-FILE-001" and f.severity is Severity.CRITICAL
    assert f.evidence[0].attributes["rule"] == "Community_Pool"
    (rules / "broken.yar").write_text(
        "rule ok { condition: true }\n\nrule bad {\n condition: $x\n}\n"
    )
    bad = scan(sample, "--rules", rules)
    assert bad.code == 2
    assert "broken.yar:4:" in bad.stderr


def test_sarif_lists_each_rule_once_and_skipped_inputs_as_notifications(tmp_path: Path) -> None:
    web = tmp_path / "site"
    web.mkdir()
    for name in ("coinhive_embed.html", "cryptoloot.html"):
        (web / name).write_bytes((CORPUS / "web" / name).read_bytes())
    (web / "locked.js").write_text("x")
    (web / "fifo").symlink_to(web / "fifo")
    from tests.conftest import run_cli

    res = run_cli("scan", "files", str(web), "--format", "sarif")
    assert res.code == 1
    run = json.loads(res.stdout)["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert sorted(rule_ids) == ["MH-YARA-050", "MH-YARA-051"]
    assert {r["ruleId"] for r in run["results"]} == set(rule_ids)
    assert all(r["level"] == "error" for r in run["results"])
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == [f"{web}/fifo: symlink loop"]


def test_broken_rules_on_a_tree_scanned_by_workers_end_in_a_usage_error(tmp_path: Path) -> None:
    tree = tmp_path / "site"
    tree.mkdir()
    for i in range(80):  # past the inline limit: the worker processes start first
        (tree / f"page{i}.js").write_text(f"var n{i} = {i};\n")
    rules = tmp_path / "broken.yar"
    rules.write_text("rule bad {\n condition: $x\n}\n")
    spools = set(Path(tempfile.gettempdir()).glob("minehunt-spool-*"))
    res = scan(tree, "--rules", rules, "--jobs", "2")
    assert res.code == 2
    assert "broken.yar:2:" in res.stderr and "Traceback" not in res.stderr
    assert set(Path(tempfile.gettempdir()).glob("minehunt-spool-*")) == spools
