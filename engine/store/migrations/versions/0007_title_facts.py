"""cases keep what their title needs, so each reader sees it in their own language

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# Plain ADD COLUMN (see 0002), nullable: a case from before keeps its stored (Nynorsk) title,
# which is what a reader of any language sees of it; no row is rebuilt and none is lost.
def upgrade() -> None:
    op.add_column("process_instance", sa.Column("title_facts", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("process_instance", "title_facts")
