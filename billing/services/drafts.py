"""Draft invoices: written from a contract's plan, recalculated in place, deleted (their charges return).

A contract's draft for a period is recalculated under a lock on the contract row, so two runs of one period
meet there: the second finds the first's draft and rewrites it to the same result (one set of invoices).
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select

from billing import periods
from billing.models import Charge, Invoice, InvoiceLine
from billing.services import entry_sql
from billing.services.plan import InvoicePlan, Unbilled, plan_contract
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
    """The contract's draft for the period as the data says now (created, rewritten or removed)."""
    draft = draft_of(contract.id, period.key)
    plan, left_out = plan_for(contract, period, draft.id if draft else None)
    if draft is not None:
        _clear(draft)
        if plan is None:
            db.session.delete(draft)
            db.session.flush()
            return None, left_out
    if plan is None:
        return None, left_out
    if draft is None:
        draft = Invoice(contract_id=contract.id, agency_id=contract.agency_id, period=period.key,
                        period_start=period.start, period_end=period.end, state="draft")
        db.session.add(draft)
    draft.agency_id = contract.agency_id
    draft.run_id = run_id if run_id is not None else draft.run_id
    draft.net_cents, draft.tax_cents, draft.gross_cents = plan.net_cents, plan.tax_cents, plan.gross_cents
    draft.budget_cut_cents = plan.budget_cut_cents
    draft.vat, draft.vat_exempt_reason = contract.vat, contract.vat_exempt_reason
    draft.contract_title = contract.title
    db.session.flush()
    _write_lines(draft, plan)
    return draft, left_out


def _write_lines(invoice: Invoice, plan: InvoicePlan) -> None:
    tenant_id = current_tenant_id()
    lines = []
    for position, line in enumerate(plan.lines, start=1):
        row = InvoiceLine(invoice_id=invoice.id, position=position, kind=line.kind, label=line.label[:300],
                          quantity=line.quantity, unit_cents=line.unit_cents, amount_cents=line.amount_cents,
                          rate_line_id=line.rate_line_id, service_area_id=line.service_area_id,
                          service_area_code=line.service_area_code)
        db.session.add(row)
        lines.append((row, line))
    db.session.flush()
    rows = [{"tenant_id": tenant_id, "invoice_id": invoice.id, "line_id": row.id, "contract_id": invoice.contract_id,
             "kind": c.kind, "key": c.key, "case_id": c.case_id, "service_entry_id": c.service_entry_id, "on": c.on,
             "minutes": c.minutes, "amount_cents": c.amount_cents}
            for row, line in lines for c in line.charges]
    if rows:  # case-months and periods: one per case and month at most
        db.session.execute(insert(Charge), rows)
    unit_lines = {line.rate_line_id: row.id for row, line in lines if line.kind == "per_unit"}
    if unit_lines:
        # the entries in one INSERT … SELECT; the live-key index refuses an entry billed elsewhere
        written = entry_sql.insert_entry_charges(invoice.contract_id, *plan.window, invoice.id, unit_lines)
        expected = sum(line.entries for _row, line in lines)
        if written != expected:  # the data moved between reading and writing (it is locked: should not happen)
            raise Conflict(_l("The services changed while the invoice was calculated; run it again."))
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
