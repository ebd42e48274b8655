"""Working days (engine.clock): Norwegian weekends and public holidays do not count, so a
question to the comms section asked on Friday afternoon is due on Monday afternoon."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.clock import (
    OSLO,
    add_duration,
    check_duration,
    easter_sunday,
    is_working_day,
    public_holidays,
    working_days_after,
)


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2000, date(2000, 4, 23)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),  # the latest possible date
        (2285, date(2285, 3, 22)),  # the earliest possible date
    ],
)
def test_easter_sunday(year: int, easter: date):
    assert easter_sunday(year) == easter


def test_norwegian_public_holidays_2026():
    assert sorted(public_holidays(2026)) == [
        date(2026, 1, 1),  # 1. nyttårsdag
        date(2026, 4, 2),  # skjærtorsdag
        date(2026, 4, 3),  # langfredag
        date(2026, 4, 5),  # 1. påskedag
        date(2026, 4, 6),  # 2. påskedag
        date(2026, 5, 1),  # 1. mai
        date(2026, 5, 14),  # Kristi himmelfartsdag
        date(2026, 5, 17),  # 17. mai
        date(2026, 5, 24),  # 1. pinsedag
        date(2026, 5, 25),  # 2. pinsedag
        date(2026, 12, 25),  # 1. juledag
        date(2026, 12, 26),  # 2. juledag
    ]
    assert is_working_day(date(2026, 12, 24))  # julaftan is an ordinary weekday
    assert not is_working_day(date(2026, 11, 28))  # a Saturday
    assert not is_working_day(date(2026, 5, 14))


@pytest.mark.parametrize(
    ("asked", "days", "due"),
    [
        pytest.param(oslo(2026, 11, 23, 10), 1, oslo(2026, 11, 24, 10), id="monday"),
        pytest.param(oslo(2026, 11, 27, 14), 1, oslo(2026, 11, 30, 14), id="friday-afternoon"),
        pytest.param(oslo(2026, 11, 28, 10), 1, oslo(2026, 11, 30, 10), id="saturday"),
        pytest.param(oslo(2026, 11, 29, 23, 30), 1, oslo(2026, 11, 30, 23, 30), id="sunday"),
        pytest.param(oslo(2026, 11, 23, 10), 5, oslo(2026, 11, 30, 10), id="a-week"),
        pytest.param(oslo(2026, 11, 23, 10), 0, oslo(2026, 11, 23, 10), id="none"),
        pytest.param(oslo(2026, 12, 24, 14), 1, oslo(2026, 12, 28, 14), id="christmas"),
        pytest.param(oslo(2026, 12, 31, 9), 1, oslo(2027, 1, 4, 9), id="new-year"),
        pytest.param(oslo(2027, 3, 24, 14), 1, oslo(2027, 3, 30, 14), id="easter"),
        pytest.param(oslo(2027, 5, 14, 14), 1, oslo(2027, 5, 18, 14), id="17-may-on-monday"),
        pytest.param(oslo(2026, 5, 13, 8), 1, oslo(2026, 5, 15, 8), id="ascension-day"),
        # Summer time begins on Sunday 29 March 2026: the wall clock stays at 14:00.
        pytest.param(oslo(2026, 3, 27, 14), 1, oslo(2026, 3, 30, 14), id="summer-time"),
    ],
)
def test_working_days_after_keeps_the_wall_clock_time(asked: datetime, days: int, due: datetime):
    result = working_days_after(asked, days)
    assert result == due
    assert result.tzinfo == UTC


def test_working_days_across_summer_time_are_an_hour_shorter_in_utc():
    asked = datetime(2026, 3, 27, 13, 0, tzinfo=UTC)  # Friday 14:00 in Norway (UTC+1)
    assert working_days_after(asked, 1) == datetime(2026, 3, 30, 12, 0, tzinfo=UTC)  # UTC+2


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError):
        working_days_after(oslo(2026, 11, 23, 10), -1)


def test_due_times_are_iso_durations_or_working_days():
    moment = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    assert add_duration(moment, "PT24H") == moment + timedelta(hours=24)
    assert add_duration(moment, "P1WD") == datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    assert add_duration(moment, "P2WD") == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    for good in ("P1WD", "P10WD", "P5D", "PT4H"):
        check_duration(good)
    for bad in ("PWD", "P1WDT2H", "P1.5WD", "P1M", "1WD", ""):
        with pytest.raises(ValueError):
            check_duration(bad)
