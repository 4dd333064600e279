"""The server's tables (SQLAlchemy 2). Schema changes go through an Alembic revision in
migrations/versions, never through ``create_all``."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class FindingState(enum.StrEnum):
    """Where an administrator has taken a finding."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    FALSE_POSITIVE = "false_positive"


class Role(enum.StrEnum):
    """What a dashboard user may do: viewers read, admins also change state."""

    VIEWER = "viewer"
    ADMIN = "admin"


def _values(e: type[enum.StrEnum]) -> list[str]:
    """Store enum values ('false_positive'), not member names."""
    return [m.value for m in e]


class Base(DeclarativeBase):
    pass


class Host(Base):
    __tablename__ = "hosts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    """The host name the agent reported at enrolment."""
    enrolled: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agent_version: Mapped[str | None] = mapped_column(String(64))
    queued: Mapped[int] = mapped_column(Integer, default=0)
    """Reports waiting in the agent's offline queue at its last heartbeat."""
    dropped: Mapped[int] = mapped_column(Integer, default=0)
    """Reports the agent's bounded queue had to drop (its counter at the last heartbeat)."""


class EnrolmentToken(Base):
    __tablename__ = "enrolment_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the token: tokens are 256-bit random, so a fast hash is enough at rest."""
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AgentCredential(Base):
    __tablename__ = "agent_credentials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id"))
    token_id: Mapped[int] = mapped_column(ForeignKey("enrolment_tokens.id"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FindingRow(Base):
    """One finding per host and target key, updated as reports repeat it."""

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("host_id", "target_key", name="uq_findings_host_target"),
        # The table's order (most severe, then most recent) behind each filter: a page of the
        # table reads its rows off one index instead of sorting every match.
        Index("ix_findings_order", "severity_rank", "last_seen"),
        Index("ix_findings_state_order", "state", "severity_rank", "last_seen"),
        Index("ix_findings_host_order", "host_id", "severity_rank", "last_seen"),
        Index("ix_findings_check_order", "check_id", "severity_rank", "last_seen"),
        Index("ix_findings_kind_order", "kind", "severity_rank", "last_seen"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id"))
    target_key: Mapped[str] = mapped_column(String(1024))
    check_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    """host, network, web or files: the trend page's series."""
    severity: Mapped[str] = mapped_column(String(16))
    severity_rank: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text)
    """The finding in the JSON wire format (minehunt.formats.json_format)."""
    state: Mapped[FindingState] = mapped_column(
        Enum(
            FindingState,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=FindingState.NEW,
    )
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
    state_by: Mapped[str | None] = mapped_column(String(128))
    state_changed: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FindingCount(Base):
    """How many findings each host has per severity and state, kept by every write that
    adds a finding or moves one: the overview's counts without counting the findings."""

    __tablename__ = "finding_counts"
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id"), primary_key=True)
    severity: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class FindingDay(Base):
    """How many findings were first seen on each day (UTC), per kind: the trend page's bars,
    kept by ingest."""

    __tablename__ = "finding_days"
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    """ISO date (YYYY-MM-DD)."""
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class RawReport(Base):
    """Every accepted report body, kept for audit; the idempotency key makes resends no-ops."""

    __tablename__ = "raw_reports"
    __table_args__ = (UniqueConstraint("host_id", "idempotency_key", name="uq_reports_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    received: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    findings: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    """argon2id, as argon2-cffi's PasswordHasher writes it."""
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=_values)
    )


class Session(Base):
    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf: Mapped[str] = mapped_column(String(64))
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Price(Base):
    """A daily closing price imported from CSV, drawn over the detection trend."""

    __tablename__ = "prices"
    __table_args__ = (UniqueConstraint("symbol", "day", name="uq_prices_symbol_day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))
    """ISO date (YYYY-MM-DD)."""
    close: Mapped[float] = mapped_column(Float)


class ResponseState(enum.StrEnum):
    """A response action's way from the dashboard to the host and back."""

    REQUESTED = "requested"
    """Proposed by an admin; nothing happens until it is approved."""
    APPROVED = "approved"
    DISPATCHED = "dispatched"
    """Handed to the host's agent."""
    DONE = "done"
    FAILED = "failed"
    REJECTED = "rejected"


class ResponseAction(enum.StrEnum):
    """What an agent does for a finding (docs/fleet.md, "Responses")."""

    KILL = "kill"
    """SIGKILL the finding's process (same pid and start time)."""
    SUSPEND = "suspend"
    """SIGSTOP the finding's process."""
    QUARANTINE = "quarantine"
    """Move the file the finding names into the host's quarantine (journaled, undoable)."""
    RESPOND = "respond"
    """Everything ``minehunt respond`` plans for the finding: stop the process tree,
    quarantine its files, take out persistence lines, disable units (journaled, undoable)."""


class Response(Base):
    """A response action on one finding's target, approved in the dashboard, run by the
    host's agent."""

    __tablename__ = "responses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id"), index=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(Text)
    """The finding's target in the wire format: the agent checks pid and start time."""
    state: Mapped[ResponseState] = mapped_column(
        Enum(ResponseState, native_enum=False, length=16, values_callable=_values), index=True
    )
    requested_by: Mapped[str] = mapped_column(String(128))
    requested: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(128))
    approved: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(Text)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ResponsePolicy(Base):
    """A standing approval: findings it matches get a response without an admin's click."""

    __tablename__ = "response_policies"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The policy's kind; only 'auto-approve' so far."""
    action: Mapped[str] = mapped_column(String(32))
    min_severity: Mapped[str] = mapped_column(String(16))
    checks: Mapped[str] = mapped_column(Text)
    """JSON list of check ID globs; an empty list matches every check."""
    updated_by: Mapped[str] = mapped_column(String(128))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
