"""The demo year's calendar: the Belgian holidays, the Christmas closure, school time and the centre's rhythm."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tremplin.core.demo.draw import Choice

TIMEZONE = "Europe/Brussels"
TZ = ZoneInfo(TIMEZONE)


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int) -> set[date]:
    """Belgian public holidays, and the Brussels Region's Iris Day (8 May)."""
    e = easter(year)
    return {
        date(year, 1, 1),
        e + timedelta(days=1),
        date(year, 5, 1),
        date(year, 5, 8),
        e + timedelta(days=39),
        e + timedelta(days=50),
        date(year, 7, 21),
        date(year, 8, 15),
        date(year, 11, 1),
        date(year, 11, 11),
        date(year, 12, 25),
    }


def christmas_closure(year: int) -> tuple[date, date]:
    return date(year, 12, 24), date(year, 12, 31)


MONTH_FACTOR = {
    1: 1.0,
    2: 1.05,
    3: 1.1,
    4: 0.95,
    5: 1.0,
    6: 0.95,
    7: 0.6,
    8: 0.65,
    9: 1.15,
    10: 1.15,
    11: 1.05,
    12: 0.85,
}
WEEKDAY_FACTOR = {0: 1.0, 1: 1.05, 2: 0.95, 3: 1.2, 4: 0.8}
#: Opening hours: 9:00 to 17:00, until 19:00 on Thursdays.
HOURS = Choice({9: 0.55, 10: 1.0, 11: 1.15, 12: 0.8, 13: 0.85, 14: 1.15, 15: 1.05, 16: 0.75})
THURSDAY_HOURS = Choice(
    {9: 0.55, 10: 1.0, 11: 1.15, 12: 0.8, 13: 0.85, 14: 1.15, 15: 1.05, 16: 0.85, 17: 0.7, 18: 0.45}
)


class Calendar:
    """The open days of a year, with how busy each is."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.holidays = public_holidays(year)
        self.closure = christmas_closure(year)
        day = date(year, 1, 1)
        self.all_days: list[date] = []
        while day.year == year:
            self.all_days.append(day)
            day += timedelta(days=1)
        self.open_days = [d for d in self.all_days if self.is_open(d)]
        e = easter(year)
        carnival = e - timedelta(days=48)
        self.school_holidays: list[tuple[date, date]] = [
            (date(year, 1, 1), date(year, 1, 6)),
            (carnival, carnival + timedelta(days=6)),
            (e - timedelta(days=13), e + timedelta(days=1)),
            (date(year, 7, 1), date(year, 8, 31)),
            (date(year, 10, 28), date(year, 11, 3)),
            (date(year, 12, 21), date(year, 12, 31)),
        ]

    def is_open(self, day: date) -> bool:
        start, end = self.closure
        return day.weekday() < 5 and day not in self.holidays and not start <= day <= end

    def is_school_day(self, day: date) -> bool:
        return self.is_open(day) and not any(a <= day <= b for a, b in self.school_holidays)

    def busy(self, day: date) -> float:
        """How busy the centre is on an open day, relative to an ordinary Monday."""
        weight = MONTH_FACTOR[day.month] * WEEKDAY_FACTOR[day.weekday()]
        if day.month == 12 and day.day >= 16 or day.month == 1 and day.day <= 6:
            weight *= 0.75  # the quiet weeks around Christmas
        return weight

    def days(self, weight: Callable[[date], float] | None = None, only: Callable[[date], bool] | None = None) -> Choice:
        """A draw among open days (``only`` filters them), weighted by ``weight(day)`` or ``busy``."""
        weigh = weight or self.busy
        return Choice([(d, weigh(d)) for d in self.open_days if only is None or only(d)])

    def next_open(self, day: date) -> date:
        while not self.is_open(day):
            day += timedelta(days=1)
        return day

    def moment(self, rng: random.Random, day: date) -> datetime:
        """A time of the opening hours of ``day``, as busy as the hours usually are."""
        hours = THURSDAY_HOURS if day.weekday() == 3 else HOURS
        return datetime(day.year, day.month, day.day, hours.draw(rng), rng.randrange(60), tzinfo=TZ)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def tuesday_to_thursday_of(month: int, day: date) -> bool:
    """A Tuesday, Wednesday or Thursday of ``month``: the days group sessions are drawn on."""
    return day.month == month and day.weekday() in (1, 2, 3)
