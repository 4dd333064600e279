"""The agent API (enrol, reports, heartbeats) and the read API for signed-in users."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session as DbSession

from . import auth, store
from .context import ServerContext, current_user, server
from .models import Host, User

router = APIRouter(prefix="/api/v1")

KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class EnrolBody(BaseModel):
    token: str = Field(min_length=1, max_length=256)
    hostname: str = Field(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f]+$")
    version: str | None = Field(default=None, max_length=64)


class ReportBody(BaseModel):
    idempotency_key: str = Field(pattern=KEY_PATTERN)
    """Chosen by the agent when it queues the report; a resend carries the same key."""
    hostname: str | None = Field(default=None, max_length=255)
    """If given, must be the host the credential was issued to."""
    report: dict[str, Any]
    """A minehunt report in the JSON format of ``--format json``."""


class HeartbeatBody(BaseModel):
    version: str | None = Field(default=None, max_length=64)
    queued: int = Field(default=0, ge=0)
    dropped: int = Field(default=0, ge=0)


def bearer(request: Request) -> str:
    """The bearer credential of an agent request; 401 without one."""
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise HTTPException(401, "agent credential required", {"WWW-Authenticate": "Bearer"})
    return credential.strip()


def agent_of(ctx: ServerContext, db: DbSession, credential: str) -> int:
    """The host id of a credential, after its rate limit; 401 or 429 otherwise."""
    try:
        cred_id, host_id = auth.agent_ids(db, credential)
    except auth.AuthError as e:
        raise HTTPException(401, str(e), {"WWW-Authenticate": "Bearer"}) from e
    wait = ctx.limiter.allow(cred_id)
    if wait:
        raise HTTPException(429, "rate limit", {"Retry-After": str(math.ceil(wait))})
    return host_id


def agent(
    credential: Annotated[str, Depends(bearer)], ctx: Annotated[ServerContext, Depends(server)]
) -> int:
    """The host id of the request's bearer credential (its own transaction)."""
    with ctx.db.session() as db:
        return agent_of(ctx, db, credential)


@router.post("/enrol")
def enrol(body: EnrolBody, ctx: Annotated[ServerContext, Depends(server)]) -> dict[str, Any]:
    with ctx.db.session() as db:
        try:
            host, credential = auth.enrol(db, body.token, body.hostname, body.version)
        except auth.AuthError as e:
            raise HTTPException(401, str(e)) from e
        return {"host_id": host.id, "credential": credential}


@router.post("/reports")
async def post_report(
    request: Request,
    credential: Annotated[str, Depends(bearer)],
    ctx: Annotated[ServerContext, Depends(server)],
) -> JSONResponse:
    raw = (await request.body()).decode("utf-8", "replace")
    from starlette.concurrency import run_in_threadpool

    def write() -> tuple[store.Ingested, str]:
        # The credential is checked in the report's own transaction (one connection
        # checkout per report), and before the body is looked at: 401 comes first. The body
        # is parsed in the worker thread: the event loop stays free for other agents.
        with ctx.db.session() as db:
            host_id = agent_of(ctx, db, credential)
            if store.has_nul(raw):
                raise HTTPException(422, "NUL characters are not accepted")
            try:
                body = ReportBody.model_validate_json(raw)
                findings = store.parse_findings(body.report)
            except (ValueError, store.ReportError) as e:
                raise HTTPException(422, f"not a minehunt report: {str(e)[:500]}") from e
            host = db.get(Host, host_id)
            assert host is not None
            if body.hostname is not None and body.hostname != host.name:
                raise HTTPException(403, "a host may report only its own findings")
            return store.ingest(db, host, body.idempotency_key, raw, findings), host.name

    result, host_name = await run_in_threadpool(write)
    if result.raised and ctx.alerter is not None:
        from .alerts import Event

        ctx.alerter.submit([Event(host_name, fid, f, change) for fid, f, change in result.raised])
    return JSONResponse(
        {"duplicate": result.duplicate, "new": result.new, "updated": result.updated},
        status_code=200 if result.duplicate else 201,
    )


@router.post("/heartbeat")
def heartbeat(
    body: HeartbeatBody,
    host_id: Annotated[int, Depends(agent)],
    ctx: Annotated[ServerContext, Depends(server)],
) -> dict[str, Any]:
    from .db import now

    with ctx.db.session() as db:
        host = db.get(Host, host_id)
        assert host is not None
        host.last_seen, host.queued, host.dropped = now(), body.queued, body.dropped
        if body.version:
            host.agent_version = body.version
    return {"ok": True}


class ResponseResult(BaseModel):
    ok: bool
    detail: str = Field(default="", max_length=2000)


@router.get("/responses")
def get_responses(
    host_id: Annotated[int, Depends(agent)],
    ctx: Annotated[ServerContext, Depends(server)],
) -> list[dict[str, Any]]:
    """Approved response actions for the calling agent's host."""
    from . import responses

    with ctx.db.session() as db:
        return responses.dispatch(db, host_id)


@router.post("/responses/{response_id}/result")
def post_response_result(
    response_id: int,
    body: ResponseResult,
    host_id: Annotated[int, Depends(agent)],
    ctx: Annotated[ServerContext, Depends(server)],
) -> dict[str, Any]:
    from . import responses

    with ctx.db.session() as db:
        if not responses.report(db, host_id, response_id, body.ok, body.detail):
            raise HTTPException(404, "no such response for this host")
    return {"ok": True}


@router.get("/findings")
def get_findings(
    ctx: Annotated[ServerContext, Depends(server)],
    user: Annotated[User, Depends(current_user)],
    q: str = "",
    severity: str = "",
    state: str = "",
    check: str = "",
    host: str = "",
    kind: str = "",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    f = store.Filters(q=q, severity=severity, state=state, check=check, host=host, kind=kind)
    with ctx.db.session() as db:
        return [store.finding_json(r, h) for r, h in store.list_findings(db, f, limit, offset)]


@router.get("/hosts")
def get_hosts(
    ctx: Annotated[ServerContext, Depends(server)],
    user: Annotated[User, Depends(current_user)],
) -> list[dict[str, Any]]:
    from sqlalchemy import select

    with ctx.db.session() as db:
        return [
            {
                "id": h.id,
                "name": h.name,
                "enrolled": h.enrolled.isoformat(),
                "last_seen": h.last_seen.isoformat() if h.last_seen else None,
                "agent_version": h.agent_version,
                "queued": h.queued,
                "dropped": h.dropped,
            }
            for h in db.scalars(select(Host).order_by(Host.name))
        ]
