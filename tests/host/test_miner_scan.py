"""`minehunt scan` against real mining: a test pool on 127.0.0.1 and a client doing real
RandomX proof-of-work, once with an XMRig command line and once disguised as a kernel
thread with its pool only in a config file."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from minehunt.intel import default as default_intel
from minehunt.model import Severity
from tests.conftest import evidence_ids, findings_for_pid, run_cli
from tests.support.launch import (
    TEST_WALLET,
    disguised_miner,
    start_xmrig_like,
    stop_process,
    wait_for_shares,
)
from tests.support.pool import Pool, running_pool


def _free_mining_port() -> int:
    """A port from the intel's mining-port list that is free on 127.0.0.1."""
    for port in sorted(default_intel().mining_ports):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no mining port free on 127.0.0.1")


@pytest.fixture
def pool() -> Iterator[Pool]:
    with running_pool(port=_free_mining_port(), job_interval=5.0) as p:
        yield p


@pytest.fixture
def drop_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: the dropped interpreter copy must not outlive the test, or the
    # clean-host test would (rightly) report it.
    d = Path(tempfile.mkdtemp(prefix="mh-drop-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def scan_json(*extra: str) -> object:
    r = run_cli("scan", "--format", "json", "--min-severity", "info", *extra)
    assert r.code in (0, 1), r.stderr
    return r


def test_xmrig_like_miner_is_high_or_critical_with_pool_and_wallet(pool: Pool) -> None:
    miner = start_xmrig_like(pool.port)
    try:
        wait_for_shares(pool, 1, timeout=60, proc=miner)
        r = run_cli("scan", "--format", "json")
        assert r.code == 1, r.stderr
        found = findings_for_pid(r.report, miner.pid)
    finally:
        stop_process(miner)
    assert len(found) == 1, "one finding per miner, not one per signal"
    f = found[0]
    assert f.severity >= Severity.HIGH
    ids = evidence_ids(f)
    assert {"MH-PROC-002", "MH-PROC-003", "MH-PROC-004", "MH-NET-002"} <= ids
    attrs = [e.attributes for e in f.evidence]
    assert any(a.get("wallet") == TEST_WALLET for a in attrs)
    assert any(f"127.0.0.1:{pool.port}" in str(a.get("pool", "")) for a in attrs)
    assert any(a.get("raddr") == f"127.0.0.1:{pool.port}" for a in attrs)
    assert "T1496" in f.attack


def test_disguised_miner_found_from_behaviour(pool: Pool, drop_dir: Path) -> None:
    with disguised_miner(drop_dir, pool.port) as miner:
        wait_for_shares(pool, 1, timeout=60, proc=miner)
        cmdline = Path(f"/proc/{miner.pid}/cmdline").read_bytes()
        assert cmdline.rstrip(b"\0 ") == b"[kworker/0:1]", "the disguise must hide the argv"
        r = run_cli("scan", "--format", "json", "--min-severity", "info")
        assert r.code == 1, r.stderr
        found = findings_for_pid(r.report, miner.pid)
    assert len(found) == 1
    f = found[0]
    assert f.severity >= Severity.MEDIUM
    ids = evidence_ids(f)
    assert "MH-PROC-009" in ids, "sustained CPU"
    assert "MH-PROC-006" in ids, "runs from /tmp"
    assert "MH-PROC-008" in ids, "kernel-thread disguise"
    assert ids & {"MH-NET-001", "MH-NET-002"}, "pool connection"
    assert "MH-PROC-010" in ids, "config.json beside the executable"
    # The dropped executable belongs to the process finding, not a second finding.
    exe_path = str(drop_dir.resolve() / ".cache" / "kthreadd")
    assert not [x for x in r.report.findings if x.target.path == exe_path]


def test_benign_cpu_and_long_lived_client_stay_below_medium() -> None:
    busy = subprocess.Popen([sys.executable, "-c", "while True: sum(i*i for i in range(10000))"])
    gz = subprocess.Popen(
        ["sh", "-c", "head -c 4000000000 /dev/urandom | gzip -1 > /dev/null"],
        start_new_session=True,
    )
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    client = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import socket,time\n"
            f"s=socket.create_connection(('127.0.0.1',{port}))\n"
            'while True:\n s.sendall(b\'{"jsonrpc":"2.0","method":"ping","id":1}\\n\'); time.sleep(0.5)\n',
        ],
    )
    conn, _ = server.accept()
    try:
        time.sleep(2.0)  # let the busy ones build up a lifetime average
        r = run_cli("scan", "--format", "json", "--min-severity", "info", "--cpu-window", "1.0")
        report = r.report
    finally:
        os.killpg(gz.pid, signal.SIGKILL)
        for p in (busy, gz, client):
            p.kill()
            p.wait()
        conn.close()
        server.close()
    busy_findings = findings_for_pid(report, busy.pid)
    assert busy_findings and busy_findings[0].severity == Severity.INFO, "busy is seen, as info"
    for p in (busy, client):
        assert all(f.severity < Severity.MEDIUM for f in findings_for_pid(report, p.pid))
    assert not findings_for_pid(report, client.pid)
