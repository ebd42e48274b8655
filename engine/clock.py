"""The injectable clock. Services ask it for "now"; tests move it instead of sleeping."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Protocol
from zoneinfo import ZoneInfo

# Working days are counted on the county's calendar: Norwegian wall-clock time and holidays.
OSLO = ZoneInfo("Europe/Oslo")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+)S)?)?$"
)


# Our one extension of ISO-8601: "P1WD" is one working day ("within a working day", E4/E9).
_WORKING_DAYS = re.compile(r"^P(?P<days>\d+)WD$")


def parse_duration(text: str) -> timedelta:
    """ISO-8601 durations in weeks, days, hours, minutes and seconds (what due times use)."""
    match = _DURATION.match(text.strip())
    if not match or text.strip() in ("P", "PT"):
        raise ValueError(f"not a supported ISO-8601 duration: {text!r}")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(**parts)


def check_duration(text: str) -> None:
    """Raise ValueError unless `text` is a due time add_duration understands."""
    if not _WORKING_DAYS.match(text.strip()):
        parse_duration(text)


def add_duration(moment: datetime, text: str) -> datetime:
    """`moment` plus a due time: an ISO-8601 duration (exact time), or "P<n>WD", n working
    days (see working_days_after)."""
    match = _WORKING_DAYS.match(text.strip())
    if match:
        return working_days_after(moment, int(match["days"]))
    return moment + parse_duration(text)


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def public_holidays(year: int) -> frozenset[date]:
    """Norway's public holidays (helligdagar and the two national days, lov om helgedagsfred
    and lov om 1. og 17. mai): the fixed ones, and those that move with Easter."""
    easter = easter_sunday(year)
    moving = (-3, -2, 0, 1, 39, 49, 50)  # skjærtorsdag … 2. pinsedag
    fixed = ((1, 1), (5, 1), (5, 17), (12, 25), (12, 26))
    return frozenset(
        [date(year, m, d) for m, d in fixed] + [easter + timedelta(days=n) for n in moving]
    )


def is_working_day(day: date) -> bool:
    """Monday to Friday, unless a public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def working_days_after(moment: datetime, days: int) -> datetime:
    """The same Norwegian wall-clock time `days` working days later: a question asked on
    Friday at 14:00 is due on Monday at 14:00, one asked on Maundy Thursday on the Tuesday after
    Easter. Asked on a day off, the count starts from that day: Saturday 10:00 plus one working
    day is Monday 10:00. The answer is in UTC."""
    if days < 0:
        raise ValueError("working days must not be negative")
    local = moment.astimezone(OSLO)
    day = local.date()
    while days:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    wall = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=OSLO)
    return wall.astimezone(UTC)


# The centuries a case can concern: year 9999 would overflow the first due time added to it,
# and year 1 does so on its way to UTC.
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2200, 1, 1, tzinfo=UTC)


class MomentOutOfRange(ValueError):
    """A well-formed moment outside 1900–2199."""


def parse_moment(text: str) -> datetime:
    """An ISO-8601 moment; a moment without a zone is taken as UTC. ValueError for anything
    else, and MomentOutOfRange (a ValueError) for one outside 1900–2199."""
    moment = datetime.fromisoformat(text)
    try:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError as exc:  # year 1 east of Greenwich, year 9999 west of it
        raise MomentOutOfRange(f"moment out of range: {text!r}") from exc
    if not EARLIEST_MOMENT <= moment < LATEST_MOMENT:
        raise MomentOutOfRange(f"moment out of range: {text!r}")
    return moment
