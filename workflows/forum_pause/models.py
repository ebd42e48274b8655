"""The forum pauses in the account registry (G2c): a projection the pause's own service tasks
write (`forum_pause_state`), so the registry never reads a workflow or the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base


class ForumPause(Base):
    """One pause case whose period has begun: closed from `paused_from` until reopened."""

    __tablename__ = "forum_pause"

    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    paused_from: Mapped[datetime]
    paused_to: Mapped[datetime]
    reopened_at: Mapped[datetime | None]
