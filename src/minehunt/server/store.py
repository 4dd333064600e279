"""Writing reports into the database and reading findings back out, for API and dashboard."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Select, false, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from minehunt.model import Finding, Severity, Target, finding_from_dict

from .db import now
from .models import FindingRow, FindingState, Host, RawReport

_KIND_BY_PREFIX = {
    "MH-PROC": "host",
    "MH-PERS": "host",
    "MH-TAMP": "host",
    "MH-DROP": "host",
    "MH-MEM": "host",
    "MH-NET": "network",
    "MH-WEB": "web",
    "MH-FILE": "files",
}
KINDS = ("host", "network", "web", "files")


def kind_of(check_id: str) -> str:
    """Which trend series a check belongs to, from the area in its ID."""
    return _KIND_BY_PREFIX.get(check_id.rsplit("-", 1)[0], "host")


class ReportError(ValueError):
    """A report body that is not a minehunt report."""


_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def has_nul(raw: str) -> bool:
    """A NUL in a JSON text, raw or escaped: no host string holds one, and PostgreSQL text
    cannot store it, so such a report is refused up front."""
    return "\x00" in raw or bool(_JSON_NUL.search(raw))


def parse_findings(report: Mapping[str, Any]) -> list[Finding]:
    """The findings of a report in the JSON wire format; ReportError when malformed."""
    items = report.get("findings")
    if not isinstance(items, list):
        raise ReportError("report.findings must be a list")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(finding_from_dict(item))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ReportError(f"report.findings[{i}] is not a finding: {e}") from e
    return out


@dataclass(frozen=True)
class Ingested:
    duplicate: bool
    new: int
    updated: int
    raised: tuple[tuple[int, Finding, str], ...] = ()
    """(finding row id, finding, 'new' or 'escalated') for findings that are new or got
    more severe: what alerts are about. A repeat of a known finding raises nothing, so
    alerts are deduplicated."""


def ingest(db: DbSession, host: Host, key: str, body: str, findings: Sequence[Finding]) -> Ingested:
    """Store one report of ``host``. A report whose idempotency key was seen before changes
    nothing, so an agent may resend until it hears back."""
    t = now()
    seen = db.scalar(
        select(RawReport.id).where(RawReport.host_id == host.id, RawReport.idempotency_key == key)
    )
    if seen is not None:
        return Ingested(True, 0, 0)
    try:
        with db.begin_nested():
            db.add(
                RawReport(
                    host_id=host.id,
                    idempotency_key=key,
                    received=t,
                    findings=len(findings),
                    body=body,
                )
            )
            db.flush()
    except IntegrityError:  # the same report, sent twice at once
        return Ingested(True, 0, 0)
    new = updated = 0
    raised: list[tuple[int, Finding, str]] = []
    host.last_seen = t
    keys = list({f.target.key for f in findings})
    existing: dict[str, FindingRow] = {}
    for i in range(0, len(keys), 500):  # one query per 500 targets, not one per finding
        existing.update(
            (r.target_key, r)
            for r in db.scalars(
                select(FindingRow).where(
                    FindingRow.host_id == host.id, FindingRow.target_key.in_(keys[i : i + 500])
                )
            )
        )
    fresh: dict[str, tuple[dict[str, Any], Finding]] = {}
    for f in findings:
        values = _fields(f)
        row = existing.get(f.target.key)
        if row is None:
            # A target repeated within one report: the later finding wins, stored once.
            fresh[f.target.key] = (values, f)
            continue
        if f.severity.rank > row.severity_rank:
            raised.append((row.id, f, "escalated"))
        for k, v in values.items():
            setattr(row, k, v)
        row.last_seen = t
        row.times_seen += 1
        if row.state is FindingState.RESOLVED:  # it came back
            row.state, row.state_by, row.state_changed = FindingState.NEW, None, t
        updated += 1
    if fresh:
        # One multi-row INSERT ... RETURNING for the new targets: the bulk of ingest.
        rows = [
            {
                "host_id": host.id,
                "target_key": k,
                "state": FindingState.NEW,
                "first_seen": t,
                "last_seen": t,
                "times_seen": 1,
                **values,
            }
            for k, (values, _) in fresh.items()
        ]
        ids = db.execute(
            insert(FindingRow).returning(FindingRow.id, sort_by_parameter_order=True), rows
        ).scalars()
        for fid, (_, f) in zip(ids, fresh.values(), strict=True):
            raised.append((fid, f, "new"))
        new = len(fresh)
    return Ingested(False, new, updated, tuple(raised))


def _fields(f: Finding) -> dict[str, Any]:
    return {
        "check_id": f.check_id,
        "kind": kind_of(f.check_id),
        "severity": f.severity.value,
        "severity_rank": f.severity.rank,
        "confidence": f.confidence.value,
        "title": f.title,
        "label": f.target.label(),
        "summary": f.summary,
        "data": json.dumps(finding_dict(f), separators=(",", ":")),
    }


_TARGET_FIELDS = tuple(fld.name for fld in fields(Target))


def finding_dict(f: Finding) -> dict[str, Any]:
    """``dataclasses.asdict(f)`` without its deep copies: a third of ingest time."""
    t = f.target
    return {
        "check_id": f.check_id,
        "title": f.title,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "target": {name: getattr(t, name) for name in _TARGET_FIELDS},
        "summary": f.summary,
        "evidence": [
            {
                "check_id": e.check_id,
                "summary": e.summary,
                "source": e.source,
                "line": e.line,
                "attributes": dict(e.attributes),
            }
            for e in f.evidence
        ],
        "attack": list(f.attack),
        "observed": f.observed,
    }


@dataclass(frozen=True)
class Filters:
    """The findings table's filters; every value reaches SQL as a bound parameter."""

    q: str = ""
    severity: str = ""
    state: str = ""
    check: str = ""
    host: str = ""
    kind: str = ""


def findings_query(f: Filters) -> Select[FindingRow, Host]:
    stmt = select(FindingRow, Host).join(Host, Host.id == FindingRow.host_id)
    if any("\x00" in v for v in (f.q, f.severity, f.state, f.check, f.host, f.kind)):
        return stmt.where(false())  # no stored text holds NUL (PostgreSQL cannot store it)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                FindingRow.label.ilike(like, escape="\\"),
                FindingRow.summary.ilike(like, escape="\\"),
                FindingRow.title.ilike(like, escape="\\"),
                Host.name.ilike(like, escape="\\"),
            )
        )
    if f.severity:
        try:
            rank = Severity(f.severity).rank
        except ValueError:
            rank = len(Severity)  # unknown severity matches nothing
        stmt = stmt.where(FindingRow.severity_rank >= rank)
    if f.state:
        stmt = stmt.where(FindingRow.state == f.state)
    if f.check:
        stmt = stmt.where(FindingRow.check_id == f.check)
    if f.host:
        stmt = stmt.where(Host.name == f.host)
    if f.kind:
        stmt = stmt.where(FindingRow.kind == f.kind)
    return stmt.order_by(FindingRow.severity_rank.desc(), FindingRow.last_seen.desc())


def list_findings(
    db: DbSession, f: Filters, limit: int = 500, offset: int = 0
) -> list[tuple[FindingRow, Host]]:
    rows = db.execute(findings_query(f).limit(limit).offset(offset)).tuples().all()
    return [(r, h) for r, h in rows]


def finding_json(row: FindingRow, host: Host) -> dict[str, Any]:
    """The API's view of a stored finding: the wire-format finding plus the fleet fields."""
    return {
        "id": row.id,
        "host": host.name,
        "host_id": host.id,
        "state": row.state.value,
        "first_seen": row.first_seen.isoformat(),
        "last_seen": row.last_seen.isoformat(),
        "times_seen": row.times_seen,
        "finding": json.loads(row.data),
    }


def set_state(db: DbSession, finding_id: int, state: FindingState, by: str) -> bool:
    row = db.get(FindingRow, finding_id)
    if row is None:
        return False
    row.state, row.state_by, row.state_changed = state, by, now()
    return True


def open_by_severity(db: DbSession) -> dict[str, int]:
    open_states = (FindingState.NEW, FindingState.ACKNOWLEDGED)
    rows = db.execute(
        select(FindingRow.severity, func.count())
        .where(FindingRow.state.in_(open_states))
        .group_by(FindingRow.severity)
    ).all()
    counts = {s.value: 0 for s in reversed(Severity)}
    for sev, n in rows:
        counts[str(sev)] = int(n)
    return counts
