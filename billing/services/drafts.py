"""Draft invoices: written from a contract's plan, recalculated in place, deleted (their charges return).

A contract's draft for a period is recalculated under a lock on the contract row, so two runs of one period
meet there: the second finds the first's draft and rewrites it to the same result (one set of invoices).
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select

from billing import periods
from billing.models import Charge, Invoice, InvoiceLine
from billing.services import entry_sql
from billing.services.plan import InvoicePlan, Unbilled, last_day, plan_contract
from contracts.models import Contract
from core import audit
from core.audit import Actor
from core.extensions import db
from core.problems import Conflict
from core.tenancy.context import current_tenant_id


def lock_contract(contract_id: int) -> Contract:
    """The contract, its row locked until the transaction ends (PostgreSQL; SQLite serialises writers)."""
    contract = db.session.scalar(select(Contract).where(Contract.id == contract_id).with_for_update(of=Contract))
    if contract is None:
        raise Conflict(_l("The contract of this invoice no longer exists."))
    return contract


def draft_of(contract_id: int, period_key: str) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.contract_id == contract_id,
                                                   Invoice.period == period_key, Invoice.state == "draft"))


def plan_for(contract: Contract, period: periods.Period, draft_id: int | None) \
        -> tuple[InvoicePlan | None, list[Unbilled]]:
    return plan_contract(contract, period, draft_id)


def _clear(invoice: Invoice) -> None:
    db.session.execute(delete(Charge).where(Charge.invoice_id == invoice.id))
    db.session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))


def write_draft(contract: Contract, period: periods.Period, run_id: int | None) \
        -> tuple[Invoice | None, list[Unbilled]]:
    """The contract's draft for the period as the data says now (created, rewritten or removed).

    The entries are chosen, priced and written by one INSERT … SELECT first; the hourly lines are then summed from
    what was written (so the shares are computed once), and the rest of the plan is priced around them."""
    draft = draft_of(contract.id, period.key)
    window = periods.clip(period.start, period.end, contract.valid_from, last_day(contract))
    if draft is not None:
        _clear(draft)
    elif window is None:
        return None, []
    else:
        draft = Invoice(contract_id=contract.id, agency_id=contract.agency_id, period=period.key,
                        period_start=period.start, period_end=period.end, state="draft")
        db.session.add(draft)
        db.session.flush()
    units, unit_rows = {}, {}
    if window is not None:
        unit_rows = _write_entry_charges(draft, contract, window)
        units = _written_units(draft, unit_rows)
    plan, left_out = plan_contract(contract, period, draft.id, units=units)
    if plan is None:
        _clear(draft)
        db.session.delete(draft)
        db.session.flush()
        return None, left_out
    draft.agency_id = contract.agency_id
    draft.run_id = run_id if run_id is not None else draft.run_id
    draft.net_cents, draft.tax_cents, draft.gross_cents = plan.net_cents, plan.tax_cents, plan.gross_cents
    draft.budget_cut_cents = plan.budget_cut_cents
    draft.vat, draft.vat_exempt_reason = contract.vat, contract.vat_exempt_reason
    draft.contract_title = contract.title
    _write_lines(draft, plan, unit_rows)
    return draft, left_out


def _write_entry_charges(invoice: Invoice, contract: Contract, window) -> dict[int, InvoiceLine]:
    """A line for each hourly rate of the contract (filled in later) and the entries' charges under it."""
    first_of_area: dict[int, int] = {}
    for rate in contract.rates:  # one hourly rate per area: the line with the lowest id (entry_sql._unit_rates)
        if rate.kind == "per_unit" and rate.service_area_id is not None:
            first_of_area[rate.service_area_id] = min(rate.id, first_of_area.get(rate.service_area_id, rate.id))
    rows = {rate_id: InvoiceLine(invoice_id=invoice.id, position=0, kind="per_unit", quantity=0, unit_cents=0,
                                 amount_cents=0, rate_line_id=rate_id) for rate_id in first_of_area.values()}
    if not rows:
        return {}
    db.session.add_all(rows.values())
    db.session.flush()
    entry_sql.insert_entry_charges(contract.id, *window, invoice.id, {r: row.id for r, row in rows.items()})
    return rows


def _written_units(invoice: Invoice, unit_rows: dict[int, InvoiceLine]) -> dict[int, tuple[int, int, int]]:
    """(entries, minutes, cents) per hourly rate, summed from the charges just written."""
    rate_of_line = {row.id: rate_id for rate_id, row in unit_rows.items()}
    written = db.session.execute(
        select(Charge.line_id, func.count(), func.sum(Charge.minutes), func.sum(Charge.amount_cents))
        .where(Charge.invoice_id == invoice.id, Charge.kind == "entry").group_by(Charge.line_id))
    return {rate_of_line[line_id]: (int(n), int(minutes), int(cents)) for line_id, n, minutes, cents in written}


def _write_lines(invoice: Invoice, plan: InvoicePlan, unit_rows: dict[int, InvoiceLine]) -> None:
    tenant_id = current_tenant_id()
    lines, used = [], set()
    for position, line in enumerate(plan.lines, start=1):
        row = unit_rows.get(line.rate_line_id) if line.kind == "per_unit" else None
        if row is None:
            row = InvoiceLine(invoice_id=invoice.id, kind=line.kind, rate_line_id=line.rate_line_id)
            db.session.add(row)
        else:
            used.add(line.rate_line_id)
        row.position, row.label, row.quantity = position, line.label[:300], line.quantity
        row.unit_cents, row.amount_cents = line.unit_cents, line.amount_cents
        row.service_area_id, row.service_area_code = line.service_area_id, line.service_area_code
        lines.append((row, line))
    for rate_id, row in unit_rows.items():
        if rate_id not in used:  # an hourly rate with nothing logged: no line
            db.session.delete(row)
    db.session.flush()
    rows = [{"tenant_id": tenant_id, "invoice_id": invoice.id, "line_id": row.id, "contract_id": invoice.contract_id,
             "kind": c.kind, "key": c.key, "case_id": c.case_id, "service_entry_id": c.service_entry_id, "on": c.on,
             "minutes": c.minutes, "amount_cents": c.amount_cents}
            for row, line in lines for c in line.charges]
    if rows:  # case-months and periods: one per case and month at most
        db.session.execute(insert(Charge), rows)
    db.session.expire(invoice, ["lines"])


def recalculate(invoice: Invoice, actor: Actor) -> Invoice | None:
    """A draft rewritten from the current data (None when nothing is left to bill: the draft is gone)."""
    if not invoice.is_draft:
        raise Conflict(_l("Only a draft can be recalculated; an issued invoice is corrected by a credit note."))
    contract = lock_contract(invoice.contract_id)
    before = invoice.gross_cents
    invoice_id = invoice.id
    result, _left_out = write_draft(contract, periods.parse(invoice.period), None)
    audit.record(actor, "invoice.recalculate", object_type="invoices", object_id=invoice_id,
                 diff={"gross_cents": [before, result.gross_cents if result else None]})
    return result


def delete_draft(invoice: Invoice, actor: Actor) -> None:
    """A draft removed: its charges return, the next run bills them again."""
    if not invoice.is_draft:
        raise Conflict(_l("Only a draft can be deleted; an issued invoice is cancelled by a credit note."))
    audit.record(actor, "invoice.delete", invoice, diff={"gross_cents": [invoice.gross_cents, None]})
    _clear(invoice)
    db.session.delete(invoice)
    db.session.flush()


def is_current(invoice: Invoice) -> bool:
    """Is a draft still what the data says (compared line by line; issuing compares every charge)?"""
    contract = db.session.get(Contract, invoice.contract_id)
    plan, _left_out = plan_for(contract, periods.parse(invoice.period), invoice.id)
    if plan is None:
        return False

    def lines(rows):
        return [(r.kind, r.quantity, r.unit_cents, r.amount_cents) for r in rows]

    return (lines(invoice.lines) == lines(plan.lines)
            and (invoice.net_cents, invoice.tax_cents, invoice.budget_cut_cents)
            == (plan.net_cents, plan.tax_cents, plan.budget_cut_cents))
