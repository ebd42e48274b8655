"""units can be deactivated

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 23:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases: a batch (copy-and-move) on SQLite would drop the
# `unit` table that users and accounts point to, which the foreign keys refuse.
def upgrade() -> None:
    op.add_column(
        "unit", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("unit", "active")
