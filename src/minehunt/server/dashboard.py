"""The dashboard: server-rendered pages (Jinja2, autoescaped), sessions and CSRF."""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Iterator
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from minehunt.model import Severity

from . import auth, responses, store, trend
from .context import SESSION_COOKIE, LoginRequired, ServerContext, server, session_of
from .db import aware, now
from .models import FindingRow, FindingState, Host, ResponseAction, Role, User

HERE = Path(__file__).resolve().parent
LOGIN_CSRF_COOKIE = "mh_login_csrf"
OFFLINE_AFTER = timedelta(minutes=5)
PAGE_ROWS = 100
MAX_PAGE = 100
"""Pages are read by offset along an index: bounded so no page walks more than 10,000 rows
(past that, a filter finds a finding faster than paging does)."""
HOST_ROWS = 200
"""A host page shows its most severe and most recent findings; the findings table filtered
by the host has them all."""
EXPORT_ROWS = 100_000

router = APIRouter()
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(("html",), default=True),
)


class Viewer:
    """The signed-in user of a page and the CSRF token its forms carry."""

    def __init__(self, user: User, csrf: str) -> None:
        self.user, self.csrf = user, csrf

    @property
    def admin(self) -> bool:
        return self.user.role is Role.ADMIN


def viewer(request: Request) -> Viewer:
    found = session_of(request)
    if found is None:
        raise LoginRequired
    return Viewer(*found)


def checked(request: Request, v: Viewer, csrf: str) -> None:
    """Every state-changing form carries its session's CSRF token."""
    if not auth.same(csrf, v.csrf):
        raise HTTPException(403, "missing or wrong CSRF token")


def admin_form(request: Request, v: Viewer, csrf: str, may_not: str) -> None:
    """A form only admins may send: ``checked``, then 403 "viewers cannot ``may_not``"."""
    checked(request, v, csrf)
    if not v.admin:
        raise HTTPException(403, f"viewers cannot {may_not}")


def page(name: str, v: Viewer | None, **values: Any) -> HTMLResponse:
    html = templates.get_template(name).render(viewer=v, **values)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


Ctx = Annotated[ServerContext, Depends(server)]
V = Annotated[Viewer, Depends(viewer)]


@router.get("/login")
def login_form(request: Request, error: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    resp = page("login.html", None, csrf=token, error=error[:100])
    ctx = server(request)
    resp.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=ctx.secure_cookies
    )
    return resp


@router.post("/login")
def login(
    request: Request,
    ctx: Ctx,
    username: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=128)],
) -> Response:
    if not auth.same(csrf, request.cookies.get(LOGIN_CSRF_COOKIE)):
        raise HTTPException(403, "missing or wrong CSRF token")
    client = request.client.host if request.client else "?"
    wait = ctx.login_limiter.allow(client) if ctx.login_limiter else 0
    if wait:
        raise HTTPException(429, "too many sign-in attempts", {"Retry-After": str(int(wait) + 1)})
    with ctx.db.session() as db:
        user = auth.check_password(db, username, password)
        if user is None:
            return RedirectResponse("/login?error=wrong+name+or+password", status_code=303)
        cookie, _ = auth.open_session(db, user)
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=auth.SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=ctx.secure_cookies,
    )
    resp.delete_cookie(LOGIN_CSRF_COOKIE)
    return resp


@router.post("/logout")
def logout(request: Request, ctx: Ctx, v: V, csrf: Annotated[str, Form()] = "") -> Response:
    checked(request, v, csrf)
    with ctx.db.session() as db:
        auth.close_session(db, request.cookies.get(SESSION_COOKIE, ""))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


TOP_HOSTS = 20
"""The overview lists the hosts with the most open findings; every host is on /hosts."""


def _host_rows(
    db: Any, ids: list[int] | None, counts: dict[int, int], page_no: int = 1
) -> list[dict[str, Any]]:
    """A row per host: plain columns (no ORM objects) and the last-seen time already
    formatted. The hosts ``ids`` in that order, or a page of all hosts by name."""
    t = now()
    cols = (Host.id, Host.name, Host.last_seen, Host.agent_version, Host.queued, Host.dropped)
    stmt = select(*cols)
    if ids is not None:
        stmt = stmt.where(Host.id.in_(ids))
    else:
        stmt = stmt.order_by(Host.name, Host.id).limit(PAGE_ROWS).offset((page_no - 1) * PAGE_ROWS)
    hosts = list(db.execute(stmt))
    if ids is not None:
        order = {h: i for i, h in enumerate(ids)}
        hosts.sort(key=lambda h: order[h.id])
    else:
        counts = store.open_by_host(db, [h.id for h in hosts])
    return [
        {
            "host": h,
            "online": h.last_seen is not None and t - aware(h.last_seen) < OFFLINE_AFTER,
            "seen": h.last_seen.strftime("%Y-%m-%d %H:%M:%S") if h.last_seen else "never",
            "open": counts.get(h.id, 0),
        }
        for h in hosts
    ]


@router.get("/")
def overview(ctx: Ctx, v: V) -> HTMLResponse:
    """A summary whatever the fleet's size: counts from the counters, the hosts with the
    most open findings, the newest findings; the host list itself is paged on /hosts."""
    with ctx.db.session() as db:
        top = store.most_open(db, TOP_HOSTS)
        hosts = _host_rows(db, list(top), top)
        online, total = store.hosts_online(db, now() - OFFLINE_AFTER)
        by_sev = store.open_by_severity(db)
        recent = store.list_findings(
            db, store.Filters(state=FindingState.NEW.value), limit=10, data=False
        )
        return page(
            "overview.html",
            v,
            hosts=hosts,
            online=online,
            offline=total - online,
            total=total,
            by_severity=by_sev,
            recent=recent,
        )


@router.get("/hosts")
def hosts_page(
    ctx: Ctx,
    v: V,
    page_no: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    """Every host by name, a page of 100 at a time."""
    with ctx.db.session() as db:
        hosts = _host_rows(db, None, {}, page_no)
        _, total = store.hosts_online(db, now() - OFFLINE_AFTER)
        return page(
            "hosts.html",
            v,
            hosts=hosts,
            page_no=page_no,
            total=total,
            first=(page_no - 1) * PAGE_ROWS + 1,
            more=page_no * PAGE_ROWS < total and page_no < MAX_PAGE,
        )


def _filters(q: str, severity: str, state: str, check: str, host: str, kind: str) -> store.Filters:
    return store.Filters(
        q=q[:200],
        severity=severity[:16],
        state=state[:16],
        check=check[:32],
        host=host[:255],
        kind=kind[:16],
    )


@router.get("/findings")
def findings_page(
    ctx: Ctx,
    v: V,
    q: str = "",
    severity: str = "",
    state: str = "",
    check: str = "",
    host: str = "",
    kind: str = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    f = _filters(q, severity, state, check, host, kind)
    with ctx.db.session() as db:
        rows = store.list_findings(
            db, f, limit=PAGE_ROWS, offset=(page_no - 1) * PAGE_ROWS, data=False
        )
        return page(
            "findings.html",
            v,
            rows=rows,
            page_no=page_no,
            more=len(rows) == PAGE_ROWS,
            f=f,
            severities=[s.value for s in reversed(Severity)],
            states=[s.value for s in FindingState],
            kinds=store.KINDS,
            search_window=store.SEARCH_WINDOW,
        )


@router.get("/findings/{finding_id}")
def finding_page(ctx: Ctx, v: V, finding_id: int) -> HTMLResponse:
    with ctx.db.session() as db:
        row = db.get(FindingRow, finding_id)
        if row is None:
            raise HTTPException(404, "no such finding")
        host = db.get(Host, row.host_id)
        return page(
            "finding.html",
            v,
            row=row,
            host=host,
            f=json.loads(row.data),
            states=[s.value for s in FindingState],
            responses=responses.for_finding(db, row.id),
            actions=responses.actions_for(json.loads(row.data)["target"]),
        )


@router.post("/findings/{finding_id}/responses")
def propose_response(
    request: Request,
    ctx: Ctx,
    v: V,
    finding_id: int,
    action: Annotated[str, Form(max_length=32)],
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    admin_form(request, v, csrf, "propose responses")
    try:
        act = ResponseAction(action)
    except ValueError as e:
        raise HTTPException(422, "unknown action") from e
    with ctx.db.session() as db:
        try:
            responses.propose(db, finding_id, act, v.user.name)
        except responses.ResponseError as e:
            raise HTTPException(422, str(e)) from e
    return RedirectResponse(f"/findings/{finding_id}", status_code=303)


@router.post("/responses/{response_id}/decision")
def decide_response(
    request: Request,
    ctx: Ctx,
    v: V,
    response_id: int,
    decision: Annotated[str, Form(max_length=16)],
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    admin_form(request, v, csrf, "approve responses")
    if decision not in ("approve", "reject"):
        raise HTTPException(422, "approve or reject")
    with ctx.db.session() as db:
        try:
            r = responses.decide(db, response_id, decision == "approve", v.user.name)
        except responses.ResponseError as e:
            raise HTTPException(409, str(e)) from e
        finding_id = r.finding_id
    return RedirectResponse(f"/findings/{finding_id}", status_code=303)


@router.post("/findings/{finding_id}/state")
def change_state(
    request: Request,
    ctx: Ctx,
    v: V,
    finding_id: int,
    state: Annotated[str, Form(max_length=16)],
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    admin_form(request, v, csrf, "change findings")
    try:
        new = FindingState(state)
    except ValueError as e:
        raise HTTPException(422, "unknown state") from e
    with ctx.db.session() as db:
        if not store.set_state(db, finding_id, new, v.user.name):
            raise HTTPException(404, "no such finding")
    return RedirectResponse(f"/findings/{finding_id}", status_code=303)


@router.get("/hosts/{host_id}")
def host_page(ctx: Ctx, v: V, host_id: int) -> HTMLResponse:
    with ctx.db.session() as db:
        host = db.get(Host, host_id)
        if host is None:
            raise HTTPException(404, "no such host")
        rows = [
            r
            for r, _ in store.list_findings(
                db, store.Filters(host=host.name), limit=HOST_ROWS, data=False
            )
            if r.host_id == host.id
        ]
        timeline = sorted(rows, key=lambda r: r.first_seen, reverse=True)
        total = sum(store.open_by_host(db, host.id, every_state=True).values())
        return page("host.html", v, host=host, rows=rows, timeline=timeline, total=total)


@router.get("/trend")
def trend_page(ctx: Ctx, v: V, symbol: str = "") -> HTMLResponse:
    with ctx.db.session() as db:
        t = trend.build(db, symbol[:32] or None)
    return page("trend.html", v, t=t, figure=json.dumps(trend.figure(t)))


@router.get("/export/findings.{fmt}")
def export(
    ctx: Ctx,
    v: V,
    fmt: str,
    q: str = "",
    severity: str = "",
    state: str = "",
    check: str = "",
    host: str = "",
    kind: str = "",
) -> Response:
    f = _filters(q, severity, state, check, host, kind)
    if fmt not in ("csv", "json"):
        raise HTTPException(404, "export as csv or json")

    def rows() -> Iterator[tuple[FindingRow, Host]]:
        # Its own session, open while the response streams (the handler has returned).
        with ctx.db.session() as db:
            yield from store.iter_findings(db, f, EXPORT_ROWS)

    body = _json_lines(rows()) if fmt == "json" else _csv_lines(rows())
    media = "application/json" if fmt == "json" else "text/csv"
    return StreamingResponse(body, media_type=media)


def _json_lines(rows: Iterator[tuple[FindingRow, Host]]) -> Iterator[str]:
    """A JSON array, one finding per line, written as the rows arrive."""
    chunk: list[str] = []
    sep = "[\n"
    for r, h in rows:
        chunk.append(sep + json.dumps(store.finding_json(r, h)))
        sep = ",\n"
        if len(chunk) == 200:
            yield "".join(chunk)
            chunk.clear()
    chunk.append("[]\n" if sep == "[\n" else "\n]\n")
    yield "".join(chunk)


_CSV_HEADER = (
    "id",
    "host",
    "state",
    "severity",
    "check_id",
    "target",
    "summary",
    "first_seen",
    "last_seen",
)


def _csv_lines(rows: Iterator[tuple[FindingRow, Host]]) -> Iterator[str]:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(_CSV_HEADER)
    for n, (r, h) in enumerate(rows, start=1):
        fd = json.loads(r.data)
        w.writerow(
            [
                r.id,
                h.name,
                r.state.value,
                fd["severity"],
                fd["check_id"],
                _csv_safe(str(fd["target"].get("name") or "")),
                _csv_safe(fd["summary"]),
                r.first_seen.isoformat(),
                r.last_seen.isoformat(),
            ]
        )
        if n % 200 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _csv_safe(text: str) -> str:
    """Attacker-named processes must not become spreadsheet formulas."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


_STATIC = {
    "style.css": ("text/css", HERE / "static" / "style.css"),
    "trend.js": ("text/javascript", HERE / "static" / "trend.js"),
}


@router.get("/static/{name}")
def static(v: V, name: str) -> Response:
    if name == "plotly.min.js":
        # The bundled copy of the plotly package, the version pip installed: never vendored.
        js = resources.files("plotly") / "package_data" / "plotly.min.js"
        with resources.as_file(js) as path:
            return FileResponse(path, media_type="text/javascript")
    if name not in _STATIC:
        raise HTTPException(404, "not found")
    media, path = _STATIC[name]
    return FileResponse(path, media_type=media)
