"""Rating by DOMAIN.md "Billing rules": rate lines applied to enrolments and minutes, in exact cents.

Plain data in, cents out: these tables are the contract between the efficiency report and the billing runs.
"""
from datetime import date
from decimal import Decimal

import pytest

from billing import rating
from billing.rating import Enrolled, Rate

CHILDCARE, QUALIFICATION = 7, 8
JANUARY = (date(2027, 1, 1), date(2027, 1, 31))


def price(rate, enrolled=(), minutes=None, first=JANUARY[0], last=JANUARY[1], **terms):
    [line] = rating.rate_lines([rate], enrolled=enrolled, minutes=minutes or {}, first=first, last=last, **terms)
    return line


@pytest.mark.parametrize("value, cents", [
    (Decimal("0.5"), 1), (Decimal("1.5"), 2), (Decimal("2.5"), 3), (Decimal("2.4999"), 2),
    (Decimal("24.375") * 100 / 100, 24), (Decimal("2437.5"), 2438), (Decimal(0), 0),
])
def test_half_up(value, cents):
    """Is rounding half up (2.5 → 3), never banker's rounding (2.5 → 2)?"""
    assert rating.half_up(value) == cents


@pytest.mark.parametrize("enrolled, first, last, prorate, cents, count", [
    # one case, enrolled one day in January: one whole case-month
    ([Enrolled(1, date(2027, 1, 31), date(2027, 3, 31))], *JANUARY, False, 18000, 1),
    # two cases, the whole month
    ([Enrolled(1, date(2026, 1, 1), date(2027, 12, 31)), Enrolled(2, date(2027, 1, 1), date(2027, 1, 31))],
     *JANUARY, False, 36000, 2),
    # across two months: two case-months for one case
    ([Enrolled(1, date(2027, 1, 15), date(2027, 2, 10))], date(2027, 1, 1), date(2027, 2, 28), False, 36000, 2),
    # pro-rated: 17 of 31 days of January (98,71 €) and 10 of 28 days of February (64,29 €)
    ([Enrolled(1, date(2027, 1, 15), date(2027, 2, 10))], date(2027, 1, 1), date(2027, 2, 28), True,
     9871 + 6429, 2),
    # a case whose enrolment ended before the period: nothing
    ([Enrolled(1, date(2026, 1, 1), date(2026, 12, 31))], *JANUARY, False, 0, 0),
    # two enrolments of one case in one month: still one case-month
    ([Enrolled(1, date(2027, 1, 1), date(2027, 1, 10)), Enrolled(1, date(2027, 1, 20), date(2027, 1, 31))],
     *JANUARY, False, 18000, 1),
    # ... pro-rated: 10 + 12 = 22 of 31 days
    ([Enrolled(1, date(2027, 1, 1), date(2027, 1, 10)), Enrolled(1, date(2027, 1, 20), date(2027, 1, 31))],
     *JANUARY, True, 12774, 1),
])
def test_per_case_month(enrolled, first, last, prorate, cents, count):
    """Is each case enrolled on at least one day of a month charged once for that month (pro-rated by days only
    where the contract says so), with one charge key per case and month?"""
    line = price(Rate("per_case_month", 18000), enrolled, first=first, last=last, prorate=prorate)
    assert line.cents == cents
    assert len(line.charges) == count == line.quantity
    assert len({c.key for c in line.charges}) == count


def test_case_month_keys_name_case_and_month():
    line = price(Rate("per_case_month", 100), [Enrolled(4, date(2027, 1, 31), date(2027, 2, 1))],
                 first=date(2027, 1, 1), last=date(2027, 2, 28))
    assert [c.key for c in line.charges] == [("case_month", 4, "2027-01"), ("case_month", 4, "2027-02")]


@pytest.mark.parametrize("minutes, cents", [
    ({(1, CHILDCARE): 90}, 4875),  # 1,5 h × 32,50 €
    ({(1, CHILDCARE): 45}, 2438),  # 0,75 h × 32,50 € = 24,375 € → 24,38 €
    ({(1, CHILDCARE): 45, (2, CHILDCARE): 45}, 2438 * 2),  # rounded per case, not on the sum (48,75 €)
    ({(1, CHILDCARE): 1}, 54),  # 1 minute: 0,541666… € → 0,54 €
    ({(1, QUALIFICATION): 600}, 0),  # another area: not this line's
    ({}, 0),
])
def test_per_unit(minutes, cents):
    """Are minutes ÷ 60 × the hourly amount summed per case and area and rounded half-up once per case?"""
    line = price(Rate("per_unit", 3250, CHILDCARE), minutes=minutes)
    assert line.cents == cents
    assert all(c.key[0] == "unit" and c.key[2] == CHILDCARE for c in line.charges)


def test_per_unit_rounds_each_case_once_not_each_entry():
    """Three entries of 20 minutes of one case are summed first (60 min = 32,50 €); rounding each entry
    (10,83 €) would give 32,49 €. The caller passes sums, so this holds by construction."""
    assert price(Rate("per_unit", 3250, CHILDCARE), minutes={(1, CHILDCARE): 20 + 20 + 20}).cents == 3250


@pytest.mark.parametrize("cycle, first, last, cents, keys", [
    ("monthly", *JANUARY, 50000, ["2027-01"]),
    ("monthly", date(2027, 1, 1), date(2027, 3, 31), 150000, ["2027-01", "2027-02", "2027-03"]),
    ("quarterly", date(2027, 1, 1), date(2027, 3, 31), 50000, ["2027-Q1"]),
    ("quarterly", date(2027, 3, 1), date(2027, 4, 30), 100000, ["2027-Q1", "2027-Q2"]),
])
def test_per_period(cycle, first, last, cents, keys):
    """Is the fixed amount charged once per billing period of the contract's cycle?"""
    line = price(Rate("per_period", 50000), first=first, last=last, cycle=cycle)
    assert line.cents == cents
    assert [c.key for c in line.charges] == [("period", k) for k in keys]


def test_a_whole_agreement():
    """The agreement of the efficiency report's tests: 180 € per case-month, 32,50 €/h childcare, 500 € per
    month, January and February 2027."""
    lines = rating.rate_lines(
        [Rate("per_case_month", 18000), Rate("per_unit", 3250, CHILDCARE), Rate("per_period", 50000)],
        enrolled=[Enrolled(1, date(2027, 1, 15), date(2027, 2, 10)), Enrolled(2, date(2027, 2, 1), date(2027, 6, 30))],
        minutes={(1, CHILDCARE): 90, (2, CHILDCARE): 45, (2, QUALIFICATION): 30},
        first=date(2027, 1, 1), last=date(2027, 2, 28),
    )
    assert [line.cents for line in lines] == [3 * 18000, 4875 + 2438, 2 * 50000]


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        price(Rate("per_smile", 1))


@pytest.mark.parametrize("net, budget, used, expected", [
    (10000, None, 0, (10000, 0)),  # no cap
    (10000, 50000, 30000, (10000, 0)),  # fits
    (10000, 50000, 45000, (5000, 5000)),  # cut to what is left
    (10000, 50000, 50000, (0, 10000)),  # nothing left
    (10000, 50000, 60000, (0, 10000)),  # already over (never a negative invoice)
])
def test_budget_cap(net, budget, used, expected):
    """Is an amount cut to the rest of the budget, with the cut reported, and never below zero?"""
    assert rating.cap_to_budget(net, budget, used) == expected


@pytest.mark.parametrize("net, vat, cents", [(10000, "exempt", 0), (10000, "19", 1900), (1, "19", 0), (3, "19", 1),
                                             (5263, "19", 1000)])
def test_vat(net, vat, cents):
    """VAT: nothing when exempt; 19 % rounded half-up (0,57 ct → 1 ct; 1.000,0 ct → 10,00 €)."""
    assert rating.vat_cents(net, vat) == cents


def test_share():
    assert rating.share(3000, 12000) == Decimal("0.25")
    assert rating.share(1, 3) == Decimal("0.3333")
    assert rating.share(1, None) is None and rating.share(1, 0) is None
