"""A response proposed and approved in the dashboard is run by the host's agent, and not a
moment before approval; another host's agent never sees it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx

from tests.agent.test_agent import agent_argv, for_pid, run_agent, server, token_file  # noqa: F401
from tests.support.fleet import FleetServer, fake_miner
from tests.support.launch import stop_process


def test_approved_kill_runs_on_the_host_and_reports_back(
    server: FleetServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    dash = server.user("admin")
    argv = agent_argv(server.url, token_file(server, tmp_path), tmp_path / "st", "--once")
    log = tmp_path / "agent.log"
    miner = fake_miner()
    try:
        assert run_agent(argv, log) == 0, log.read_text()
        fid = for_pid(dash, miner.pid)[0]["id"]
        assert (
            dash.http.post(f"/findings/{fid}/responses", data={"action": "kill"}).status_code == 403
        )
        r = dash.http.post(f"/findings/{fid}/responses", data={"action": "kill", "csrf": dash.csrf})
        assert r.status_code == 303
        page = dash.http.get(f"/findings/{fid}").text
        rid = int(re.search(r'data-response-id="(\d+)"', page).group(1))  # type: ignore[union-attr]

        assert run_agent(argv, log) == 0, log.read_text()
        assert miner.poll() is None, "a response ran without approval"

        other = server.enrol("db-01")
        bearer = {"Authorization": f"Bearer {other}"}
        assert (
            dash.http.post(
                f"/responses/{rid}/decision", data={"decision": "approve", "csrf": dash.csrf}
            ).status_code
            == 303
        )
        assert httpx.get(server.url + "/api/v1/responses", headers=bearer).json() == []
        forged = httpx.post(
            server.url + f"/api/v1/responses/{rid}/result",
            json={"ok": False, "detail": "x"},
            headers=bearer,
        )
        assert forged.status_code == 404

        assert run_agent(argv, log) == 0, log.read_text()
        assert miner.wait(timeout=30) is not None
    finally:
        if miner.poll() is None:
            stop_process(miner)
    page = dash.http.get(f"/findings/{fid}").text
    row = re.search(rf'data-response-id="{rid}">(.*?)</tr>', page, re.S)
    assert row and "done" in row.group(1) and f"killed pid {miner.pid}" in row.group(1)
    assert miner.returncode == -9
    assert subprocess.run(["kill", "-0", str(miner.pid)], capture_output=True).returncode != 0
