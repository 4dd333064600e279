"""Writing reports into the database and reading findings back out, for API and dashboard."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Select,
    Table,
    bindparam,
    case,
    false,
    func,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import aliased, defer

from minehunt.model import Finding, Severity, Target, finding_from_dict

from .db import now
from .models import FindingCount, FindingRow, FindingState, Host

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
    # The substring test first: the regex costs milliseconds on a report of 50 findings.
    return "\x00" in raw or ("\\u0000" in raw and bool(_JSON_NUL.search(raw)))


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
    """Store one report of ``host`` in the caller's transaction. A report whose idempotency
    key was seen before changes nothing, so an agent may resend until it hears back.

    A handful of statements per report, whatever its size: the raw report (its unique key
    decides first-or-duplicate), one read of the targets already known (locked on
    PostgreSQL, so concurrent writers of one host queue rather than race), one insert of the
    new targets (``ON CONFLICT DO NOTHING``: a target another server inserted meanwhile is
    updated instead), one batch of updates, and the counters."""
    t = now()
    dialect = db.get_bind().dialect.name
    stored = db.execute(
        _insert(dialect, _RAW)
        .on_conflict_do_nothing(index_elements=["host_id", "idempotency_key"])
        .returning(_RAW.c.id),
        {
            "host_id": host.id,
            "idempotency_key": key,
            "received": t,
            "findings": len(findings),
            "body": body,
        },
    ).first()
    if stored is None:  # a resend, or the same report arriving twice at once
        return Ingested(True, 0, 0)
    host.last_seen = t
    latest: dict[str, Finding] = {}
    for f in findings:  # a target repeated within one report: the later finding wins
        latest[f.target.key] = f
    counts: Counter[tuple[str, str]] = Counter()
    raised: list[tuple[int, Finding, str]] = []
    existing = _known(db, dialect, host.id, list(latest))
    fresh = {k: f for k, f in latest.items() if k not in existing}
    if fresh:
        for fid, k in _insert_new(db, dialect, host.id, fresh, t):
            raised.append((fid, fresh.pop(k), "new"))
            counts[(latest[k].severity.value, FindingState.NEW.value)] += 1
        if fresh:  # inserted by another writer since the read: update those instead
            existing.update(_known(db, dialect, host.id, list(fresh)))
    new = len(raised)
    updates = []
    for k, (fid, rank, severity, state) in existing.items():
        f = latest[k]
        if f.severity.rank > rank:
            raised.append((fid, f, "escalated"))
        values = _fields(f)
        came_back = state == FindingState.RESOLVED.value
        new_state = FindingState.NEW.value if came_back else state
        if (severity, state) != (f.severity.value, new_state):
            counts[(severity, state)] -= 1
            counts[(f.severity.value, new_state)] += 1
        updates.append(
            {"b_id": fid, "b_came_back": came_back, **{"b_" + k: v for k, v in values.items()}}
        )
    if updates:
        _update_known(db, updates, t)
    if counts:
        add_counts(db, host.id, counts)
    if new:
        days: Counter[tuple[str, str]] = Counter()
        for _, f, _ in raised[:new]:
            days[(t.date().isoformat(), kind_of(f.check_id))] += 1
        _add_days(db, dialect, days)
    return Ingested(False, new, len(updates), tuple(raised))


_TABLES = FindingRow.metadata.tables
_FINDINGS = _TABLES["findings"]
_RAW = _TABLES["raw_reports"]
_COUNTS = _TABLES["finding_counts"]
_DAYS = _TABLES["finding_days"]
_CHUNK = 500
"""Targets per statement: bounds the bound parameters of one SQLite statement."""


def _insert(dialect: str, table: Table) -> Any:
    """INSERT with ``ON CONFLICT`` in the database's dialect (SQLite and PostgreSQL agree)."""
    if dialect == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


def _known(
    db: DbSession, dialect: str, host_id: int, keys: list[str]
) -> dict[str, tuple[int, int, str, str]]:
    """target key -> (id, severity rank, severity, state) of the host's stored findings."""
    out: dict[str, tuple[int, int, str, str]] = {}
    c = _FINDINGS.c
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i : i + _CHUNK]
        if dialect == "postgresql":  # locked until commit: the counters stay exact
            result = db.execute(_PG_KNOWN, {"host_id": host_id, "keys": json.dumps(chunk)})
        else:
            result = db.execute(
                select(c.target_key, c.id, c.severity_rank, c.severity, c.state).where(
                    c.host_id == host_id, c.target_key.in_(chunk)
                )
            )
        for k, fid, rank, severity, state in result:
            out[k] = (fid, rank, severity, str(state))
    return out


_PG_INSERT_NEW = text(
    """
INSERT INTO findings (host_id, target_key, check_id, kind, severity, severity_rank,
    confidence, title, label, summary, data, state, first_seen, last_seen, times_seen)
SELECT :host_id, u.target_key, u.check_id, u.kind, u.severity, u.severity_rank,
    u.confidence, u.title, u.label, u.summary, u.data, :state, :t, :t, 1
FROM json_to_recordset(CAST(:rows AS json)) AS u(target_key text, check_id text,
    kind text, severity text, severity_rank integer, confidence text, title text,
    label text, summary text, data text)
ON CONFLICT (host_id, target_key) DO NOTHING
RETURNING id, target_key
"""
)
_PG_KNOWN = text(
    """
SELECT target_key, id, severity_rank, severity, state FROM findings
WHERE host_id = :host_id
  AND target_key IN (SELECT json_array_elements_text(CAST(:keys AS json)))
ORDER BY id FOR UPDATE
"""
)
_COLUMNS = (
    "check_id",
    "kind",
    "severity",
    "severity_rank",
    "confidence",
    "title",
    "label",
    "summary",
    "data",
)


def _insert_new(
    db: DbSession, dialect: str, host_id: int, fresh: Mapping[str, Finding], t: datetime
) -> list[tuple[int, str]]:
    """Insert the new targets; (id, target key) of those this transaction inserted."""
    rows = [{"target_key": k, **_fields(f)} for k, f in fresh.items()]
    out: list[tuple[int, str]] = []
    for i in range(0, len(rows), _CHUNK):
        chunk = rows[i : i + _CHUNK]
        if dialect == "postgresql":
            # The rows as one JSON parameter: the statement's text is the same for any
            # number of rows (the driver parses it and the server plans it once), and
            # json.dumps is far cheaper than adapting a parameter per value.
            params = {
                "rows": json.dumps(chunk, separators=(",", ":")),
                "host_id": host_id,
                "state": FindingState.NEW.value,
                "t": t,
            }
            result = db.execute(_PG_INSERT_NEW, params)
        else:
            values = [
                {
                    "host_id": host_id,
                    "state": FindingState.NEW.value,
                    "first_seen": t,
                    "last_seen": t,
                    "times_seen": 1,
                    **r,
                }
                for r in chunk
            ]
            result = db.execute(
                _insert(dialect, _FINDINGS)
                .on_conflict_do_nothing(index_elements=["host_id", "target_key"])
                .returning(_FINDINGS.c.id, _FINDINGS.c.target_key),
                values,
            )
        out.extend((int(fid), str(k)) for fid, k in result)
    return out


def _update_known(db: DbSession, updates: list[dict[str, Any]], t: datetime) -> None:
    """A repeat of known targets: newest details, last seen now, seen once more; a resolved
    finding that came back is new again."""
    c = _FINDINGS.c
    came_back = bindparam("b_came_back", type_=Boolean())
    values: dict[str, Any] = {name: bindparam("b_" + name) for name in _COLUMNS}
    values.update(
        last_seen=t,
        times_seen=c.times_seen + 1,
        state=case((came_back, FindingState.NEW.value), else_=c.state),
        state_by=case((came_back, null()), else_=c.state_by),
        state_changed=case((came_back, t), else_=c.state_changed),
    )
    stmt = update(_FINDINGS).where(c.id == bindparam("b_id")).values(values)
    db.connection().execute(stmt, updates)


def add_counts(db: DbSession, host_id: int, counts: Mapping[tuple[str, str], int]) -> None:
    """Add to the host's finding counters, in key order (so two writers of one host cannot
    deadlock on them)."""
    rows = [
        {"host_id": host_id, "severity": sev, "state": state, "n": n}
        for (sev, state), n in sorted(counts.items())
        if n
    ]
    if not rows:
        return
    stmt = _insert(db.get_bind().dialect.name, _COUNTS)
    stmt = stmt.on_conflict_do_update(
        index_elements=["host_id", "severity", "state"],
        set_={"n": _COUNTS.c.n + stmt.excluded.n},
    )
    db.execute(stmt, rows)


def _add_days(db: DbSession, dialect: str, days: Mapping[tuple[str, str], int]) -> None:
    rows = [{"day": d, "kind": k, "n": n} for (d, k), n in sorted(days.items())]
    stmt = _insert(dialect, _DAYS)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day", "kind"], set_={"n": _DAYS.c.n + stmt.excluded.n}
    )
    db.execute(stmt, rows)


def recount(conn: Connection | DbSession) -> None:
    """Rebuild the counters from the findings (the migration that added them, and anything
    that loads findings in bulk)."""
    day = (
        "to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        if (conn.get_bind() if isinstance(conn, DbSession) else conn).dialect.name == "postgresql"
        else "substr(first_seen, 1, 10)"
    )
    conn.execute(text("DELETE FROM finding_counts"))
    conn.execute(text("DELETE FROM finding_days"))
    conn.execute(
        text(
            "INSERT INTO finding_counts (host_id, severity, state, n) "
            "SELECT host_id, severity, state, count(*) FROM findings "
            "GROUP BY host_id, severity, state"
        )
    )
    conn.execute(
        text(
            f"INSERT INTO finding_days (day, kind, n) "
            f"SELECT {day}, kind, count(*) FROM findings GROUP BY {day}, kind"
        )
    )


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


SEARCH_WINDOW = 10_000
"""Text search (a substring anywhere in target, summary, title or host name) has no index to
use, so it reads at most this many findings: the most severe and most recent that match the
other filters. Narrowing by host, check, state or kind reaches older findings."""


def findings_query(
    f: Filters, postgresql: bool = False, *, data: bool = True
) -> Select[FindingRow, Host]:
    """The findings matching ``f``, most severe and most recent first; ``data=False``
    leaves out the stored wire-format finding (the bulk of a row)."""
    order = (FindingRow.severity_rank.desc(), FindingRow.last_seen.desc())
    if any("\x00" in v for v in (f.q, f.severity, f.state, f.check, f.host, f.kind)):
        # no stored text holds NUL (PostgreSQL cannot store it)
        stmt = select(FindingRow, Host).join(Host, Host.id == FindingRow.host_id)
        return _shown(stmt, FindingRow, data).where(false())
    conds: list[ColumnElement[bool]] = []
    if f.severity:
        try:
            rank = Severity(f.severity).rank
        except ValueError:
            rank = len(Severity)  # unknown severity matches nothing
        conds.append(FindingRow.severity_rank >= rank)
    if f.state:
        conds.append(FindingRow.state == f.state)
    if f.check:
        conds.append(FindingRow.check_id == f.check)
    if f.host:  # the host's ids first, so its findings come off the host's index
        conds.append(FindingRow.host_id.in_(select(Host.id).where(Host.name == f.host)))
    if f.kind:
        conds.append(FindingRow.kind == f.kind)
    if not f.q:
        stmt = select(FindingRow, Host).join(Host, Host.id == FindingRow.host_id)
        return _shown(stmt, FindingRow, data).where(*conds).order_by(*order)
    like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if postgresql:
        # The window in one pass: its rows read off the order's index, the text tested on
        # them as they come, and the scan stops at the page's last match (a derived table
        # with a LIMIT is not merged into the outer query, and keeps its order). Reading
        # the window's ids first and then each row by its primary key read every row twice:
        # 10,000 index probes, two thirds of a search's time.
        cols = [c for c in _FINDINGS.c if data or c.name != "data"]
        window = (
            select(*cols).where(*conds).order_by(*order).limit(SEARCH_WINDOW).subquery("window")
        )
        w: Any = aliased(FindingRow, window)
        stmt = _shown(select(w, Host).join(Host, Host.id == w.host_id), w, data)
        order = (w.severity_rank.desc(), w.last_seen.desc())
    else:
        # SQLite reads the window's ids off the order's index alone (its rows carry the id)
        # and walks that index again for the page, testing each id against the window: a
        # common word stops at the page's last match. A derived table would be read whole
        # and sorted.
        w = FindingRow
        window_ids = select(FindingRow.id).where(*conds).order_by(*order).limit(SEARCH_WINDOW)
        stmt = _shown(select(FindingRow, Host).join(Host, Host.id == FindingRow.host_id), w, data)
        stmt = stmt.where(FindingRow.id.in_(window_ids.scalar_subquery()))
    return stmt.where(
        or_(
            w.label.ilike(like, escape="\\"),
            w.summary.ilike(like, escape="\\"),
            w.title.ilike(like, escape="\\"),
            Host.name.ilike(like, escape="\\"),
        )
    ).order_by(*order)


def _shown(stmt: Select[FindingRow, Host], entity: Any, data: bool) -> Select[FindingRow, Host]:
    return stmt if data else stmt.options(defer(entity.data))


def _is_pg(db: DbSession) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def list_findings(
    db: DbSession, f: Filters, limit: int = 500, offset: int = 0, *, data: bool = True
) -> list[tuple[FindingRow, Host]]:
    """A page of the findings table; ``data=False`` leaves out the stored wire-format
    finding (the bulk of a row), for pages that show only the columns."""
    stmt = findings_query(f, _is_pg(db), data=data).limit(limit).offset(offset)
    return [(r, h) for r, h in db.execute(stmt)]


def iter_findings(db: DbSession, f: Filters, limit: int) -> Iterator[tuple[FindingRow, Host]]:
    """The findings of a filter, read in batches (a server-side cursor on PostgreSQL):
    exports stream without holding every row in memory."""
    stmt = findings_query(f, _is_pg(db)).limit(limit).execution_options(yield_per=500)
    yield from db.execute(stmt)


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
    row = db.get(FindingRow, finding_id, with_for_update=True)
    if row is None:
        return False
    if row.state is not state:
        add_counts(
            db,
            row.host_id,
            Counter({(row.severity, row.state.value): -1, (row.severity, state.value): 1}),
        )
    row.state, row.state_by, row.state_changed = state, by, now()
    return True


OPEN_STATES = (FindingState.NEW.value, FindingState.ACKNOWLEDGED.value)


def open_by_severity(db: DbSession) -> dict[str, int]:
    """Open (new or acknowledged) findings per severity, most severe first, from the
    counters ingest keeps."""
    rows = db.execute(
        select(FindingCount.severity, func.sum(FindingCount.n))
        .where(FindingCount.state.in_(OPEN_STATES))
        .group_by(FindingCount.severity)
    ).all()
    counts = {s.value: 0 for s in reversed(Severity)}
    for sev, n in rows:
        counts[str(sev)] = int(n or 0)
    return counts


def open_by_host(
    db: DbSession,
    host_id: int | Sequence[int] | None = None,
    *,
    every_state: bool = False,
) -> dict[int, int]:
    """Open findings (or, with ``every_state``, all findings) per host id, from the
    counters; of one host, or of a page of hosts, if ``host_id`` is given."""
    stmt = select(FindingCount.host_id, func.sum(FindingCount.n)).group_by(FindingCount.host_id)
    if not every_state:
        stmt = stmt.where(FindingCount.state.in_(OPEN_STATES))
    if isinstance(host_id, int):
        stmt = stmt.where(FindingCount.host_id == host_id)
    elif host_id is not None:
        stmt = stmt.where(FindingCount.host_id.in_(list(host_id)))
    rows = db.execute(stmt).all()
    return {int(h): int(n or 0) for h, n in rows}


def most_open(db: DbSession, n: int) -> dict[int, int]:
    """The ``n`` hosts with the most open findings (host id -> count, most first), from the
    counters: the overview's shortlist, however large the fleet."""
    total = func.sum(FindingCount.n)
    rows = db.execute(
        select(FindingCount.host_id, total)
        .where(FindingCount.state.in_(OPEN_STATES))
        .group_by(FindingCount.host_id)
        .having(total > 0)
        .order_by(total.desc(), FindingCount.host_id)
        .limit(n)
    ).all()
    return {int(h): int(c) for h, c in rows}


def hosts_online(db: DbSession, since: datetime) -> tuple[int, int]:
    """(hosts seen since ``since``, all hosts)."""
    online = func.count().filter(Host.last_seen >= since)
    seen, total = db.execute(select(online, func.count()).select_from(Host)).one()
    return int(seen or 0), int(total or 0)
