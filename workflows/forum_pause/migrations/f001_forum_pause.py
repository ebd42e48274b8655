"""forum_pause: the pauses in force, as a table of the process (G2c)

Revision ID: f001
Revises:
Create Date: 2026-12-04 19:00:00

Pauses that have begun when this runs (their "publish the notice" task exists and the case
still runs) are taken over, with their end from the case's start data in the audit trail,
so the registry keeps showing them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "f001"
down_revision = None
branch_labels = ("forum_pause",)
depends_on = "0005"

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    pause = op.create_table(
        "forum_pause",
        sa.Column(
            "instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), primary_key=True
        ),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("paused_from", MOMENT, nullable=False),
        sa.Column("paused_to", MOMENT, nullable=False),
        sa.Column("reopened_at", MOMENT),
    )
    op.create_index("ix_forum_pause_account_id", "forum_pause", ["account_id"])
    begun = op.get_bind().execute(
        sa.text(
            "SELECT i.id, i.account_id, e.detail FROM process_instance i"
            " JOIN audit_event e ON e.instance_id = i.id AND e.kind = 'instance_started'"
            " WHERE i.process_id = 'forum_pause' AND i.status = 'running'"
            " AND EXISTS (SELECT 1 FROM human_task t"
            "  WHERE t.instance_id = i.id AND t.element_id = 'publish_notice')"
        )
    )
    rows = []
    for instance_id, account_id, detail in begun:
        data = (detail if isinstance(detail, dict) else json.loads(detail or "{}"))["data"]
        rows.append(
            {
                "instance_id": instance_id,
                "account_id": account_id,
                "paused_from": _moment(data["paused_from"]),
                "paused_to": _moment(data["paused_to"]),
                "reopened_at": None,
            }
        )
    if rows:
        op.bulk_insert(pause, rows)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def downgrade() -> None:
    op.drop_index("ix_forum_pause_account_id", "forum_pause")
    op.drop_table("forum_pause")
