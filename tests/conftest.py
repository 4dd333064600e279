"""Shared test helpers: run the real CLI, read its JSON report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from minehunt.model import Finding, Report

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """Compiled rules are kept for the run in a directory of its own (every scan the tests
    start uses it), not in the user's cache."""
    os.environ["MINEHUNT_CACHE_DIR"] = tempfile.mkdtemp(prefix="minehunt-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.pop("MINEHUNT_CACHE_DIR", ""), ignore_errors=True)


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> Report:
        return Report.from_dict(json.loads(self.stdout))


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    drop_caps: str | None = None,
    launcher: str | None = None,
    **kw: Any,
) -> CliResult:
    """Run ``python -m minehunt ARGS`` as a real subprocess.

    ``drop_caps`` ("dac_override,dac_read_search") runs it through setpriv without those
    capabilities: root that really lacks read, ptrace or capture privileges.
    """
    cmd = [sys.executable, "-m", "minehunt", *args]
    if launcher is not None:  # Python source that runs the command given in its argv
        cmd = [sys.executable, "-c", launcher, *cmd]
    if drop_caps:
        caps = ",".join(f"-{c}" for c in drop_caps.split(","))
        cmd = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *cmd]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        **kw,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def findings_for_pid(report: Report, pid: int) -> list[Finding]:
    return [f for f in report.findings if f.target.pid == pid]


def evidence_ids(finding: Finding) -> set[str]:
    return {e.check_id for e in finding.evidence}


@pytest.fixture
def cli() -> Any:
    return run_cli
