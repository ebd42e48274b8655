"""the consent register and the consents each approved post relies on (G11)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    # New tables only (see 0002): nothing existing is rebuilt under SQLite's foreign keys.
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_name", sa.String(length=200), nullable=False),
        sa.Column("under_15", sa.Boolean(), nullable=False),
        sa.Column("given_by", sa.String(length=16), nullable=False),
        sa.Column("guardian_name", sa.String(length=200)),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id")),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("valid_until", sa.Date()),
        sa.Column("storage", sa.String(length=300), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
        sa.Column("withdrawn_at", MOMENT),
        sa.Column("withdrawn_by", sa.String(length=64)),
        sa.Column("withdrawal_reason", sa.Text()),
    )
    op.create_index("ix_consent_person_name", "consent", ["person_name"])
    op.create_index("ix_consent_account_id", "consent", ["account_id"])
    op.create_table(
        "post_consent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=False
        ),
        sa.Column("consent_id", sa.Integer(), sa.ForeignKey("consent.id"), nullable=False),
        sa.Column("photo", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
        sa.UniqueConstraint("instance_id", "consent_id", "photo"),
    )
    op.create_index("ix_post_consent_instance_id", "post_consent", ["instance_id"])
    op.create_index("ix_post_consent_consent_id", "post_consent", ["consent_id"])


def downgrade() -> None:
    op.drop_index("ix_post_consent_consent_id", table_name="post_consent")
    op.drop_index("ix_post_consent_instance_id", table_name="post_consent")
    op.drop_table("post_consent")
    op.drop_index("ix_consent_account_id", table_name="consent")
    op.drop_index("ix_consent_person_name", table_name="consent")
    op.drop_table("consent")
