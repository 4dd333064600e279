"""Dashboard security against a real server: every route needs a session or a token, CSRF
on every form, attacker strings shown as text, injection strings in every filter."""

from __future__ import annotations

import html
import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from minehunt.model import Severity
from minehunt.server import store
from minehunt.server.app import ServerOptions, create_app
from minehunt.server.models import FindingState
from tests.support.fleet import FleetServer, finding

XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_PATH = '/tmp/"><script>alert(1)</script>/kworker'
INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE findings; --",
    '" OR 1=1 --',
    "%' OR 1=1 --",
    "1) UNION SELECT password_hash FROM users --",
    "\\'; SELECT pg_sleep(0); --",
    "_%",
    "\x00",
]
FILTERS = ("q", "severity", "state", "check", "host", "kind")


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def routes(tmp_path: Path) -> list[tuple[str, str]]:
    """(method, path) of every route the application serves, path parameters filled in."""
    app = create_app(ServerOptions(db_url=f"sqlite:///{tmp_path / 'routes.sqlite'}"))
    out: list[tuple[str, str]] = []

    def walk(items: list[Any], prefix: str) -> None:
        for r in items:
            sub = getattr(r, "original_router", None)  # FastAPI >= 0.16x keeps routers nested
            if sub is not None:
                walk(sub.routes, prefix + r.include_context.prefix)
                continue
            assert isinstance(r, APIRoute), f"unexpected route type {r!r}"
            path = re.sub(r"\{[^}]+\}", "1", prefix + r.path)
            path = path.replace("findings.1", "findings.csv").replace("static/1", "static/trend.js")
            out.extend((m, path) for m in sorted(r.methods))

    walk(list(app.routes), "")
    return out


def test_every_route_refuses_without_session_or_token(server: FleetServer, tmp_path: Path) -> None:
    cred = server.enrol(_name("agent"))
    all_routes = routes(tmp_path)
    assert len(all_routes) >= 15
    checked = 0
    for method, path in all_routes:
        if (method, path) == ("GET", "/login"):
            continue  # the sign-in form itself
        for headers in (
            {},
            {"Cookie": "mh_session=forged"},
            {"Authorization": f"Bearer {cred}"},  # an agent credential is not a user session
        ):
            if (
                path.startswith("/api/v1/")
                and path != "/api/v1/findings"
                and "Bearer" in str(headers)
            ):
                continue  # agent routes with an agent credential: tested elsewhere
            r = httpx.request(method, server.url + path, headers=headers, data={"x": "1"})
            refused = r.status_code in (401, 403, 422) or (
                r.status_code == 303 and r.headers["location"] == "/login"
            )
            assert refused, (method, path, headers, r.status_code)
            checked += 1
    assert checked >= 30


def test_csrf_is_enforced_on_every_form(server: FleetServer) -> None:
    host = _name("csrf")
    cred = server.enrol(host)
    assert server.post_report(cred, [finding(pid=5)]).status_code == 201
    admin, other = server.user(_name("admin")), server.user(_name("admin"))
    fid = admin.findings(host=host)[0]["id"]

    assert admin.set_state(fid, "acknowledged").status_code == 403
    assert admin.set_state(fid, "acknowledged", csrf="x" * 43).status_code == 403
    assert admin.set_state(fid, "acknowledged", csrf=other.csrf).status_code == 403
    assert admin.findings(host=host)[0]["state"] == "new"
    ok = admin.set_state(fid, "acknowledged", csrf=admin.csrf)
    assert ok.status_code == 303
    assert admin.findings(host=host)[0]["state"] == "acknowledged"
    assert admin.http.post("/logout", data={}).status_code == 403
    # The sign-in form has its own token (double-submit cookie).
    plain = httpx.post(server.url + "/login", data={"username": "x", "password": "y", "csrf": "z"})
    assert plain.status_code == 403

    viewer = server.user(_name("viewer"), role="viewer")
    assert viewer.set_state(fid, "resolved", csrf=viewer.csrf).status_code == 403
    assert "Triage" not in viewer.http.get(f"/findings/{fid}").text

    # Resolved, then seen again: back to new.
    assert admin.set_state(fid, "resolved", csrf=admin.csrf).status_code == 303
    assert server.post_report(cred, [finding(pid=5)]).status_code == 201
    assert admin.findings(host=host)[0]["state"] == "new"
    assert admin.http.post("/logout", data={"csrf": admin.csrf}).status_code == 303
    assert admin.http.get("/api/v1/findings").status_code == 401


def test_attacker_strings_are_shown_as_text(server: FleetServer) -> None:
    host = _name("xss") + "<b>bold</b>"
    cred = server.enrol(_name("xss"), hostname=host)
    evil = finding(
        name=XSS_NAME, pid=66, path=XSS_PATH, cmdline=(XSS_PATH, "-o", "=cmd|' /C calc'!A0")
    )
    assert server.post_report(cred, [evil]).status_code == 201
    dash = server.user(_name("admin"))
    row = dash.findings(host=host)[0]
    assert row["finding"]["target"]["name"] == XSS_NAME
    pages = ["/", "/hosts", "/findings", f"/findings/{row['id']}", f"/hosts/{row['host_id']}",
             f"/findings?q={XSS_NAME}"]  # fmt: skip
    for page in pages:
        text = dash.http.get(page).text
        assert "<img src=x" not in text and "<script>alert" not in text, page
        assert "<b>bold</b>" not in text, page
        assert html.escape(XSS_NAME, quote=False) in text or page in ("/", "/hosts"), page
    detail = dash.http.get(f"/findings/{row['id']}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail.text
    assert "script-src 'self'" in detail.headers["content-security-policy"]
    exported = dash.http.get("/export/findings.csv", params={"host": host}).text
    assert f"'{XSS_NAME}" not in exported and XSS_NAME in exported


def test_injection_strings_in_every_filter(server: FleetServer) -> None:
    host = _name("sqli")
    cred = server.enrol(host)
    assert server.post_report(cred, [finding(pid=77)]).status_code == 201
    dash = server.user(_name("admin"))
    for payload in INJECTIONS:
        for name in FILTERS:
            api = dash.http.get("/api/v1/findings", params={name: payload})
            assert api.status_code == 200, (name, payload, api.text)
            assert api.json() == [], (name, payload)  # matches nothing, leaks nothing
            page = dash.http.get("/findings", params={name: payload})
            assert page.status_code == 200 and "No findings." in page.text, (name, payload)
        exported = dash.http.get("/export/findings.json", params={"q": payload})
        assert exported.status_code == 200 and exported.json() == [], payload
    # Everything is still there, and an honest filter still finds it.
    assert len(dash.findings(host=host)) == 1
    assert len(dash.findings(q="xmrig", host=host, severity="high", check="MH-PROC-002")) == 1
    assert len(dash.findings(q="XMRIG", host=host, state="new", kind="host")) == 1


def test_search_reads_the_most_severe_and_recent_window(
    server: FleetServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search matches target, summary, title and host name whatever the case, in the table's
    order, and reads only the SEARCH_WINDOW findings the other filters put first."""
    host = _name("search")
    cred = server.enrol(host)
    named = [
        ("xmrig", Severity.CRITICAL),
        ("kinsing", Severity.HIGH),
        ("XMRig-proxy", Severity.MEDIUM),
        ("xmrig", Severity.LOW),
        ("phoenixminer", Severity.INFO),
    ]
    sent = [finding(name=n, pid=900 + i, severity=sev) for i, (n, sev) in enumerate(named)]
    assert server.post_report(cred, sent).status_code == 201

    def search(q: str, limit: int = 100, offset: int = 0, **other: str) -> list[int]:
        with server.db.session() as s:
            rows = store.list_findings(s, store.Filters(q=q, host=host, **other), limit, offset)
            assert all(h.name == host for _, h in rows)
            return [json.loads(r.data)["target"]["pid"] for r, _ in rows]

    assert search("xmrig") == [900, 902, 903]
    assert search("XMRIG", limit=1, offset=1) == [902]
    assert search("xmrig", severity="medium") == [900, 902]
    assert search("pid 901") == [901]  # the summary
    assert search("mining POOL") == [900, 901, 902, 903, 904]  # the title
    assert search(host.upper()) == [900, 901, 902, 903, 904]  # the host name
    assert search("%") == search("_") == search("xmrig", state="resolved") == []

    monkeypatch.setattr(store, "SEARCH_WINDOW", 2)
    assert search("xmrig") == [900]  # 902 and 903 are past the two most severe
    assert search("phoenixminer") == []
    with server.db.session() as s:
        fid = store.list_findings(s, store.Filters(host=host, severity="info"), 100)[-1][0].id
        assert store.set_state(s, fid, FindingState.ACKNOWLEDGED, "test")
    # narrowing by state brings the old finding into the window
    assert search("phoenixminer", state="acknowledged") == [904]
