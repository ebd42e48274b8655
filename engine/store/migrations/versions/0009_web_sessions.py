"""server-side web sessions, and the audit events' key signature (issue 14)

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-10 12:00:00

Only new things: a new table (web_session) and a nullable column (audit_event.mac), so it
stands on any earlier schema; re-chaining it after another revision changes down_revision only.
Events recorded before this revision keep an empty `mac`: the hash chain vouches for them, and
the first checkpoint taken after the upgrade anchors them (README, "Security").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column(
            "username", sa.String(length=64), sa.ForeignKey("app_user.username"), nullable=False
        ),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("last_seen_at", MOMENT, nullable=False),
    )
    op.create_index("ix_web_session_username", "web_session", ["username"])
    # Plain ADD COLUMN (see 0002), nullable: no row is rebuilt, none is lost.
    op.add_column("audit_event", sa.Column("mac", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_event", "mac")
    op.drop_index("ix_web_session_username", table_name="web_session")
    op.drop_table("web_session")
