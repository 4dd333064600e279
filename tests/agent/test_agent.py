"""The agent as a subprocess against the server as a subprocess: a real miner on this host
becomes a finding in the API and the dashboard; outages and kills lose and duplicate
nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
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


def in_queue(state: Path, pid: int) -> bool:
    """A report naming ``pid`` waits in the agent's offline queue."""
    db = sqlite3.connect(state / "queue.sqlite", timeout=30)
    try:
        return any(f'"pid":{pid},' in b for (b,) in db.execute("SELECT body FROM outbox"))
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


OUTAGE = 60.0
"""How long the server stays down while the agents keep scanning."""


def test_server_outage_loses_nothing_and_duplicates_nothing(
    server: FleetServer, tmp_path: Path
) -> None:
    """Two agents keep scanning through a 60 s server outage in which miners start and one
    exits again; after the restart every finding of both hosts is there exactly once."""
    dash = server.user("admin")
    hosts = ("web-01", "web-02")
    states = {h: tmp_path / h for h in hosts}
    agents: list[subprocess.Popen[bytes]] = []
    miners: list[subprocess.Popen[bytes]] = [fake_miner("stratum+tcp://127.0.0.1:3333")]
    for h in hosts:
        tok = tmp_path / f"{h}.token"
        tok.write_text(server.token(h) + "\n")
        argv = agent_argv(server.url, tok, states[h], "--interval", "2", "--retry-cap", "2")
        argv[argv.index("--hostname") + 1] = h
        agents.append(start_agent(argv, tmp_path / f"{h}.log"))
    logs = "".join((tmp_path / f"{h}.log").read_text() for h in hosts)

    def on(host: str, pid: int) -> list[dict[str, Any]]:
        return [r for r in dash.findings(host=host) if r["finding"]["target"]["pid"] == pid]

    try:
        for h in hosts:
            wait_for(lambda h=h: on(h, miners[0].pid), 120, f"the first miner from {h}")
        server.stop()
        down = time.monotonic()
        # During the outage: a second miner starts, a third starts and exits again (found
        # only while the server was away), a fourth starts late.
        miners.append(fake_miner("stratum+tcp://127.0.0.1:5555"))
        gone = fake_miner("stratum+tcp://127.0.0.1:7777")
        miners.append(gone)
        for h in hosts:
            wait_for(lambda h=h: in_queue(states[h], gone.pid), OUTAGE, f"pid {gone.pid} on {h}")
        stop_process(gone)
        late_at = down + OUTAGE / 2
        time.sleep(max(0.0, late_at - time.monotonic()))
        late = fake_miner("stratum+tcp://127.0.0.1:9999")
        miners.append(late)
        for h in hosts:
            wait_for(lambda h=h: in_queue(states[h], late.pid), OUTAGE, f"pid {late.pid} on {h}")
        assert all(a.poll() is None for a in agents), logs
        time.sleep(max(0.0, down + OUTAGE - time.monotonic()))
        server.start()
        for h in hosts:
            for m in miners:
                wait_for(lambda h=h, m=m: on(h, m.pid), 120, f"pid {m.pid} from {h}")
            wait_for(lambda h=h: queued(states[h]) == 0, 60, f"an empty queue on {h}")
    finally:
        codes = []
        for a in agents:
            a.send_signal(signal.SIGTERM)
            codes.append(a.wait(timeout=60))
        for m in miners:
            if m.poll() is None:
                stop_process(m)
    logs = "".join((tmp_path / f"{h}.log").read_text() for h in hosts)
    assert codes == [0, 0], logs
    assert "unreachable" in logs
    with server.db.session() as s:
        bodies = {
            h: s.scalars(
                select(RawReport.body)
                .join(Host, Host.id == RawReport.host_id)
                .where(Host.name == h)
            ).all()
            for h in hosts
        }
    for h in hosts:
        for m in miners:
            rows = on(h, m.pid)
            assert len(rows) == 1 and rows[0]["times_seen"] == 1, (h, m.pid, rows)
            # Reported in exactly one accepted report: queued once, delivered once.
            assert sum(f'"pid":{m.pid},' in b for b in bodies[h]) == 1, (h, m.pid)


@pytest.mark.parametrize("stored", [True, False], ids=["answer-lost", "upload-lost"])
def test_agent_killed_mid_send_resends_without_duplicates(
    server: FleetServer, tmp_path: Path, stored: bool
) -> None:
    """SIGKILL while the upload is in flight: after the server stored it but before the
    agent heard, or before the server got it at all. The restarted agent resends it and
    the server holds it once."""
    dash = server.user("admin")
    state = tmp_path / "agent"
    tokens = token_file(server, tmp_path)
    miner = fake_miner()
    proxy = HoldingProxy(server.port, forward=stored)
    try:
        agent = start_agent(agent_argv(proxy.url, tokens, state, "--once"), tmp_path / "agent.log")
        try:
            assert proxy.held.wait(120), (tmp_path / "agent.log").read_text()
        finally:
            os.killpg(agent.pid, signal.SIGKILL)
            agent.wait()
        assert f'"pid":{miner.pid},'.encode() in proxy.held_request
        # The report is still queued; the server has it (answer lost) or not (upload lost).
        assert queued(state) == 1
        with server.db.session() as s:
            assert s.scalar(select(func.count()).select_from(RawReport)) == int(stored)
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
