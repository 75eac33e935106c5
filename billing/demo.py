"""Demo data of billing/: the past months of the active Jobcenter agreement billed as an alliance would have.

The months from the first funding approval up to the last closed month are billed one after the other, each run
on the first days of the next month (dates relative to the day of seeding, like the cases). Counted back from
the last closed month:

- the last closed month: a draft of its run, to preview, recalculate and issue in the browser;
- the month before: issued, part of it paid, not yet due (partly paid);
- the month before that: issued, then cancelled by a credit note; a service logged late is added and the month
  billed again (the corrected invoice, issued and not yet due);
- the month before that: issued and not paid (overdue; the daily beat task sends its payment reminders);
- the months before: issued and paid in full.

Invoices are issued through the services (gap-free numbers, frozen data, billed entries) and then dated back to
the day they were issued in this story (issue date, due date), before their files are made. The files (PDF,
statement of services) are made after the seed commits, by the same task as in production; a failed conversion
(LibreOffice missing) is recorded on the file, never fatal.
"""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from billing import periods
from billing.models import INVOICE_STATUSES, Invoice
from billing.services import invoices, runs
from cases import services as cases
from cases.models import Case
from contracts.models import Contract, Enrolment
from core import clock, signals
from core.audit import Actor
from core.extensions import db
from network.models import ServiceArea

MONTHS = 5  # how many closed months the demo bills at most (each issued invoice costs two PDF conversions)
CREDIT_NOTE_REASON = "Korrektur: im Monat erbrachte Kinderbetreuung wurde nachgetragen; die Rechnung wird neu gestellt."


def _workday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _months(contract: Contract, today: date) -> list[periods.Period]:
    """The closed months of the contract from its first funding approval on, at most MONTHS of them."""
    first = db.session.scalar(select(Enrolment.from_on).where(Enrolment.contract_id == contract.id)
                              .order_by(Enrolment.from_on).limit(1))
    if first is None:
        return []
    last_closed = today.replace(day=1) - timedelta(days=1)
    out = []
    month = periods.period_of("monthly", min(last_closed, contract.valid_to or last_closed))
    while month.end >= max(first, contract.valid_from) and len(out) < MONTHS:
        out.insert(0, month)
        month = periods.period_of("monthly", month.start - timedelta(days=1))
    return out


def _run(key: str, actor: Actor) -> Invoice | None:
    """A billing run of the period, done here and now (its steps as the tasks would do them); the contract's
    draft of the period."""
    run = runs.start_run(key, actor, trigger="web")
    for contract_id in runs.begin(run.id):
        runs.bill_contract(run.id, contract_id)
    db.session.flush()
    invoice_id = (run.invoice_ids or [None])[0]
    return db.session.get(Invoice, invoice_id) if invoice_id else None


def _date_back(invoice: Invoice, day: date) -> None:
    """The invoice as issued on `day`: its XRechnung (made while issuing, today) is made again from these dates,
    its other files are made after the seed from them."""
    from billing.einvoice.issuing import attach_xrechnung

    invoice.issued_on = day
    invoice.issued_at = datetime.combine(day, time(9, 30), tzinfo=clock.zone()).astimezone(UTC)
    # an invoice's payment terms; a credit note's refund of what was paid
    invoice.due_on = day + timedelta(days=int((invoice.issuer or {}).get("payment_days") or 30))
    attach_xrechnung(invoice)


def _issue(invoice: Invoice, tenant, actor: Actor, day: date) -> Invoice:
    invoices.issue(invoice, tenant, actor)
    _date_back(invoice, day)
    return invoice


def _log_late_service(contract: Contract, period: periods.Period, actor: Actor, today: date) -> bool:
    """A childcare service of the period logged late (the reason for the credit note), for an open case funded
    under the contract on that day."""
    day = min(period.end - timedelta(days=6), today)
    area = db.session.scalar(select(ServiceArea).where(ServiceArea.code == "childcare"))
    case = db.session.scalar(
        select(Case).join(Enrolment, Enrolment.case_id == Case.id)
        .where(Enrolment.contract_id == contract.id, Enrolment.from_on <= day, Enrolment.ends_on >= day,
               Case.opened_on <= day, Case.closed_on.is_(None)).order_by(Case.opened_on, Case.id).limit(1))
    if case is None or area is None:
        return False
    cases.add_service_entry(case, {"on": day, "minutes": 75, "service_area": area.code,
                                   "note": "Nachgetragen: Betreuung während einer Fortbildung der Mutter",
                                   "staff_user_id": case.case_manager_id}, actor)
    return True


def seed_billing(tenant, users, actor, **_kwargs):
    contract = db.session.scalar(select(Contract).where(Contract.status == "active", Contract.billing_cycle ==
                                                        "monthly").order_by(Contract.id))
    if contract is None:
        return []
    finance = users.get("finance") or users["owner"]
    frank = Actor(user_id=finance.id, role="finance", label=finance.email)
    today = clock.today()
    months = _months(contract, today)
    issued: dict[str, Invoice] = {}
    # the story, month by month in the order it happened; each run on the first days of the next month
    for index, month in enumerate(months):
        from_end = len(months) - 1 - index  # 0: the last closed month
        draft = _run(month.key, frank)
        if draft is None or from_end == 0:
            continue
        day = min(_workday(month.end + timedelta(days=3)), today)
        invoice = _issue(draft, tenant, frank, day)
        issued[month.key] = invoice
        if from_end >= 4:
            invoices.add_payment(invoice, min(day + timedelta(days=24), today), invoice.gross_cents, frank,
                                 note="Überweisung Jobcenter")
    keys = [m.key for m in months]
    lines = []
    # the credit note: the invoice three months back is cancelled, a late service added, the month billed again
    if len(keys) >= 4 and (wrong := issued.get(keys[-3])) is not None:
        day = min(_workday(wrong.issued_on + timedelta(days=39)), today)
        note = invoices.credit_note(wrong, tenant, frank, reason=CREDIT_NOTE_REASON)
        _date_back(note, day)
        _log_late_service(contract, periods.parse(wrong.period), frank, today)
        if (again := _run(wrong.period, frank)) is not None:
            _issue(again, tenant, frank, day)
        lines.append(f"  credit note {note.number} cancels {wrong.number}; {wrong.period} billed again")
    # a partial payment on the invoice two months back (issued last month, not yet due)
    if len(keys) >= 2 and (part := issued.get(keys[-2])) is not None and part.gross_cents > 1:
        invoices.add_payment(part, min(part.issued_on + timedelta(days=24), today), part.gross_cents // 2, frank,
                             note="Abschlagszahlung Jobcenter")
    # the invoice four months back stays unpaid: overdue (the daily beat task sends its payment reminders)
    db.session.flush()
    if not keys:
        return []
    statuses = Counter(i.status for i in db.session.scalars(select(Invoice).where(Invoice.kind == "invoice")))
    notes = db.session.scalar(select(func.count()).select_from(Invoice).where(Invoice.kind == "credit_note"))
    shown = ", ".join(f"{statuses[s]} {s.replace('_', ' ')}" for s in INVOICE_STATUSES if statuses[s])
    return [f"  billing of {keys[0]} … {keys[-1]} under “{contract.title}”: invoices {shown}; {notes} credit note",
            *lines]


def connect_signals() -> None:
    signals.demo_seeding.connect(seed_billing, weak=False)
