"""outbox rows carry their delivery state

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 23:58:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ("status", "next_attempt_at", "lease_until", "last_error", "read_at")


def upgrade() -> None:
    # Plain ADD COLUMN (see 0002): no table rebuild under SQLite's foreign keys.
    op.add_column(
        "outbox",
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
    )
    op.add_column("outbox", sa.Column("next_attempt_at", sa.DateTime(timezone=True)))
    op.add_column("outbox", sa.Column("lease_until", sa.DateTime(timezone=True)))
    op.add_column("outbox", sa.Column("last_error", sa.Text()))
    op.add_column("outbox", sa.Column("read_at", sa.DateTime(timezone=True)))
    # Rows written before delivery existed are due now.
    op.execute("UPDATE outbox SET next_attempt_at = created_at WHERE delivered_at IS NULL")
    op.execute("UPDATE outbox SET status = 'sent' WHERE delivered_at IS NOT NULL")
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_recipient", "outbox", ["recipient", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_recipient", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    for column in reversed(COLUMNS):
        op.drop_column("outbox", column)
