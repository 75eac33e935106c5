"""What a period would bill: per contract the invoice's lines and charges, and every entry left out with its reason.

The inputs are read with a few set-based queries (tenant scoping is automatic); pricing is `billing.rating`, the
choice of funder `billing.funders`, both pure. The same plan serves the preview (nothing written), a run's step
(one contract, written as its draft invoice) and the check before issuing (is the draft still what the data
says?).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from billing import funders, periods, rating
from billing.models import Charge, Invoice
from billing.services import entry_sql
from contracts.models import Contract, Enrolment
from core.extensions import db


@dataclass
class ChargePlan:
    kind: str  # entry | case_month | period
    key: str
    amount_cents: int
    case_id: int | None = None
    service_entry_id: int | None = None
    on: date | None = None
    minutes: int | None = None


@dataclass
class LinePlan:
    kind: str
    label: str
    quantity: Decimal
    unit_cents: int
    amount_cents: int
    rate_line_id: int | None = None
    service_area_id: int | None = None
    service_area_code: str = ""
    charges: list[ChargePlan] = field(default_factory=list)  # case-months and periods; entries stay in SQL
    entries: int = 0  # the service entries an hourly line bills


@dataclass
class InvoicePlan:
    contract: Contract
    period: periods.Period
    lines: list[LinePlan]
    budget_cut_cents: int = 0
    net_cents: int = 0
    tax_cents: int = 0
    gross_cents: int = 0
    window: tuple[date, date] | None = None

    def charges(self) -> list[ChargePlan]:
        """Every charge, the entries' read from SQL now (the check before issuing, tests)."""
        entries = [ChargePlan("entry", f"e:{r.entry_id}", r.cents, case_id=r.case_id, service_entry_id=r.entry_id,
                              on=r.on, minutes=r.minutes)
                   for r in entry_sql.entry_charge_rows(self.contract.id, *self.window)] if self.window else []
        return [c for line in self.lines for c in line.charges] + entries

    def fingerprint(self) -> list[tuple]:
        """What must be equal for a draft to be current (keys and cents, lines and totals)."""
        return sorted([(c.key, c.amount_cents) for c in self.charges()]) + [
            ("total", self.net_cents, self.tax_cents, self.budget_cut_cents)]


@dataclass
class Unbilled:
    entry_id: int
    case_id: int
    on: date
    service_area_id: int
    minutes: int
    reason: str
    contract_ids: tuple = ()

    def as_dict(self) -> dict:
        return {"entry_id": self.entry_id, "case_id": self.case_id, "reason": self.reason,
                "on": self.on.isoformat(), "service_area_id": self.service_area_id, "minutes": self.minutes,
                "contract_ids": list(self.contract_ids)}


def billable_contracts(period: periods.Period) -> list[Contract]:
    """The contracts a run of `period` bills: in force (or ended) with the period's cycle, valid in it."""
    query = (select(Contract)
             .where(Contract.status.in_(funders.BILLABLE_STATES), Contract.billing_cycle == period.cycle,
                    (Contract.valid_from.is_(None)) | (Contract.valid_from <= period.end),
                    (Contract.valid_to.is_(None)) | (Contract.valid_to >= period.start))
             .order_by(Contract.id))
    return list(db.session.scalars(query).unique())


def last_day(contract: Contract) -> date | None:
    """The last day the contract bills: its validity's end, or the day it ended, whichever comes first."""
    ends = [step.effective_on for step in contract.steps if step.to_status == "ended"]
    days = [d for d in (contract.valid_to, max(ends) if ends and contract.status == "ended" else None) if d]
    return min(days) if days else None


def live_keys(contract_id: int, except_invoice_id: int | None) -> set[str]:
    """Keys of the contract's case-month and period charges billed by another invoice (not released)."""
    query = select(Charge.key).where(Charge.contract_id == contract_id, Charge.released_at.is_(None),
                                     Charge.kind != "entry")
    if except_invoice_id is not None:
        query = query.where(Charge.invoice_id != except_invoice_id)
    return set(db.session.scalars(query))


def budget_used(contract_id: int, except_invoice_id: int | None) -> int:
    """Net invoiced under the contract so far (drafts included, cancelled invoices and credit notes not)."""
    query = select(func.coalesce(func.sum(Invoice.net_cents), 0)).where(
        Invoice.contract_id == contract_id, Invoice.kind == "invoice", Invoice.state != "cancelled")
    if except_invoice_id is not None:
        query = query.where(Invoice.id != except_invoice_id)
    return int(db.session.scalar(query))


def _labels() -> dict[str, str]:
    with force_locale("de"):  # the invoice is a German document, whoever calculates it
        return {"per_case_month": _("Flat rate per case and month"),
                "per_unit": _("%(area)s, hours (rounded per case)"),
                "per_period": _("Flat rate per billing period"), "budget_cut": _("Cut to the remaining budget")}


def plan_contract(contract: Contract, period: periods.Period, draft_id: int | None,
                  units: dict[int, tuple[int, int, int]] | None = None) -> tuple[InvoicePlan | None, list[Unbilled]]:
    """The draft invoice of one contract for a period (None when there is nothing to bill) and the entries it
    had to leave out (budget exhausted). Entries are chosen and priced in SQL (billing.services.entry_sql);
    `units` are their sums per hourly rate when the caller has them already (a step that has just written them)."""
    window = periods.clip(period.start, period.end, contract.valid_from, last_day(contract))
    if window is None:
        return None, []
    first, last = window
    taken = live_keys(contract.id, draft_id)
    enrolments = db.session.execute(
        select(Enrolment.case_id, Enrolment.from_on, Enrolment.ends_on)
        .where(Enrolment.contract_id == contract.id, Enrolment.from_on <= last, Enrolment.ends_on >= first)).all()
    days = rating.enrolled_days([rating.Enrolled(*e) for e in enrolments], first, last)
    if units is None:
        units = entry_sql.unit_lines(contract.id, first, last)
    labels = _labels()
    lines: list[LinePlan] = []
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
            line = LinePlan(rate.kind, rate.label or labels["per_case_month"], Decimal(len(charges)),
                            rate.amount_cents, sum(c.amount_cents for c in charges), rate.id, charges=charges)
        elif rate.kind == "per_unit":
            if rate.id not in units:
                continue  # nothing logged in its area (or a second line for an area: the first one decides)
            entries, minutes, cents = units[rate.id]
            area = rate.area
            line = LinePlan(rate.kind, rate.label or labels["per_unit"] % {"area": area.name if area else "?"},
                            (Decimal(minutes) / 60).quantize(Decimal("0.0001")), rate.amount_cents, cents,
                            rate.id, rate.service_area_id, area.code if area else "", entries=entries)
        elif rate.kind == "per_period":
            key = f"p:{contract.id}:{period.key}"
            charges = [] if key in taken else [ChargePlan("period", key, rate.amount_cents, on=period.start)]
            line = LinePlan(rate.kind, rate.label or labels["per_period"], Decimal(len(charges)),
                            rate.amount_cents, sum(c.amount_cents for c in charges), rate.id, charges=charges)
        else:
            continue
        if line.charges or line.entries:
            lines.append(line)
    if not lines:
        return None, []
    net = sum(line.amount_cents for line in lines)
    billable, cut = rating.cap_to_budget(net, contract.budget_cents, budget_used(contract.id, draft_id))
    if contract.budget_cents is not None and billable <= 0:
        left_out = [Unbilled(r.entry_id, r.case_id, r.on, r.area_id, r.minutes, "budget_exhausted", (contract.id,))
                    for r in entry_sql.entry_charge_rows(contract.id, first, last)]
        return None, left_out
    if cut:
        lines.append(LinePlan("budget_cut", labels["budget_cut"], Decimal(1), -cut, -cut))
    tax = rating.vat_cents(billable, contract.vat)
    return InvoicePlan(contract, period, lines, cut, billable, tax, billable + tax, window), []


@dataclass
class PeriodPlan:
    period: periods.Period
    invoices: list[InvoicePlan]
    unbilled: list[Unbilled]


def unbilled_of(period: periods.Period) -> list[Unbilled]:
    """The entries of the period no contract may bill, with the reason (an entry chosen for a contract of the
    other cycle belongs to another run and is not reported here)."""
    return [Unbilled(u["entry_id"], u["case_id"], date.fromisoformat(u["on"]), u["service_area_id"], u["minutes"],
                     u["reason"], tuple(u["contract_ids"])) for u in entry_sql.unbilled(period.start, period.end)]


def plan_period(period: periods.Period) -> PeriodPlan:
    """Everything a run of `period` would bill now (the preview; nothing is written)."""
    invoices, unbilled = [], unbilled_of(period)
    for contract in billable_contracts(period):
        draft_id = db.session.scalar(select(Invoice.id).where(Invoice.contract_id == contract.id,
                                                              Invoice.period == period.key,
                                                              Invoice.state == "draft"))
        plan, left_out = plan_contract(contract, period, draft_id)
        unbilled.extend(left_out)
        if plan is not None:
            invoices.append(plan)
    unbilled.sort(key=lambda u: u.entry_id)
    return PeriodPlan(period, invoices, unbilled)
