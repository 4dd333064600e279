"""Response actions: proposed and approved in the dashboard, fetched and run by the host's
agent, their outcome reported back. Nothing runs without an admin's approval, except what
the server's auto-approve policy (``minehunt server policy set``) approves in advance."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from minehunt.model import Severity

from .db import now
from .models import (
    FindingRow,
    FindingState,
    Response,
    ResponseAction,
    ResponsePolicy,
    ResponseState,
)

AUTO_APPROVE = "auto-approve"


class ResponseError(ValueError):
    """A response that cannot be proposed or moved to the asked state."""


def propose(db: DbSession, finding_id: int, action: ResponseAction, by: str) -> Response:
    row = db.get(FindingRow, finding_id)
    if row is None:
        raise ResponseError("no such finding")
    target = json.loads(row.data)["target"]
    why = unfit(action, target)
    if why:
        raise ResponseError(why)
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
    pol = policy(db)
    if pol is not None and pol.action == action.value and pol.matches(row):
        r.state, r.approved_by, r.approved = ResponseState.APPROVED, pol.by, t
    db.add(r)
    db.flush()
    return r


def unfit(action: ResponseAction, target: dict[str, Any]) -> str | None:
    """Why ``action`` cannot apply to ``target``; None when it can."""
    if action in (ResponseAction.KILL, ResponseAction.SUSPEND) and target.get("pid") is None:
        return f"{action.value} needs a process; this finding is about a {target.get('kind')}"
    if action is ResponseAction.QUARANTINE and not target.get("path"):
        return f"quarantine needs a file; this finding is about a {target.get('kind')}"
    if action is ResponseAction.RESPOND and not (target.get("pid") or target.get("path")):
        return f"respond needs a process or a file; this finding is about a {target.get('kind')}"
    return None


def actions_for(target: dict[str, Any]) -> list[str]:
    """The actions the dashboard offers for a finding's target."""
    return [a.value for a in ResponseAction if unfit(a, target) is None]


@dataclass(frozen=True)
class Policy:
    """The auto-approve policy: findings at or above ``min_severity`` whose check matches
    one of ``checks`` (globs; none: every check) get ``action`` approved in advance."""

    action: ResponseAction
    min_severity: Severity
    checks: tuple[str, ...]
    updated_by: str

    @property
    def by(self) -> str:
        return f"policy {AUTO_APPROVE} (set by {self.updated_by})"[:128]

    def matches(self, row: FindingRow) -> bool:
        if row.severity_rank < self.min_severity.rank:
            return False
        return not self.checks or any(fnmatch.fnmatchcase(row.check_id, g) for g in self.checks)


def policy(db: DbSession) -> Policy | None:
    p = db.get(ResponsePolicy, AUTO_APPROVE)
    if p is None:
        return None
    return Policy(
        ResponseAction(p.action), Severity(p.min_severity), tuple(json.loads(p.checks)),
        p.updated_by,
    )  # fmt: skip


def set_policy(
    db: DbSession, action: ResponseAction, min_severity: Severity, checks: list[str], by: str
) -> None:
    p = db.get(ResponsePolicy, AUTO_APPROVE)
    if p is None:
        p = ResponsePolicy(name=AUTO_APPROVE)
        db.add(p)
    p.action, p.min_severity, p.checks = action.value, min_severity.value, json.dumps(checks)
    p.updated_by, p.updated = by, now()


def clear_policy(db: DbSession) -> bool:
    p = db.get(ResponsePolicy, AUTO_APPROVE)
    if p is None:
        return False
    db.delete(p)
    return True


def auto_approve(db: DbSession, host_id: int) -> int:
    """Under the auto-approve policy, an approved response for each of the host's new
    findings that the policy matches and that has no response yet. Returns how many."""
    pol = policy(db)
    if pol is None:
        return 0
    answered = select(Response.finding_id).where(Response.host_id == host_id)
    rows = db.scalars(
        select(FindingRow).where(
            FindingRow.host_id == host_id,
            FindingRow.state == FindingState.NEW,
            FindingRow.severity_rank >= pol.min_severity.rank,
            FindingRow.id.not_in(answered),
        )
    ).all()
    t = now()
    n = 0
    for row in rows:
        target = json.loads(row.data)["target"]
        if not pol.matches(row) or unfit(pol.action, target):
            continue
        db.add(
            Response(
                host_id=host_id,
                finding_id=row.id,
                action=pol.action.value,
                target=json.dumps(target),
                state=ResponseState.APPROVED,
                requested_by=pol.by,
                requested=t,
                approved_by=pol.by,
                approved=t,
                updated=t,
            )
        )
        n += 1
    if n:
        db.flush()
    return n


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
    mid-action retries it, and the action itself checks the process is still the same.
    Each order carries the finding, from which the agent plans file actions."""
    auto_approve(db, host_id)
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
        finding = db.get(FindingRow, r.finding_id)
        out.append(
            {
                "id": r.id,
                "action": r.action,
                "target": json.loads(r.target),
                "finding": json.loads(finding.data) if finding is not None else None,
            }
        )
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
