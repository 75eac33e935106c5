"""Billing periods: months and quarters, parsed, found and clipped the same way everywhere."""
from datetime import date

import pytest

from billing import periods


@pytest.mark.parametrize("key, start, end", [
    ("2026-01", date(2026, 1, 1), date(2026, 1, 31)),
    ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),  # leap year
    ("2027-02", date(2027, 2, 1), date(2027, 2, 28)),
    ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
])
def test_parse_gives_the_calendar_range(key, start, end):
    """Does a period key name exactly its calendar month or quarter, and survive a round trip?"""
    period = periods.parse(key)
    assert (period.start, period.end, period.key) == (start, end, key)
    assert period.cycle == ("quarterly" if "Q" in key else "monthly")


@pytest.mark.parametrize("key", ["2026-13", "2026-00", "2026-Q5", "2026-Q0", "26-01", "2026-1", "", "1999-01",
                                 "2026-01-01", "Q1-2026", None])
def test_parse_refuses_anything_else(key):
    """Is every malformed or implausible key refused rather than guessed?"""
    with pytest.raises(ValueError):
        periods.parse(key)


@pytest.mark.parametrize("cycle, day, key", [
    ("monthly", date(2026, 3, 31), "2026-03"),
    ("quarterly", date(2026, 3, 31), "2026-Q1"),
    ("quarterly", date(2026, 4, 1), "2026-Q2"),
    ("quarterly", date(2026, 12, 31), "2026-Q4"),
])
def test_period_of_a_day(cycle, day, key):
    assert periods.period_of(cycle, day).key == key


@pytest.mark.parametrize("cycle, first, last, keys", [
    ("monthly", date(2026, 1, 15), date(2026, 3, 1), ["2026-01", "2026-02", "2026-03"]),
    ("monthly", date(2026, 12, 31), date(2027, 1, 1), ["2026-12", "2027-01"]),
    ("quarterly", date(2026, 2, 15), date(2026, 4, 1), ["2026-Q1", "2026-Q2"]),  # a quarter begun mid-way counts
    ("quarterly", date(2026, 1, 1), date(2026, 3, 31), ["2026-Q1"]),
    ("quarterly", date(2026, 11, 1), date(2027, 2, 1), ["2026-Q4", "2027-Q1"]),
])
def test_overlapping_periods(cycle, first, last, keys):
    """Are the periods that touch a range listed once each, in order, across year ends?"""
    assert [p.key for p in periods.overlapping(cycle, first, last)] == keys


@pytest.mark.parametrize("first, last, valid_from, valid_to, expected", [
    (date(2026, 1, 1), date(2026, 12, 31), date(2026, 3, 1), None, (date(2026, 3, 1), date(2026, 12, 31))),
    (date(2026, 1, 1), date(2026, 12, 31), None, date(2026, 6, 30), (date(2026, 1, 1), date(2026, 6, 30))),
    (date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 1), None, None),  # the contract starts later
    (date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 31), date(2026, 1, 31), (date(2026, 1, 31),) * 2),
])
def test_clip_to_validity(first, last, valid_from, valid_to, expected):
    assert periods.clip(first, last, valid_from, valid_to) == expected


def test_overlap_days():
    january = periods.parse("2026-01")
    assert periods.overlap_days(date(2025, 12, 20), date(2026, 1, 10), january) == 10
    assert periods.overlap_days(date(2026, 2, 1), date(2026, 2, 10), january) == 0
    assert periods.overlap_days(date(2025, 1, 1), date(2027, 1, 1), january) == 31
