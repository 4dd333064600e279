"""Response actions: proposed and approved in the dashboard, fetched and run by the host's
agent, their outcome reported back. Nothing runs without an admin's approval."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from .db import now
from .models import FindingRow, Response, ResponseAction, ResponseState


class ResponseError(ValueError):
    """A response that cannot be proposed or moved to the asked state."""


def propose(db: DbSession, finding_id: int, action: ResponseAction, by: str) -> Response:
    row = db.get(FindingRow, finding_id)
    if row is None:
        raise ResponseError("no such finding")
    target = json.loads(row.data)["target"]
    if target.get("pid") is None:
        raise ResponseError(f"{action.value} needs a process; this finding is about a "
                            f"{target.get('kind')}")  # fmt: skip
    t = now()
    r = Response(
        host_id=row.host_id,
        finding_id=row.id,
        action=action.value,
        target=json.dumps(target),
        state=ResponseState.REQUESTED,
        requested_by=by,
        requested=t,
        updated=t,
    )
    db.add(r)
    db.flush()
    return r


def decide(db: DbSession, response_id: int, approve: bool, by: str) -> Response:
    r = db.get(Response, response_id)
    if r is None:
        raise ResponseError("no such response")
    if r.state is not ResponseState.REQUESTED:
        raise ResponseError(f"the response is {r.state.value}, not awaiting approval")
    t = now()
    r.state = ResponseState.APPROVED if approve else ResponseState.REJECTED
    r.approved_by, r.approved, r.updated = by, t, t
    return r


def for_finding(db: DbSession, finding_id: int) -> list[Response]:
    return list(
        db.scalars(select(Response).where(Response.finding_id == finding_id).order_by(Response.id))
    )


def dispatch(db: DbSession, host_id: int) -> list[dict[str, Any]]:
    """The approved responses of ``host_id``, handed to its agent (now dispatched).
    Dispatched ones are handed out again until the agent reports back: an agent that died
    mid-action retries it, and the action itself checks the process is still the same."""
    rows = db.scalars(
        select(Response)
        .where(
            Response.host_id == host_id,
            Response.state.in_((ResponseState.APPROVED, ResponseState.DISPATCHED)),
        )
        .order_by(Response.id)
        .with_for_update()
    ).all()
    t = now()
    out = []
    for r in rows:
        r.state, r.updated = ResponseState.DISPATCHED, t
        out.append({"id": r.id, "action": r.action, "target": json.loads(r.target)})
    return out


def report(db: DbSession, host_id: int, response_id: int, ok: bool, detail: str) -> bool:
    """Record the agent's outcome; False if the response is not this host's."""
    r = db.get(Response, response_id)
    if r is None or r.host_id != host_id:
        return False
    if r.state is not ResponseState.DISPATCHED:
        return True  # a repeat of an outcome already recorded
    r.state = ResponseState.DONE if ok else ResponseState.FAILED
    r.result, r.updated = detail[:2000], now()
    return True
