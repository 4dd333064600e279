"""``minehunt agent --iface lo``: the live capture runs beside the host scan, and what it sees
on the wire (the Stratum login to the test pool) reaches the server like a host finding."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any

from tests.agent.test_agent import agent_argv, server, start_agent, token_file  # noqa: F401
from tests.support.fleet import FleetServer, wait_for
from tests.support.launch import TEST_WALLET, start_xmrig_like, stop_process, wait_for_shares
from tests.support.pool import running_pool


def test_agent_iface_sends_live_capture_findings(
    server: FleetServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    dash = server.user("admin")
    log = tmp_path / "agent.log"
    argv = agent_argv(server.url, token_file(server, tmp_path), tmp_path / "st",
                      "--iface", "lo", "--interval", "5")  # fmt: skip
    agent = start_agent(argv, log)
    try:
        wait_for(lambda: "capturing on lo" in log.read_text(), 120, "the capture to start")
        with running_pool(job_interval=1.0) as pool:
            port = pool.port
            miner = start_xmrig_like(port)
            try:
                wait_for_shares(pool, 1, 60, proc=miner)

                def wire() -> list[dict[str, Any]]:
                    return [
                        r
                        for r in dash.findings(host="web-01", check="MH-NET-101")
                        if r["finding"]["target"]["raddr"] == f"127.0.0.1:{port}"
                    ]

                rows = wait_for(wire, 120, "the capture's finding on the server")
                # The host scan runs beside the capture: the same miner as a process.
                wait_for(
                    lambda: [
                        r
                        for r in dash.findings(host="web-01")
                        if r["finding"]["target"]["pid"] == miner.pid
                    ],
                    120,
                    "the host scan's finding of the miner process",
                )
            finally:
                stop_process(miner)
    finally:
        agent.send_signal(signal.SIGTERM)
        code = agent.wait(timeout=60)
    assert code in (0, 75), log.read_text()
    assert len(rows) == 1 and rows[0]["finding"]["severity"] in ("high", "critical")
    attrs = {k: v for e in rows[0]["finding"]["evidence"] for k, v in e["attributes"].items()}
    assert attrs.get("wallet") == TEST_WALLET


def test_agent_iface_without_capture_rights_fails_clearly(
    server: FleetServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    argv = agent_argv(server.url, token_file(server, tmp_path), tmp_path / "st",
                      "--iface", "no-such-if0", "--once")  # fmt: skip
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "no-such-if0" in r.stderr
