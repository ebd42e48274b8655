"""the messages and signals each running case waits for, so an event from outside finds them

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


# Only a new table: no row of another table is touched. It is a projection, filled for a
# running case at its next step, or at once by `someflyt init` (engine.cases.events).
def upgrade() -> None:
    op.create_table(
        "event_subscription",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200)),
        sa.Column("element_id", sa.String(length=128), nullable=False),
        sa.Column("correlation", sa.JSON(), nullable=False),
    )
    op.create_index("ix_event_subscription_instance_id", "event_subscription", ["instance_id"])
    op.create_index("ix_event_subscription_kind_name", "event_subscription", ["kind", "name"])


def downgrade() -> None:
    op.drop_index("ix_event_subscription_kind_name", table_name="event_subscription")
    op.drop_index("ix_event_subscription_instance_id", table_name="event_subscription")
    op.drop_table("event_subscription")
