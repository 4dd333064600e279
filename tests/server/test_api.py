"""The agent API and the read API against a real server process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import httpx
from sqlalchemy import update

from minehunt.server.db import now
from minehunt.server.models import EnrolmentToken
from tests.support.fleet import PASSWORD, Dashboard, FleetServer, csrf_of, finding, report_body


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_report_is_stored_once_per_target_and_resends_change_nothing(server: FleetServer) -> None:
    host = _name("web")
    cred = server.enrol(host)
    dash = server.user(_name("admin"))
    f = finding(pid=1001)
    key = uuid.uuid4().hex

    first = server.post_report(cred, [f], key)
    assert first.status_code == 201 and first.json() == {"duplicate": False, "new": 1, "updated": 0}
    again = server.post_report(cred, [f], key)  # the agent did not hear the answer: resend
    assert again.status_code == 200 and again.json()["duplicate"] is True
    later = server.post_report(cred, [f])  # the next scan sees the same miner
    assert later.status_code == 201 and later.json() == {"duplicate": False, "new": 0, "updated": 1}

    rows = dash.findings(host=host)
    assert len(rows) == 1
    row = rows[0]
    assert row["state"] == "new" and row["times_seen"] == 2
    assert row["finding"]["target"]["pid"] == 1001
    assert row["finding"]["evidence"][0]["attributes"]["pool"] == "stratum+tcp://127.0.0.1:3333"
    assert row["first_seen"] <= row["last_seen"]


def test_enrolment_token_is_one_time_and_revocation_locks_the_agent_out(
    server: FleetServer,
) -> None:
    name = _name("db")
    token = server.token(name)
    r = httpx.post(server.url + "/api/v1/enrol", json={"token": token, "hostname": name})
    assert r.status_code == 200
    cred = r.json()["credential"]
    assert cred.startswith("mha_")
    reuse = httpx.post(server.url + "/api/v1/enrol", json={"token": token, "hostname": "other"})
    assert reuse.status_code == 401

    assert server.post_report(cred, [finding()]).status_code == 201
    server.cli("token", "revoke", name)
    refused = server.post_report(cred, [finding(pid=7)])
    assert refused.status_code == 401
    for body in (b"{not json", report_body([finding(name="x\x00y")]).encode()):
        # the credential is checked before the body is looked at
        r = httpx.post(
            server.url + "/api/v1/reports",
            content=body,
            headers={"Authorization": f"Bearer {cred}", "Content-Type": "application/json"},
        )
        assert r.status_code == 401, body[:20]
    hb = httpx.post(
        server.url + "/api/v1/heartbeat", json={}, headers={"Authorization": f"Bearer {cred}"}
    )
    assert hb.status_code == 401

    unused = _name("spare")
    spare = server.token(unused)
    server.cli("token", "revoke", unused)
    r = httpx.post(server.url + "/api/v1/enrol", json={"token": spare, "hostname": unused})
    assert r.status_code == 401
    bogus = httpx.post(server.url + "/api/v1/enrol", json={"token": "mhe_x", "hostname": "h"})
    assert bogus.status_code == 401


def test_expired_token_is_refused(server: FleetServer) -> None:
    name = _name("exp")
    token = server.cli("token", "create", name, "--expires", "1m").strip()
    assert token.startswith("mhe_")
    with server.db.session() as s:  # let the minute pass
        s.execute(update(EnrolmentToken).where(EnrolmentToken.name == name).values(expires=now()))
    r = httpx.post(server.url + "/api/v1/enrol", json={"token": token, "hostname": name})
    assert r.status_code == 401 and "expired" in r.text


def test_one_agent_cannot_write_another_hosts_findings(server: FleetServer) -> None:
    a, b = _name("a"), _name("b")
    cred_a, cred_b = server.enrol(a), server.enrol(b)
    dash = server.user(_name("admin"))
    assert server.post_report(cred_a, [finding(pid=11)], hostname=a).status_code == 201

    forged = server.post_report(cred_b, [finding(pid=11, name="forged")], hostname=a)
    assert forged.status_code == 403
    # Without a host name the report lands on B's own host, never on A's.
    assert server.post_report(cred_b, [finding(pid=11, name="bees")]).status_code == 201
    assert [r["finding"]["target"]["name"] for r in dash.findings(host=a)] == ["xmrig"]
    assert [r["finding"]["target"]["name"] for r in dash.findings(host=b)] == ["bees"]


def test_oversized_and_malformed_bodies_are_refused_with_4xx(server: FleetServer) -> None:
    cred = server.enrol(_name("m"))
    auth = {"Authorization": f"Bearer {cred}", "Content-Type": "application/json"}
    url = server.url + "/api/v1/reports"
    huge = report_body([finding(cmdline=("x" * (2 << 20),))])
    assert httpx.post(url, content=huge, headers=auth).status_code == 413

    def chunks():  # no Content-Length: the bound applies while reading
        for _ in range(40):
            yield b"x" * 65536

    assert httpx.post(url, content=chunks(), headers=auth).status_code == 413
    for body in (
        b"{not json",
        b"[]",
        json.dumps({"idempotency_key": "k" * 10, "report": {"findings": [{"x": 1}]}}).encode(),
        json.dumps({"idempotency_key": "bad key!", "report": {"findings": []}}).encode(),
        json.dumps({"idempotency_key": "k" * 10, "report": {"findings": "no"}}).encode(),
        b"\xff\xfe\x00garbage",
        report_body([finding(name="x\x00y")]).encode(),  # PostgreSQL cannot store NUL
    ):
        r = httpx.post(url, content=body, headers=auth)
        assert 400 <= r.status_code < 500, (body[:40], r.status_code)
    big_enrol = httpx.post(
        server.url + "/api/v1/enrol", json={"token": "t" * 10_000, "hostname": "h"}
    )
    assert big_enrol.status_code == 422
    nul_host = httpx.post(server.url + "/api/v1/enrol", json={"token": "t", "hostname": "a\x00"})
    assert nul_host.status_code == 422


def test_rate_limit_answers_429_with_retry_after(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.support.fleet import running_server

    url = f"sqlite:///{tmp_path / 'rl.sqlite'}"
    with running_server(url, tmp_path / "d", "--agent-rate", "0.01", "--agent-burst", "3") as s:
        cred = s.enrol("rl")
        codes = [s.post_report(cred, [finding(pid=i)]).status_code for i in range(4)]
        assert codes == [201, 201, 201, 429]
        r = s.post_report(cred, [finding(pid=9)])
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        # Another agent has its own bucket.
        assert s.post_report(s.enrol("rl2"), [finding()]).status_code == 201


def test_user_add_from_the_command_line_signs_in(server: FleetServer) -> None:
    name = _name("carol")
    server.cli("user", "add", name, "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n")
    dash = Dashboard(server.url, name)
    assert dash.http.get("/api/v1/hosts").status_code == 200
    short = subprocess.run(
        [sys.executable, "-m", "minehunt", "server", "user", "add", "dave", "--password-stdin"],
        input="short\n", capture_output=True, text=True, timeout=60,
        env={**os.environ, **server.env},
    )  # fmt: skip
    assert short.returncode == 2 and "at least 8" in short.stderr
    wrong = httpx.Client(base_url=server.url)
    page = wrong.get("/login").text
    r = wrong.post("/login", data={"username": name, "password": "nope", "csrf": csrf_of(page)})
    assert r.status_code == 303 and r.headers["location"].startswith("/login?error=")


def test_password_guessing_is_slowed_down(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.support.fleet import running_server

    with running_server(f"sqlite:///{tmp_path / 'g.sqlite'}", tmp_path / "d") as s:
        with s.db.session() as db:  # not s.user(): that signs in, spending an attempt
            from minehunt.server import auth
            from minehunt.server.models import Role

            auth.add_user(db, "erin", PASSWORD, Role.VIEWER)
        http = httpx.Client(base_url=s.url)
        codes = []
        for i in range(30):
            csrf = csrf_of(http.get("/login").text)
            r = http.post("/login", data={"username": "erin", "password": f"guess{i}",
                                          "csrf": csrf})  # fmt: skip
            codes.append(r.status_code)
        # A burst of 10, then one attempt per 5 s: attempts faster than that are refused.
        assert codes[:10] == [303] * 10 and 429 in codes[10:]
        refused = http.post("/login", data={"username": "erin", "password": PASSWORD,
                                            "csrf": csrf_of(http.get("/login").text)})  # fmt: skip
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
