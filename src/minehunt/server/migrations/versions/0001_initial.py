"""hosts, credentials, findings, raw reports, users, sessions, prices

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hosts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("enrolled", TS, nullable=False),
        sa.Column("last_seen", TS),
        sa.Column("agent_version", sa.String(64)),
        sa.Column("queued", sa.Integer, nullable=False),
        sa.Column("dropped", sa.Integer, nullable=False),
    )
    op.create_table(
        "enrolment_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created", TS, nullable=False),
        sa.Column("expires", TS),
        sa.Column("used", TS),
        sa.Column("revoked", TS),
    )
    op.create_table(
        "agent_credentials",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("host_id", sa.Integer, sa.ForeignKey("hosts.id"), nullable=False),
        sa.Column("token_id", sa.Integer, sa.ForeignKey("enrolment_tokens.id"), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created", TS, nullable=False),
        sa.Column("revoked", TS),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("host_id", sa.Integer, sa.ForeignKey("hosts.id"), nullable=False),
        sa.Column("target_key", sa.String(1024), nullable=False),
        sa.Column("check_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("severity_rank", sa.Integer, nullable=False),
        sa.Column("confidence", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("times_seen", sa.Integer, nullable=False),
        sa.Column("state_by", sa.String(128)),
        sa.Column("state_changed", TS),
        sa.UniqueConstraint("host_id", "target_key", name="uq_findings_host_target"),
    )
    for col in ("host_id", "check_id", "severity", "state", "first_seen"):
        op.create_index(f"ix_findings_{col}", "findings", [col])
    op.create_index("ix_findings_last_seen", "findings", ["last_seen"])
    op.create_table(
        "raw_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("host_id", sa.Integer, sa.ForeignKey("hosts.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("received", TS, nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("host_id", "idempotency_key", name="uq_reports_key"),
    )
    op.create_index("ix_raw_reports_host_id", "raw_reports", ["host_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("expires", TS, nullable=False),
    )
    op.create_table(
        "prices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("close", sa.Float, nullable=False),
        sa.UniqueConstraint("symbol", "day", name="uq_prices_symbol_day"),
    )


def downgrade() -> None:
    for table in (
        "prices",
        "sessions",
        "users",
        "raw_reports",
        "findings",
        "agent_credentials",
        "enrolment_tokens",
        "hosts",
    ):
        op.drop_table(table)
