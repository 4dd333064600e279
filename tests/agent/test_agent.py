"""The agent as a subprocess against the server as a subprocess: a real miner on this host
becomes a finding in the API and the dashboard; outages and kills lose and duplicate
nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from minehunt.server.models import FindingRow, Host, RawReport
from tests.host.test_miner_scan import _free_mining_port
from tests.support.fleet import (
    Dashboard,
    FleetServer,
    HoldingProxy,
    fake_miner,
    running_server,
    wait_for,
)
from tests.support.launch import (
    TEST_WALLET,
    die_with_parent,
    start_xmrig_like,
    stop_process,
    wait_for_shares,
)
from tests.support.pool import running_pool


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FleetServer]:
    with running_server(f"sqlite:///{tmp_path / 'fleet.sqlite'}", tmp_path / "srv") as s:
        yield s


def agent_argv(server_url: str, token_file: Path, state: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "minehunt", "-v", "agent", "--server", server_url,
        "--token-file", str(token_file), "--state-dir", str(state), "--hostname",
        "web-01", "--cpu-window", "0.2", *extra,
    ]  # fmt: skip


def start_agent(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as fh:
        return subprocess.Popen(
            argv, stdout=fh, stderr=fh, start_new_session=True, preexec_fn=die_with_parent
        )


def run_agent(argv: list[str], log: Path) -> int:
    with open(log, "ab") as fh:
        return subprocess.run(argv, stdout=fh, stderr=fh, timeout=180).returncode


def token_file(server: FleetServer, tmp_path: Path) -> Path:
    f = tmp_path / "token"
    f.write_text(server.token("web-01") + "\n")
    f.chmod(0o600)
    return f


def for_pid(dash: Dashboard, pid: int) -> list[dict[str, Any]]:
    return [r for r in dash.findings(host="web-01") if r["finding"]["target"]["pid"] == pid]


def queued(state: Path) -> int:
    db = sqlite3.connect(state / "queue.sqlite", timeout=30)
    try:
        return int(db.execute("SELECT count(*) FROM outbox").fetchone()[0])
    finally:
        db.close()


def test_real_miner_reaches_the_api_and_the_dashboard(server: FleetServer, tmp_path: Path) -> None:
    dash = server.user("admin")
    state = tmp_path / "agent"
    argv = agent_argv(server.url, token_file(server, tmp_path), state, "--once")
    with running_pool(port=_free_mining_port(), job_interval=5.0) as pool:
        pool_port = pool.port
        miner = start_xmrig_like(pool.port)
        try:
            wait_for_shares(pool, 1, timeout=60, proc=miner)
            code = run_agent(argv, tmp_path / "agent.log")
        finally:
            stop_process(miner)
    assert code == 0, (tmp_path / "agent.log").read_text()
    assert queued(state) == 0
    assert oct((state / "credential.json").stat().st_mode & 0o777) == "0o600"

    found = for_pid(dash, miner.pid)
    assert len(found) == 1
    f = found[0]
    assert f["state"] == "new" and f["finding"]["severity"] in ("high", "critical")
    ids = {e["check_id"] for e in f["finding"]["evidence"]}
    assert {"MH-PROC-002", "MH-PROC-004"} <= ids

    table = dash.http.get("/findings", params={"q": f"pid {miner.pid} "}).text
    assert f'href="/findings/{f["id"]}"' in table
    detail = dash.http.get(f"/findings/{f['id']}").text
    assert TEST_WALLET in detail and f"127.0.0.1:{pool_port}" in detail
    overview = dash.http.get("/").text
    assert "web-01" in overview and "online" in overview


def test_server_outage_loses_nothing_and_duplicates_nothing(
    server: FleetServer, tmp_path: Path
) -> None:
    dash = server.user("admin")
    state = tmp_path / "agent"
    argv = agent_argv(
        server.url, token_file(server, tmp_path), state, "--interval", "1", "--retry-cap", "2"
    )
    first = fake_miner("stratum+tcp://127.0.0.1:3333")
    agent = start_agent(argv, tmp_path / "agent.log")
    second = None
    try:
        wait_for(lambda: for_pid(dash, first.pid), 120, "the first miner on the server")
        server.stop()
        second = fake_miner("stratum+tcp://127.0.0.1:5555")
        # The agent keeps scanning while the server is away and queues what it finds.
        wait_for(lambda: queued(state) >= 1, 120, "the second miner in the agent's queue")
        assert agent.poll() is None, (tmp_path / "agent.log").read_text()
        server.start()
        wait_for(lambda: for_pid(dash, second.pid), 120, "the second miner after the outage")
        wait_for(lambda: queued(state) == 0, 60, "an empty queue")
    finally:
        agent.send_signal(signal.SIGTERM)
        code = agent.wait(timeout=60)
        for p in (first, second):
            if p is not None:
                stop_process(p)
    assert code == 0, (tmp_path / "agent.log").read_text()
    assert "unreachable" in (tmp_path / "agent.log").read_text()
    for pid in (first.pid, second.pid):
        rows = for_pid(dash, pid)
        assert len(rows) == 1 and rows[0]["times_seen"] == 1, rows
    with server.db.session() as s:
        bodies = s.scalars(select(RawReport.body)).all()
    assert sum(f'"pid":{second.pid},' in b for b in bodies) == 1


def test_agent_killed_mid_send_resends_without_duplicates(
    server: FleetServer, tmp_path: Path
) -> None:
    dash = server.user("admin")
    state = tmp_path / "agent"
    tokens = token_file(server, tmp_path)
    miner = fake_miner()
    proxy = HoldingProxy(server.port)
    try:
        agent = start_agent(agent_argv(proxy.url, tokens, state, "--once"), tmp_path / "agent.log")
        try:
            assert proxy.held.wait(120), (tmp_path / "agent.log").read_text()
        finally:
            os.killpg(agent.pid, signal.SIGKILL)
            agent.wait()
        # The server stored the report; the agent died before hearing so.
        assert queued(state) == 1
        with server.db.session() as s:
            assert s.scalar(select(func.count()).select_from(RawReport)) == 1
        code = run_agent(agent_argv(server.url, tokens, state, "--once"), tmp_path / "a2.log")
    finally:
        proxy.close()
        stop_process(miner)
    assert code == 0, (tmp_path / "a2.log").read_text()
    assert queued(state) == 0
    rows = for_pid(dash, miner.pid)
    assert len(rows) == 1 and rows[0]["times_seen"] == 1
    with server.db.session() as s:
        assert s.scalar(select(func.count()).select_from(RawReport)) == 1
        assert s.scalar(select(func.count()).select_from(Host)) == 1
        assert (
            s.scalar(
                select(func.count())
                .select_from(FindingRow)
                .where(FindingRow.target_key.like(f"process:{miner.pid}:%"))
            )
            == 1
        )
