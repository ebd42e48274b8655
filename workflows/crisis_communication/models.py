"""The accounts a crisis holds (E6): a projection its `crisis_mode` operator writes, read by the
banner, the registry and the forms that wait while an account is held."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base


class CrisisHold(Base):
    """One crisis case's hold: from the moment it went on until it was released."""

    __tablename__ = "crisis_hold"

    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    since: Mapped[datetime]
    released_at: Mapped[datetime | None]
    # The account ids held; None holds every official account.
    accounts: Mapped[list[Any] | None]
