"""saved replies, absences, connector tokens, inbound messages; instances know their parent
and account

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN (see 0002): no table rebuild under SQLite's foreign keys.
    op.add_column("process_instance", sa.Column("parent_id", sa.Integer()))
    op.add_column("process_instance", sa.Column("account_id", sa.Integer()))
    op.create_index("ix_process_instance_parent_id", "process_instance", ["parent_id"])
    op.create_index("ix_process_instance_account_id", "process_instance", ["account_id"])
    op.create_table(
        "saved_reply",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=64), nullable=False, unique=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("tone", sa.String(length=16)),
        sa.Column("title_nn", sa.String(length=200), nullable=False),
        sa.Column("title_nb", sa.String(length=200), nullable=False),
        sa.Column("text_nn", sa.Text(), nullable=False),
        sa.Column("text_nb", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
    )
    op.create_table(
        "absence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "username", sa.String(length=64), sa.ForeignKey("app_user.username"), nullable=False
        ),
        sa.Column("starts_at", MOMENT, nullable=False),
        sa.Column("ends_at", MOMENT, nullable=False),
        sa.Column("note", sa.String(length=200)),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("cancelled_at", MOMENT),
    )
    op.create_index("ix_absence_user_period", "absence", ["username", "starts_at", "ends_at"])
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("revoked_by", sa.String(length=64)),
        sa.Column("revoked_at", MOMENT),
        sa.Column("last_used_at", MOMENT),
    )
    op.create_index("ix_api_token_account_id", "api_token", ["account_id"])
    op.create_table(
        "inbound_message",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("platform_message_id", sa.String(length=200), primary_key=True),
        sa.Column(
            "instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=False
        ),
        sa.Column("received_at", MOMENT, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inbound_message")
    op.drop_index("ix_api_token_account_id", table_name="api_token")
    op.drop_table("api_token")
    op.drop_index("ix_absence_user_period", table_name="absence")
    op.drop_table("absence")
    op.drop_table("saved_reply")
    op.drop_index("ix_process_instance_account_id", table_name="process_instance")
    op.drop_index("ix_process_instance_parent_id", table_name="process_instance")
    op.drop_column("process_instance", "account_id")
    op.drop_column("process_instance", "parent_id")
