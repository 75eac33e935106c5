"""Rating: the rate lines of an agreement applied to what was enrolled and logged (DOMAIN.md "Billing rules").

Pure: plain data in, integer cents out, no database. Callers read their inputs with a few aggregate queries and
hand them over; the billing runs and the efficiency report both price through `rate_lines`, so a report and
an invoice can never disagree. Every charge carries the key under which it may be billed at most once:

- `per_case_month`: ("case_month", case_id, "YYYY-MM"), one per case enrolled on at least one day of the month;
  amount × enrolled days ÷ days in month when the contract pro-rates days;
- `per_unit`:       ("unit", case_id, service_area_id), minutes ÷ 60 × amount, summed per case and area and
  rounded half-up once;
- `per_period`:     ("period", "YYYY-MM" or "YYYY-Qn"), the fixed amount once per billing period.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from billing import periods

KINDS = ("per_case_month", "per_unit", "per_period")
VAT_RATES = {"exempt": Decimal(0), "19": Decimal(19)}  # contracts.models.VAT_MODES → percent


@dataclass(frozen=True)
class Rate:
    kind: str
    amount_cents: int
    service_area_id: int | None = None
    label: str = ""


@dataclass(frozen=True)
class Enrolled:
    """A case enrolled under the contract from `from_on` to `to_on` (inclusive)."""

    case_id: int
    from_on: date
    to_on: date


@dataclass(frozen=True)
class Charge:
    key: tuple
    quantity: Decimal  # case-months, hours or periods
    cents: int


@dataclass
class Line:
    """One rate line, priced: its charges and their sums."""

    rate: Rate
    charges: list[Charge] = field(default_factory=list)

    @property
    def quantity(self) -> Decimal:
        return sum((c.quantity for c in self.charges), Decimal(0))

    @property
    def cents(self) -> int:
        return sum(c.cents for c in self.charges)


def half_up(value: Decimal) -> int:
    """Decimal euros-cents to whole cents, rounding half up (0.5 → 1, 2.5 → 3)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def enrolled_days(enrolled: Iterable[Enrolled], first: date, last: date) -> dict[tuple[int, periods.Period], int]:
    """Enrolled days per (case, calendar month) inside [first, last]."""
    days: dict[tuple[int, periods.Period], int] = defaultdict(int)
    for e in enrolled:
        window = periods.clip(first, last, e.from_on, e.to_on)
        if window is None:
            continue
        for month in periods.months(*window):
            days[(e.case_id, month)] += periods.overlap_days(*window, month)
    return dict(days)


def rate_case_months(rate: Rate, days: Mapping[tuple[int, periods.Period], int], prorate: bool) -> list[Charge]:
    charges = []
    for (case_id, month), n in sorted(days.items(), key=lambda item: (item[0][0], item[0][1].start)):
        if n <= 0:
            continue
        # one case-month either way; pro-rating changes its price, not its count
        cents = rate.amount_cents
        if prorate:
            cents = half_up(Decimal(rate.amount_cents * min(n, month.days())) / month.days())
        charges.append(Charge(("case_month", case_id, month.key), Decimal(1), cents))
    return charges


def rate_units(rate: Rate, minutes: Mapping[tuple[int, int], int]) -> list[Charge]:
    """`minutes` per (case, service area) of billable entries; only the rate's own area counts."""
    return [
        Charge(("unit", case_id, area_id), Decimal(total) / 60, half_up(Decimal(total * rate.amount_cents) / 60))
        for (case_id, area_id), total in sorted(minutes.items())
        if area_id == rate.service_area_id and total > 0
    ]


def rate_periods(rate: Rate, billed_periods: Iterable[periods.Period]) -> list[Charge]:
    return [Charge(("period", p.key), Decimal(1), rate.amount_cents) for p in billed_periods]


def rate_lines(
    rates: Iterable[Rate],
    *,
    enrolled: Iterable[Enrolled],
    minutes: Mapping[tuple[int, int], int],
    first: date,
    last: date,
    cycle: str = "monthly",
    prorate: bool = False,
) -> list[Line]:
    """Every rate line priced over [first, last] (already clipped to the contract's validity)."""
    enrolled = list(enrolled)
    days = enrolled_days(enrolled, first, last)
    billed_periods = periods.overlapping(cycle, first, last)
    lines = []
    for rate in rates:
        if rate.kind == "per_case_month":
            charges = rate_case_months(rate, days, prorate)
        elif rate.kind == "per_unit":
            charges = rate_units(rate, minutes)
        elif rate.kind == "per_period":
            charges = rate_periods(rate, billed_periods)
        else:
            raise ValueError(f"unknown rate kind {rate.kind!r}")
        lines.append(Line(rate, charges))
    return lines


def cap_to_budget(net_cents: int, budget_cents: int | None, used_cents: int) -> tuple[int, int]:
    """(billable, cut): `net_cents` cut to what is left of the budget after `used_cents` (no budget: no cut)."""
    if budget_cents is None:
        return net_cents, 0
    billable = max(0, min(net_cents, budget_cents - used_cents))
    return billable, net_cents - billable


def vat_cents(net_cents: int, vat: str) -> int:
    """The VAT on a net amount: 0 when exempt, else the rate in percent, rounded half-up once per invoice."""
    return half_up(Decimal(net_cents) * VAT_RATES[vat] / 100)


def share(part_cents: int, whole_cents: int | None) -> Decimal | None:
    """`part` of `whole` as a Decimal fraction to four places (None without a whole)."""
    if not whole_cents:
        return None
    return (Decimal(part_cents) / Decimal(whole_cents)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def allocate(total_cents: int, weights: list[int]) -> list[int]:
    """`total_cents` split in proportion to `weights` in whole cents that add up exactly (largest remainder;
    ties to the earlier item). A per-unit line is rounded once; its entries then carry their shares of it."""
    whole = sum(weights)
    if not weights:
        return []
    if whole <= 0:
        return [0] * len(weights)
    shares = [total_cents * w // whole for w in weights]
    rest = total_cents - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(total_cents * weights[i] % whole), i))
    for i in order[:rest]:
        shares[i] += 1
    return shares
