"""Efficiency review report (Prüfung der Wirtschaftlichkeit) of one contract over a period.

The cost is the cost *according to the agreement*: the inputs are read with a few aggregate queries (tenant
scoping is automatic) and priced by `billing.rating`, the same module the billing runs use. It is not what was
invoiced. Money is integer cents; shares are Decimal.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from billing import periods, rating
from cases.models import Case, ServiceEntry
from contracts.models import Contract, Enrolment
from contracts.services import approved_hours_use
from core.extensions import db
from network.models import ServiceArea


def report_window(contract: Contract, period_from: date, period_to: date) -> tuple[date, date] | None:
    """The requested period clipped to the contract's validity; None when nothing is left."""
    return periods.clip(period_from, period_to, contract.valid_from, contract.valid_to)


def _enrolments(contract: Contract, window: tuple[date, date]) -> list[Enrolment]:
    return (
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.contract_id == contract.id, Enrolment.from_on <= window[1],
                   Enrolment.ends_on >= window[0])
            .order_by(Enrolment.case_id, Enrolment.from_on)
        )
        .unique()
        .all()
    )


def _minutes(contract: Contract, window: tuple[date, date]) -> dict[tuple[int, int], int]:
    """Minutes per (case, service area) of entries on days the case was enrolled, inside the window (one
    aggregate query; enrolments of one case under one contract never overlap)."""
    rows = db.session.execute(
        select(ServiceEntry.case_id, ServiceEntry.service_area_id, func.sum(ServiceEntry.minutes))
        .join(
            Enrolment,
            (Enrolment.case_id == ServiceEntry.case_id)
            & (Enrolment.from_on <= ServiceEntry.on)
            & (Enrolment.ends_on >= ServiceEntry.on),
        )
        .where(Enrolment.contract_id == contract.id, ServiceEntry.on >= window[0], ServiceEntry.on <= window[1])
        .group_by(ServiceEntry.case_id, ServiceEntry.service_area_id)
    ).all()
    return {(case_id, area_id): int(total) for case_id, area_id, total in rows}


def _outcomes(case_ids: list[int], window: tuple[date, date]) -> dict[str, int]:
    rows = db.session.execute(
        select(Case.outcome, func.count())
        .where(Case.id.in_(case_ids), Case.closed_on >= window[0], Case.closed_on <= window[1])
        .group_by(Case.outcome)
    ).all()
    outcomes: dict[str, int] = {}
    for outcome, n in rows:
        outcomes[outcome or "none"] = outcomes.get(outcome or "none", 0) + n
    return outcomes


def efficiency_report(contract: Contract, period_from: date, period_to: date) -> dict:
    """Cases, case-months, hours and cost (per rate line, per case, per service area), budget share used,
    outcomes of cases closed in the period, and approved against used hours."""
    window = report_window(contract, period_from, period_to)
    enrolments = _enrolments(contract, window) if window else []
    case_ids = sorted({e.case_id for e in enrolments})
    minutes = _minutes(contract, window) if enrolments else {}
    rates = [rating.Rate(r.kind, r.amount_cents, r.service_area_id, r.label) for r in contract.rates]
    enrolled = [rating.Enrolled(e.case_id, e.from_on, e.ends_on) for e in enrolments]
    if window is None:
        priced, case_months = [rating.Line(rate) for rate in rates], 0
    else:
        priced = rating.rate_lines(rates, enrolled=enrolled, minutes=minutes, first=window[0], last=window[1],
                                   cycle=contract.billing_cycle, prorate=contract.prorate_days)
        case_months = len(rating.enrolled_days(enrolled, *window))
    lines = []
    cost_by_area: dict[int | None, int] = defaultdict(int)
    for rate, line in zip(contract.rates, priced, strict=True):
        lines.append({"rate": rate, "kind": rate.kind, "label": rate.label, "area": rate.area,
                      "amount_cents": rate.amount_cents, "quantity": line.quantity, "cost_cents": line.cents})
        cost_by_area[rate.service_area_id] += line.cents
    total = sum(line["cost_cents"] for line in lines)

    areas = {a.id: a for a in db.session.scalars(select(ServiceArea))}
    minutes_by_area: dict[int, int] = defaultdict(int)
    cases_by_area: dict[int, set] = defaultdict(set)
    for (case_id, area_id), n in minutes.items():
        minutes_by_area[area_id] += n
        cases_by_area[area_id].add(case_id)
    area_rows = [
        {
            "area": areas.get(area_id),
            "minutes": minutes_by_area.get(area_id, 0),
            "cases": len(cases_by_area.get(area_id, ())),
            "cost_cents": cost_by_area.get(area_id, 0),
            # per enrolled case, so that the areas add up to the cost per case
            "cost_per_case_cents": rating.half_up(Decimal(cost_by_area.get(area_id, 0)) / len(case_ids))
            if case_ids else None,
        }
        for area_id in sorted(
            set(minutes_by_area) | {k for k in cost_by_area if k is not None},
            key=lambda i: areas[i].name if i in areas else "",
        )
    ]

    approved: dict[int, dict] = {}
    for e in enrolments:
        for hours, used in approved_hours_use(e):
            row = approved.setdefault(hours.service_area_id, {"area": hours.area, "approved_minutes": 0,
                                                              "used_minutes": 0})
            row["approved_minutes"] += hours.minutes
            row["used_minutes"] += used

    outcomes = _outcomes(case_ids, window) if case_ids else {}
    return {
        "contract": contract,
        "period_from": period_from,
        "period_to": period_to,
        "window": window,
        "cases": len(case_ids),
        "case_months": case_months,
        "billing_periods": len(periods.overlapping(contract.billing_cycle, *window)) if window else 0,
        "minutes": sum(minutes_by_area.values()),
        "areas": area_rows,
        "lines": lines,
        "total_cents": total,
        "cost_per_case_cents": rating.half_up(Decimal(total) / len(case_ids)) if case_ids else None,
        "budget_cents": contract.budget_cents,
        "budget_share": rating.share(total, contract.budget_cents),
        "outcomes": outcomes,
        "closed_cases": sum(outcomes.values()),
        "approved_hours": sorted(approved.values(), key=lambda r: r["area"].name if r["area"] else ""),
    }


def default_period(contract: Contract, today: date) -> tuple[date, date]:
    """The contract's validity clipped to today (a period not yet begun: its first day)."""
    first = contract.valid_from or date(today.year, 1, 1)
    last = min(contract.valid_to, today) if contract.valid_to else today
    return first, max(first, last)
