"""How a moment reads in the UI: local time, day first, as Norwegians write it."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_datetime


def when(moment: datetime | str | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_datetime(moment, "dd.MM.yyyy HH:mm")
