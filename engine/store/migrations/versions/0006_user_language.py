"""users choose the language they read (pages and e-mails); everyone starts with Nynorsk

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# Plain ALTER TABLE (see 0002): the server default fills the column for every existing user,
# so no row is rebuilt and none is lost.
def upgrade() -> None:
    op.add_column(
        "app_user",
        sa.Column("language", sa.String(length=8), server_default="nn", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("app_user", "language")
