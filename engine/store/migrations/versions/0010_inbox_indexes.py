"""the inbox reads a million tasks from indexes of the open ones

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Written out here, not imported: a migration keeps meaning what it meant when it was written.
OPEN_TASK = "status = 'open'"
CLAIMED_TASK = "status = 'open' AND assignee IS NOT NULL"


# Only indexes change: no table is rebuilt and no row is touched, so both directions are safe
# on a populated database (a plain CREATE INDEX: it blocks writes to human_task while it reads
# the table once, about a second for a million rows).
def upgrade() -> None:
    # A candidate's open tasks as one range of (username, task_id); it replaces the index on
    # username alone, which it covers. The table holds rows of open tasks only.
    op.create_index(
        "ix_human_task_candidate_user_task", "human_task_candidate", ["username", "task_id"]
    )
    op.drop_index("ix_human_task_candidate_username", table_name="human_task_candidate")
    # Probing an offered task by id answers from the index alone: open, unclaimed, its order.
    op.create_index(
        "ix_human_task_open_lookup",
        "human_task",
        ["id", "assignee", "created_at", "process_id"],
        postgresql_where=sa.text(OPEN_TASK),  # the same partial index on both databases
        sqlite_where=sa.text(OPEN_TASK),
    )
    # The tasks a person has claimed, already in the inbox's order.
    op.create_index(
        "ix_human_task_open_assignee",
        "human_task",
        ["assignee", "created_at", "id", "process_id"],
        postgresql_where=sa.text(CLAIMED_TASK),
        sqlite_where=sa.text(CLAIMED_TASK),
    )


def downgrade() -> None:
    op.drop_index("ix_human_task_open_assignee", table_name="human_task")
    op.drop_index("ix_human_task_open_lookup", table_name="human_task")
    op.create_index(
        "ix_human_task_candidate_username", "human_task_candidate", ["username"], unique=False
    )
    op.drop_index("ix_human_task_candidate_user_task", table_name="human_task_candidate")
