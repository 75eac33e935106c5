"""The billing rules in plain Python over rows read one by one: the reference that billing/services/entry_sql.py
(which does the per-entry work in SQL) is held to in tests/billing/test_entry_sql.py.

What a period would bill: per contract the invoice's lines and charges, and every entry left out with its reason;
the entries are read with their enrolments in one query, then chosen (`billing.funders`) and priced
(`billing.rating`) one by one in Python. The plan's shape and the small reads are billing.services.plan's own.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from billing import funders, periods, rating
from billing.models import Invoice
from billing.services.plan import (  # what the two implementations share: the plan's shape and the small reads
    ChargePlan,
    InvoicePlan,
    LinePlan,
    PeriodPlan,
    Unbilled,
    _labels,
    billable_contracts,
    budget_used,
    last_day,
    live_keys,
)
from cases.models import Need, ServiceEntry
from contracts.models import Contract, ContractStep, Enrolment
from core.extensions import db
from network.models import ServiceArea


@dataclass(frozen=True)
class EntryRow:
    id: int
    case_id: int
    on: date
    area_id: int
    minutes: int
    responsible_agency_id: int | None
    contract_ids: tuple


def contract_terms() -> dict[int, funders.Terms]:
    """Every contract of the tenant as the funder choice sees it (two small queries)."""
    from contracts.models import RateLine

    areas: dict[int, set] = defaultdict(set)
    for contract_id, area_id in db.session.execute(
            select(RateLine.contract_id, RateLine.service_area_id).where(RateLine.kind == "per_unit")):
        if area_id is not None:
            areas[contract_id].add(area_id)
    ended = dict(db.session.execute(select(ContractStep.contract_id, func.max(ContractStep.effective_on))
                                    .where(ContractStep.to_status == "ended").group_by(ContractStep.contract_id)).all())
    rows = db.session.execute(select(Contract.id, Contract.agency_id, Contract.status, Contract.valid_from,
                                     Contract.valid_to))
    return {r.id: funders.Terms(r.id, r.agency_id, r.status, r.valid_from, r.valid_to,
                                frozenset(areas.get(r.id, ())), ended.get(r.id) if r.status == "ended" else None)
            for r in rows}


def entry_rows(first: date, last: date, only_contract_id: int | None = None) -> list[EntryRow]:
    """Unbilled entries dated in [first, last] with the contracts enrolling their case that day and the agency
    responsible for their area (the need's, else the area's). One query; with `only_contract_id` only the entries
    that contract could bill (its step needs no more)."""
    enrolled = (select(Enrolment.case_id, Enrolment.contract_id, Enrolment.from_on, Enrolment.ends_on.label("to_on"))
                .where(Enrolment.from_on <= last, Enrolment.ends_on >= first).subquery())
    query = (
        select(ServiceEntry.id, ServiceEntry.case_id, ServiceEntry.on, ServiceEntry.service_area_id,
               ServiceEntry.minutes, func.coalesce(Need.agency_id, ServiceArea.agency_id), enrolled.c.contract_id)
        .select_from(ServiceEntry)
        .join(ServiceArea, ServiceArea.id == ServiceEntry.service_area_id)
        .outerjoin(Need, (Need.case_id == ServiceEntry.case_id)
                   & (Need.service_area_id == ServiceEntry.service_area_id))
        .outerjoin(enrolled, (enrolled.c.case_id == ServiceEntry.case_id) & (enrolled.c.from_on <= ServiceEntry.on)
                   & (enrolled.c.to_on >= ServiceEntry.on))
        .where(ServiceEntry.on >= first, ServiceEntry.on <= last, ServiceEntry.billed_at.is_(None))
        .order_by(ServiceEntry.id)
    )
    if only_contract_id is not None:
        mine = (select(Enrolment.id).where(Enrolment.contract_id == only_contract_id,
                                           Enrolment.case_id == ServiceEntry.case_id,
                                           Enrolment.from_on <= ServiceEntry.on, Enrolment.ends_on >= ServiceEntry.on)
                .exists())
        query = query.where(mine)
    grouped: dict[int, list] = {}
    for row in db.session.execute(query):
        grouped.setdefault(row[0], [row, []])[1].append(row[6])
    return [EntryRow(r[0], r[1], r[2], r[3], r[4], r[5], tuple(c for c in contracts if c is not None))
            for r, contracts in grouped.values()]


def plan_contract(contract: Contract, period: periods.Period, rows: list[EntryRow], terms: dict,
                  draft_id: int | None) -> tuple[InvoicePlan | None, list[Unbilled]]:
    """The draft invoice of one contract for a period (None when there is nothing to bill) and the entries it
    had to leave out (budget exhausted)."""
    window = periods.clip(period.start, period.end, contract.valid_from, last_day(contract))
    if window is None:
        return None, []
    first, last = window
    mine: list[EntryRow] = []
    for row in rows:
        if first <= row.on <= last:
            choice = funders.choose(row.on, row.area_id, row.responsible_agency_id, row.contract_ids, terms)
            if choice.contract_id == contract.id:
                mine.append(row)
    taken = live_keys(contract.id, draft_id)
    enrolments = db.session.execute(
        select(Enrolment.case_id, Enrolment.from_on, Enrolment.ends_on)
        .where(Enrolment.contract_id == contract.id, Enrolment.from_on <= last, Enrolment.ends_on >= first)).all()
    days = rating.enrolled_days([rating.Enrolled(*e) for e in enrolments], first, last)
    labels = _labels()
    lines: list[LinePlan] = []
    unit_areas_done: set[int] = set()
    for rate in contract.rates:
        if rate.kind == "per_case_month":
            charges = []
            for charge in rating.rate_case_months(rating.Rate(rate.kind, rate.amount_cents), days,
                                                  contract.prorate_days):
                _kind, case_id, month_key = charge.key
                key = f"cm:{contract.id}:{case_id}:{month_key}"
                if key not in taken:
                    charges.append(ChargePlan("case_month", key, charge.cents, case_id=case_id,
                                              on=periods.parse(month_key).start))
            quantity = Decimal(len(charges))
            line = LinePlan(rate.kind, rate.label or labels["per_case_month"], quantity, rate.amount_cents,
                            sum(c.amount_cents for c in charges), rate.id, charges=charges)
        elif rate.kind == "per_unit":
            if rate.service_area_id in unit_areas_done:
                continue  # one hourly amount per area: the first line decides
            unit_areas_done.add(rate.service_area_id)
            groups: dict[int, list[EntryRow]] = defaultdict(list)
            for row in mine:
                if row.area_id == rate.service_area_id:
                    groups[row.case_id].append(row)
            charges, minutes_total = [], 0
            for case_id in sorted(groups):
                entries = groups[case_id]
                total = sum(e.minutes for e in entries)
                minutes_total += total
                cents = rating.half_up(Decimal(total * rate.amount_cents) / 60)  # once per case and area
                for entry, share in zip(entries, rating.allocate(cents, [e.minutes for e in entries]), strict=True):
                    charges.append(ChargePlan("entry", f"e:{entry.id}", share, case_id=case_id,
                                              service_entry_id=entry.id, on=entry.on, minutes=entry.minutes))
            area = rate.area
            quantity = (Decimal(minutes_total) / 60).quantize(Decimal("0.0001"))
            line = LinePlan(rate.kind, rate.label or labels["per_unit"] % {"area": area.name if area else "?"},
                            quantity, rate.amount_cents, sum(c.amount_cents for c in charges), rate.id,
                            rate.service_area_id, area.code if area else "", charges)
        elif rate.kind == "per_period":
            key = f"p:{contract.id}:{period.key}"
            charges = [] if key in taken else [ChargePlan("period", key, rate.amount_cents, on=period.start)]
            line = LinePlan(rate.kind, rate.label or labels["per_period"], Decimal(len(charges)),
                            rate.amount_cents, sum(c.amount_cents for c in charges), rate.id, charges=charges)
        else:
            continue
        if line.charges:
            lines.append(line)
    if not lines:
        return None, []
    net = sum(line.amount_cents for line in lines)
    billable, cut = rating.cap_to_budget(net, contract.budget_cents, budget_used(contract.id, draft_id))
    if contract.budget_cents is not None and billable <= 0:
        left_out = [Unbilled(r.id, r.case_id, r.on, r.area_id, r.minutes, "budget_exhausted", (contract.id,))
                    for r in mine]
        return None, left_out
    if cut:
        lines.append(LinePlan("budget_cut", labels["budget_cut"], Decimal(1), -cut, -cut))
    tax = rating.vat_cents(billable, contract.vat)
    return InvoicePlan(contract, period, lines, cut, billable, tax, billable + tax), []


def unbilled_of(rows: list[EntryRow], terms: dict, period: periods.Period) -> list[Unbilled]:
    """The entries no contract may bill, with the reason; an entry chosen for a contract of the other cycle
    belongs to another run and is not reported here."""
    out = []
    for row in rows:
        choice = funders.choose(row.on, row.area_id, row.responsible_agency_id, row.contract_ids, terms)
        if choice.reason is not None:
            out.append(Unbilled(row.id, row.case_id, row.on, row.area_id, row.minutes, choice.reason,
                                choice.candidates))
    return out


def plan_period(period: periods.Period) -> PeriodPlan:
    """Everything a run of `period` would bill now (the preview; nothing is written)."""
    terms = contract_terms()
    rows = entry_rows(period.start, period.end)
    invoices, unbilled = [], unbilled_of(rows, terms, period)
    for contract in billable_contracts(period):
        draft_id = db.session.scalar(select(Invoice.id).where(Invoice.contract_id == contract.id,
                                                              Invoice.period == period.key,
                                                              Invoice.state == "draft"))
        plan, left_out = plan_contract(contract, period, rows, terms, draft_id)
        unbilled.extend(left_out)
        if plan is not None:
            invoices.append(plan)
    unbilled.sort(key=lambda u: u.entry_id)
    return PeriodPlan(period, invoices, unbilled)
