"""crisis_communication: the accounts a crisis holds, as a table of the process (E6)

Revision ID: c001
Revises:
Create Date: 2026-12-04 18:30:00

Holds in force when this runs are taken over from the audit trail (the record they were
kept in before), so a crisis running during the upgrade keeps its accounts held.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "c001"
down_revision = None
branch_labels = ("crisis_communication",)
depends_on = "0005"

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    hold = op.create_table(
        "crisis_hold",
        sa.Column(
            "instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), primary_key=True
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("since", MOMENT, nullable=False),
        sa.Column("released_at", MOMENT),
        sa.Column("accounts", sa.JSON()),
    )
    events = op.get_bind().execute(
        sa.text(
            "SELECT e.instance_id, e.kind, e.occurred_at, e.detail, i.title"
            " FROM audit_event e JOIN process_instance i ON i.id = e.instance_id"
            " WHERE e.kind IN ('crisis_mode_on', 'crisis_mode_off') ORDER BY e.seq"
        )
    )
    rows: dict[int, dict[str, object]] = {}
    for instance_id, kind, at, detail, title in events:
        if kind == "crisis_mode_on":
            accounts = (detail if isinstance(detail, dict) else _json(detail)).get("accounts")
            rows[instance_id] = {
                "instance_id": instance_id,
                "title": title,
                "since": _moment(at),
                "released_at": None,
                "accounts": accounts,
            }
        elif instance_id in rows:
            rows[instance_id]["released_at"] = _moment(at)
    if rows:
        op.bulk_insert(hold, list(rows.values()))


def _json(text: object) -> dict[str, object]:
    return json.loads(str(text)) if text else {}


def _moment(value: object) -> datetime:
    """A moment as the driver gives it: SQLite hands raw SQL back as text."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def downgrade() -> None:
    op.drop_table("crisis_hold")
