"""fleet scale: indexes in the findings table's order, per-host and per-day counters

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OLD = {
    "ix_findings_host_id": ["host_id"],
    "ix_findings_check_id": ["check_id"],
    "ix_findings_severity": ["severity"],
    "ix_findings_state": ["state"],
    "ix_findings_first_seen": ["first_seen"],
    "ix_findings_last_seen": ["last_seen"],
}
_NEW = {
    "ix_findings_order": ["severity_rank", "last_seen"],
    "ix_findings_state_order": ["state", "severity_rank", "last_seen"],
    "ix_findings_host_order": ["host_id", "severity_rank", "last_seen"],
    "ix_findings_check_order": ["check_id", "severity_rank", "last_seen"],
    "ix_findings_kind_order": ["kind", "severity_rank", "last_seen"],
}


def upgrade() -> None:
    for name in _OLD:
        op.drop_index(name, table_name="findings")
    for name, cols in _NEW.items():
        op.create_index(name, "findings", cols)
    # The unique (host_id, idempotency_key) constraint already serves lookups by host.
    op.drop_index("ix_raw_reports_host_id", table_name="raw_reports")
    op.create_table(
        "finding_counts",
        sa.Column("host_id", sa.Integer, sa.ForeignKey("hosts.id"), primary_key=True),
        sa.Column("severity", sa.String(16), primary_key=True),
        sa.Column("state", sa.String(16), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_table(
        "finding_days",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    from minehunt.server.store import recount

    recount(op.get_bind())


def downgrade() -> None:
    op.drop_table("finding_days")
    op.drop_table("finding_counts")
    op.create_index("ix_raw_reports_host_id", "raw_reports", ["host_id"])
    for name in _NEW:
        op.drop_index(name, table_name="findings")
    for name, cols in _OLD.items():
        op.create_index(name, "findings", cols)
