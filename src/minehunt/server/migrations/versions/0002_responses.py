"""responses: actions approved in the dashboard, run by agents

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("host_id", sa.Integer, sa.ForeignKey("hosts.id"), nullable=False),
        sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id"), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("requested", TS, nullable=False),
        sa.Column("approved_by", sa.String(128)),
        sa.Column("approved", TS),
        sa.Column("result", sa.Text),
        sa.Column("updated", TS, nullable=False),
    )
    for col in ("host_id", "finding_id", "state"):
        op.create_index(f"ix_responses_{col}", "responses", [col])


def downgrade() -> None:
    op.drop_table("responses")
