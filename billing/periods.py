"""Billing periods: calendar months (`2026-03`) and quarters (`2026-Q1`).

Pure: dates in, periods out, no database. The billing runs, the invoices and the efficiency report all take
their periods from here, so that a quarter means the same thing everywhere.
"""

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

CYCLES = ("monthly", "quarterly")
_KEY = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


@dataclass(frozen=True, order=True)
class Period:
    """A closed date range [start, end] with its key (`2026-03` or `2026-Q1`)."""

    start: date
    end: date
    key: str

    @property
    def cycle(self) -> str:
        return "quarterly" if "Q" in self.key else "monthly"

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def month(year: int, number: int) -> Period:
    return Period(date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1]),
                  f"{year:04d}-{number:02d}")


def quarter(year: int, number: int) -> Period:
    first = (number - 1) * 3 + 1
    return Period(date(year, first, 1), date(year, first + 2, calendar.monthrange(year, first + 2)[1]),
                  f"{year:04d}-Q{number}")


def parse(key: str) -> Period:
    """`YYYY-MM` or `YYYY-Qn` as a Period; ValueError for anything else (years 2000–2099)."""
    match = _KEY.match((key or "").strip())
    if not match or not 2000 <= int(match[1]) <= 2099:
        raise ValueError(f"not a billing period: {key!r} (YYYY-MM or YYYY-Qn)")
    year = int(match[1])
    return month(year, int(match[2])) if match[2] else quarter(year, int(match[3]))


def label(key: str | None) -> str:
    """A period as people read it, in their language: `2026-07` → "Juli 2026", `2026-Q1` → "1. Quartal 2026";
    anything that is no period key stays as it is (no error on a page)."""
    from flask_babel import format_date
    from flask_babel import gettext as _

    try:
        period = parse(key or "")
    except ValueError:
        return key or ""
    if period.cycle == "quarterly":
        return _("Q%(number)s %(year)s", number=key[-1], year=period.start.year)
    return format_date(period.start, "MMMM yyyy")


def period_of(cycle: str, day: date) -> Period:
    """The period of `cycle` that contains `day`."""
    if cycle == "quarterly":
        return quarter(day.year, (day.month - 1) // 3 + 1)
    return month(day.year, day.month)


def months(first: date, last: date) -> Iterator[Period]:
    """Every calendar month touching [first, last], in order."""
    year, number = first.year, first.month
    while (year, number) <= (last.year, last.month):
        yield month(year, number)
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)


def overlapping(cycle: str, first: date, last: date) -> list[Period]:
    """The periods of `cycle` that overlap [first, last], in order."""
    found: list[Period] = []
    for m in months(first, last):
        period = period_of(cycle, m.start)
        if not found or found[-1] != period:
            found.append(period)
    return found


def clip(first: date, last: date, valid_from: date | None, valid_to: date | None) -> tuple[date, date] | None:
    """[first, last] cut to a validity range (open ends allowed); None when nothing is left."""
    first = max(first, valid_from) if valid_from else first
    last = min(last, valid_to) if valid_to else last
    return (first, last) if first <= last else None


def overlap_days(first: date, last: date, period: Period) -> int:
    """Days of [first, last] inside `period` (0 when they do not meet)."""
    start, end = max(first, period.start), min(last, period.end)
    return (end - start).days + 1 if start <= end else 0
