"""Helpers for the file-scanner tests: run ``minehunt scan files`` for real, read the report."""

from __future__ import annotations

from pathlib import Path

from minehunt.model import Finding, Report
from tests.conftest import CliResult, run_cli

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus" / "files"


def scan(*args: str | Path, timeout: float = 300) -> CliResult:
    """``minehunt scan files ARGS --format json`` in a subprocess."""
    return run_cli("scan", "files", *map(str, args), "--format", "json", timeout=timeout)


def by_path(report: Report) -> dict[str, Finding]:
    return {f.target.path or "": f for f in report.findings}


def ids(finding: Finding) -> set[str]:
    return {e.check_id for e in finding.evidence}
