"""Miner options are recognised in every form a command line can carry them."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Iterator

import pytest

from minehunt.model import Report, Severity
from tests.conftest import evidence_ids, findings_for_pid, run_cli
from tests.support.launch import TEST_WALLET

SLEEPER = "import time; time.sleep(120)"

FORMS = {
    "donate-eq": (["--donate-level=0"], {"MH-PROC-003"}),
    "donate-space": (["--donate-level", "1"], {"MH-PROC-003"}),
    "donate-abbrev": (["--donate-l", "1", "--randomx-1gb"], {"MH-PROC-003"}),
    "algo-short": (["-a", "rx/0", "--cpu-max-threads-hint=50"], {"MH-PROC-003"}),
    "algo-long-eq": (["--algo=cn/r", "--nicehash"], {"MH-PROC-003"}),
    "wallet": (["-u", TEST_WALLET, "-p", "x"], {"MH-PROC-004"}),
    "stratum": (["-o", "stratum+ssl://pool.hashvault.pro:443"], {"MH-PROC-002"}),
    "base64": (
        [
            "-c",
            base64.b64encode(
                b"./xmrig -o stratum+tcp://xmr.2miners.com:2222 --coin monero"
            ).decode(),
        ],
        {"MH-PROC-005"},
    ),
}


@pytest.fixture(scope="module")
def scanned() -> Iterator[tuple[dict[str, int], Report]]:
    procs = {
        name: subprocess.Popen([sys.executable, "-c", SLEEPER, *argv])
        for name, (argv, _) in FORMS.items()
    }
    plain = subprocess.Popen([sys.executable, "-c", SLEEPER, "--level", "3", "-a", "all"])
    try:
        report = run_cli("scan", "--format", "json", "--min-severity", "info").report
    finally:
        for p in [*procs.values(), plain]:
            p.kill()
            p.wait()
    yield {**{k: p.pid for k, p in procs.items()}, "plain": plain.pid}, report


@pytest.mark.parametrize("form", sorted(FORMS))
def test_form_is_recognised(scanned: tuple[dict[str, int], Report], form: str) -> None:
    pids, report = scanned
    (finding,) = findings_for_pid(report, pids[form])
    assert FORMS[form][1] <= evidence_ids(finding)


def test_ordinary_options_are_not_miner_options(scanned: tuple[dict[str, int], Report]) -> None:
    pids, report = scanned
    assert not findings_for_pid(report, pids["plain"])


def test_pool_and_options_together_are_high(scanned: tuple[dict[str, int], Report]) -> None:
    pids, report = scanned
    (finding,) = findings_for_pid(report, pids["stratum"])
    assert finding.severity >= Severity.HIGH
