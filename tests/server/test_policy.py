"""The auto-approve policy on the real server, SQLite and PostgreSQL: without it no order
reaches an agent before an admin approves; with it the matching findings (and only those)
become approved orders for their own host, once each."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from typing import Any

import httpx

from minehunt.model import Severity
from tests.support.fleet import FleetServer, finding


def orders(server: FleetServer, credential: str) -> list[dict[str, Any]]:
    r = httpx.get(
        server.url + "/api/v1/responses", headers={"Authorization": f"Bearer {credential}"}
    )
    assert r.status_code == 200, r.text
    return list(r.json())


def policy_cli(server: FleetServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minehunt", "server", "policy", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **server.env},
    )


def test_auto_approve_policy_turns_matching_findings_into_orders(server: FleetServer) -> None:
    a, b = (f"pol-{uuid.uuid4().hex[:8]}" for _ in range(2))
    cred_a, cred_b = server.enrol(a), server.enrol(b)
    dash = server.user(f"admin-{uuid.uuid4().hex[:6]}")
    miner = finding(pid=5001)
    low = finding(pid=5002, name="helper", severity=Severity.LOW)
    net = finding(pid=5003, name="curl", check="MH-NET-001")
    assert server.post_report(cred_a, [miner, low, net]).status_code == 201
    assert server.post_report(cred_b, [finding(pid=6001)]).status_code == 201

    # No policy: nothing is handed out.
    assert orders(server, cred_a) == []
    assert "no policy" in policy_cli(server, "show").stderr

    r = policy_cli(server, "set", "auto-approve", "--min-severity", "high",
                   "--checks", "MH-PROC-*", "--action", "kill")  # fmt: skip
    assert r.returncode == 0, r.stderr
    got = orders(server, cred_a)
    assert [(o["action"], o["target"]["pid"], o["finding"]["check_id"]) for o in got] == [
        ("kill", 5001, "MH-PROC-002")
    ]
    assert orders(server, cred_a) == got  # handed out again until done, never doubled
    assert [o["target"]["pid"] for o in orders(server, cred_b)] == [6001]

    (row,) = [x for x in dash.findings(host=a) if x["finding"]["target"]["pid"] == 5001]
    page = dash.http.get(f"/findings/{row['id']}").text
    assert "policy auto-approve (set by" in page and "dispatched" in page

    # A proposal of another action than the policy's still waits for an admin.
    (other,) = [x for x in dash.findings(host=a) if x["finding"]["target"]["pid"] == 5003]
    r2 = dash.http.post(
        f"/findings/{other['id']}/responses", data={"action": "suspend", "csrf": dash.csrf}
    )
    assert r2.status_code == 303
    page = dash.http.get(f"/findings/{other['id']}").text
    m = re.search(r'data-response-id="\d+">(.*?)</tr>', page, re.S)
    assert m and "requested" in m.group(1)
    assert [o["target"]["pid"] for o in orders(server, cred_a)] == [5001]

    # Cleared: a new matching finding waits again.
    assert policy_cli(server, "clear", "auto-approve").returncode == 0
    assert server.post_report(cred_b, [finding(pid=6002)]).status_code == 201
    assert [o["target"]["pid"] for o in orders(server, cred_b)] == [6001]

    bad = policy_cli(server, "set", "always")
    assert bad.returncode == 2 and "auto-approve" in bad.stderr
    bad = policy_cli(server, "set", "auto-approve", "--min-severity", "urgent")
    assert bad.returncode == 2
