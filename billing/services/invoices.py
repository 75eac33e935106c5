"""Invoices after the draft: issuing (gap-free numbers, frozen data, billed entries), credit notes, payments,
the overdue list and dunning, sending."""

from datetime import date, timedelta

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, insert, select, update

from billing import periods
from billing.einvoice import issuing as einvoice
from billing.models import (
    OPEN_STATES,
    Charge,
    DunningNotice,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Payment,
)
from billing.services import drafts
from cases.models import ServiceEntry
from core import audit, clock, search, transactions
from core.audit import Actor
from core.extensions import db
from core.models import utcnow
from core.problems import Conflict, NotFound, ValidationFailed
from core.tenancy.context import current_tenant_id
from core.validation import get_or_404
from network.models import Agency

# days after the due date at which each reminder goes out (level 1, 2, 3)
DUNNING_DAYS = (7, 21, 35)
ISSUER_FIELDS = ("name", "legal_name", "address", "tax_number", "vat_id", "register_number", "iban", "bic",
                 "contact_name", "phone", "email")


def get_invoice(invoice_id: int) -> Invoice:
    return get_or_404(Invoice, invoice_id, message=_l("No such invoice."))


def invoices_query(*, agency_id=None, contract_id=None, period=None, status=None, kind=None, q=None):
    """Invoices by the list's filters; `q` in the number, the agency's name or the contract's title (core.search:
    folded, literal)."""
    query = select(Invoice)
    if (by_number := search.matches(q, Invoice.number)) is not None:
        from contracts.models import Contract
        from network.models import Agency

        query = query.where(by_number | Invoice.agency_id.in_(select(Agency.id).where(search.matches(q, Agency.name)))
                            | Invoice.contract_id.in_(select(Contract.id).where(search.matches(q, Contract.title))))
    if agency_id:
        query = query.where(Invoice.agency_id == agency_id)
    if contract_id:
        query = query.where(Invoice.contract_id == contract_id)
    if period:
        query = query.where(Invoice.period == period)
    if kind:
        query = query.where(Invoice.kind == kind)
    if status == "overdue":
        query = query.where(Invoice.kind == "invoice", Invoice.state.in_(OPEN_STATES), Invoice.due_on < clock.today())
    elif status in OPEN_STATES:
        query = query.where(Invoice.state == status, (Invoice.kind == "credit_note") | Invoice.due_on.is_(None)
                            | (Invoice.due_on >= clock.today()))
    elif status:
        query = query.where(Invoice.state == status)
    return query


def totals(query) -> dict:
    """Sums of a list as they count: what was invoiced (credit notes taken back, drafts apart), paid and still
    open."""
    sub = query.order_by(None).subquery()
    c = sub.c
    issued = c.state != "draft"
    sign = case((c.kind == "credit_note", -1), else_=1)
    open_ = case((and_(c.kind == "invoice", c.state.in_(OPEN_STATES)), c.gross_cents - c.paid_cents), else_=0)

    def total(expression):
        return func.coalesce(func.sum(expression), 0)

    row = db.session.execute(select(
        func.count(), total(case((issued, 1), else_=0)), total(case((issued, sign * c.net_cents), else_=0)),
        total(case((issued, sign * c.gross_cents), else_=0)), total(c.paid_cents), total(open_),
        total(case((issued, 0), else_=1)), total(case((issued, 0), else_=c.gross_cents)))).one()
    return {"count": row[0], "issued": int(row[1]), "net_cents": int(row[2]), "gross_cents": int(row[3]),
            "paid_cents": int(row[4]), "open_cents": int(row[5]), "drafts": int(row[6]),
            "drafts_gross_cents": int(row[7])}


def _refuse_unless_draft(invoice: Invoice) -> None:
    if not invoice.is_draft:
        raise Conflict(_l("Invoice %(number)s has been issued; it can no longer be changed. A correction is a "
                          "credit note.", number=invoice.number or invoice.id))


def next_number(year: int) -> tuple[str, int]:
    """The next number of the tenant's sequence for `year`, e.g. 2026-00017: the counter row is incremented
    in the issuing transaction (its row lock holds concurrent issuers back until this one commits or rolls
    back, so numbers have no gaps and no duplicates; SQLite serialises writers anyway)."""
    tenant_id = current_tenant_id()
    bump = (update(InvoiceCounter).where(InvoiceCounter.year == year)
            .values(last_number=InvoiceCounter.last_number + 1).returning(InvoiceCounter.last_number))
    number = db.session.execute(bump).scalar()
    if number is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(InvoiceCounter).values(tenant_id=tenant_id, year=year, last_number=0))
        except Exception:  # noqa: BLE001 - another issuer created the year's row first: use it
            pass
        number = db.session.execute(bump).scalar()
    return f"{year:04d}-{number:05d}", number


def issuer_snapshot(tenant) -> dict:
    return {name: getattr(tenant, name, "") or "" for name in ISSUER_FIELDS} | {
        "payment_days": getattr(tenant, "payment_days", 30)}


def recipient_snapshot(agency: Agency) -> dict:
    return {"name": agency.name, "address": agency.address, "leitweg_id": agency.leitweg_id, "email": agency.email,
            "contact": agency.contact}


def issuer_missing(tenant) -> dict[str, str]:
    from tenants.services import issuer_problems

    return issuer_problems(tenant)


def issue(invoice: Invoice, tenant, actor: Actor) -> Invoice:
    """Number, freeze and bill a draft; its files are made once this transaction has committed."""
    _refuse_unless_draft(invoice)
    if missing := issuer_missing(tenant):
        raise Conflict(
            _l("The invoice cannot be issued: the alliance's issuer data is incomplete (%(fields)s). Complete it "
               "in the settings: %(url)s", fields=", ".join(str(m) for m in missing.values()),
               url=url_for("tenants.settings", slug=tenant.slug)),
            {name: [message] for name, message in missing.items()})
    contract = drafts.lock_contract(invoice.contract_id)
    plan, _left_out = drafts.plan_for(contract, periods.parse(invoice.period), invoice.id)
    current = plan.fingerprint() if plan else None
    stored = sorted([(k, a) for k, a in db.session.execute(
        select(Charge.key, Charge.amount_cents).where(Charge.invoice_id == invoice.id))]) + [
        ("total", invoice.net_cents, invoice.tax_cents, invoice.budget_cut_cents)]
    if current != stored:
        raise Conflict(_l("The services or terms changed since this draft was calculated. Recalculate it and "
                          "check it again before issuing."))
    agency = db.session.get(Agency, invoice.agency_id)
    if not agency.address.strip():
        raise Conflict(_l("The agency %(name)s has no postal address; an invoice needs the recipient's address.",
                          name=agency.name), {"agency": [_l("Address missing.")]})
    today = clock.today()
    invoice.number, _seq = next_number(today.year)
    invoice.state, invoice.issued_on, invoice.issued_at, invoice.issued_by_id = "issued", today, utcnow(), \
        actor.user_id
    invoice.due_on = today + timedelta(days=int(getattr(tenant, "payment_days", 30) or 30))
    invoice.issuer, invoice.recipient = issuer_snapshot(tenant), recipient_snapshot(agency)
    invoice.contract_title = contract.title
    # the XRechnung is checked by the official rules now: one they refuse stops issuing (the number goes back
    # with the rolled-back transaction); a valid one is stored with the invoice
    einvoice.attach_xrechnung(invoice)
    _mark_entries(invoice, actor)
    audit.record(actor, "invoice.issue", invoice, diff={"number": [None, invoice.number],
                                                        "gross_cents": [None, invoice.gross_cents]})
    _queue_files(invoice.id)
    return invoice


def _mark_entries(invoice: Invoice, actor: Actor) -> None:
    """The entries billed by the invoice become immutable (cases' mark: billed_at and the invoice line)."""
    at = utcnow()
    for line_id, count in db.session.execute(
            select(Charge.line_id, func.count()).where(Charge.invoice_id == invoice.id, Charge.kind == "entry")
            .group_by(Charge.line_id)).all():
        ids = select(Charge.service_entry_id).where(Charge.line_id == line_id, Charge.released_at.is_(None))
        marked = db.session.execute(
            update(ServiceEntry).where(ServiceEntry.id.in_(ids), ServiceEntry.billed_at.is_(None))
            .values(billed_at=at, invoice_line_id=line_id).execution_options(synchronize_session=False)
        ).rowcount
        if marked != count:
            raise Conflict(_l("Some services of this invoice were billed elsewhere or deleted; recalculate it."))
    audit.record(actor, "service_entry.bill", invoice, diff={"invoice": [None, invoice.number]})


def _queue_files(invoice_id: int) -> None:
    from billing.tasks import make_documents

    transactions.after_commit(lambda: make_documents.delay(invoice_id))


def credit_note(invoice: Invoice, tenant, actor: Actor, reason: str = "") -> Invoice:
    """Cancel an issued invoice in full by a credit note with its own number; its charges and entries are
    released for a later run."""
    if invoice.kind != "invoice" or invoice.state in ("draft", "cancelled"):
        raise Conflict(_l("Only an issued invoice can be cancelled by a credit note."))
    today = clock.today()
    note = Invoice(kind="credit_note", cancels_id=invoice.id, agency_id=invoice.agency_id,
                   contract_id=invoice.contract_id, period=invoice.period, period_start=invoice.period_start,
                   period_end=invoice.period_end, state="issued", issued_on=today, issued_at=utcnow(),
                   issued_by_id=actor.user_id, net_cents=invoice.net_cents, tax_cents=invoice.tax_cents,
                   # what was paid on the invoice is refunded within the usual payment terms
                   due_on=today + timedelta(days=int(getattr(tenant, "payment_days", 30) or 30)),
                   gross_cents=invoice.gross_cents, budget_cut_cents=invoice.budget_cut_cents, vat=invoice.vat,
                   vat_exempt_reason=invoice.vat_exempt_reason, issuer=issuer_snapshot(tenant),
                   recipient=invoice.recipient, contract_title=invoice.contract_title)
    note.number, _seq = next_number(today.year)
    db.session.add(note)
    db.session.flush()
    for line in invoice.lines:
        db.session.add(InvoiceLine(invoice_id=note.id, position=line.position, kind=line.kind, label=line.label,
                                   quantity=line.quantity, unit_cents=line.unit_cents,
                                   amount_cents=line.amount_cents, rate_line_id=line.rate_line_id,
                                   service_area_id=line.service_area_id, service_area_code=line.service_area_code))
    einvoice.attach_xrechnung(note)  # type 381, the cancelled invoice as preceding invoice (BT-25)
    invoice.state, invoice.cancelled_by_id = "cancelled", note.id
    at = utcnow()
    db.session.execute(update(ServiceEntry).where(ServiceEntry.id.in_(
        select(Charge.service_entry_id).where(Charge.invoice_id == invoice.id, Charge.kind == "entry")))
        .values(billed_at=None, invoice_line_id=None).execution_options(synchronize_session=False))
    db.session.execute(update(Charge).where(Charge.invoice_id == invoice.id, Charge.released_at.is_(None))
                       .values(released_at=at).execution_options(synchronize_session=False))
    audit.record(actor, "invoice.credit_note", invoice, diff={"credit_note": [None, note.number],
                                                              "reason": [None, reason[:300] or None]})
    _queue_files(note.id)
    return note


def add_payment(invoice: Invoice, on: date, amount_cents: int, actor: Actor, note: str = "") -> Payment:
    if invoice.kind != "invoice" or invoice.state not in OPEN_STATES:
        raise Conflict(_l("Payments are recorded on issued invoices that are not paid or cancelled."))
    errors = {}
    if amount_cents <= 0:
        errors["amount_cents"] = [_l("A payment is more than zero.")]
    elif amount_cents > invoice.gross_cents - invoice.paid_cents:
        errors["amount_cents"] = [_l("More than the open amount of %(open)s.",
                                     open=_money(invoice.gross_cents - invoice.paid_cents))]
    if invoice.issued_on and on < invoice.issued_on:
        errors["on"] = [_l("Before the invoice was issued.")]
    if on > clock.today():
        errors["on"] = [_l("In the future.")]
    if errors:
        raise ValidationFailed(_l("The payment was not recorded."), errors)
    payment = Payment(invoice_id=invoice.id, on=on, amount_cents=amount_cents, note=note[:300],
                      recorded_by_id=actor.user_id)
    db.session.add(payment)
    invoice.paid_cents += amount_cents
    invoice.state = "paid" if invoice.paid_cents >= invoice.gross_cents else "partly_paid"
    audit.record(actor, "invoice.payment", invoice, diff={"paid_cents": [invoice.paid_cents - amount_cents,
                                                                         invoice.paid_cents]})
    db.session.flush()
    return payment


def payments_of(invoice: Invoice) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.on,
                                                                                                  Payment.id)))


def _money(cents: int) -> str:
    from core.money import format_cents

    return format_cents(cents)


def overdue_query():
    return invoices_query(status="overdue").order_by(Invoice.due_on, Invoice.id)


def closed_periods(today: date) -> list[str]:
    """What beat bills on the first days of a month: the month just closed, and the quarter when one closed."""
    last_month = periods.period_of("monthly", today.replace(day=1) - timedelta(days=1))
    keys = [last_month.key]
    if last_month.end.month % 3 == 0:
        keys.append(periods.period_of("quarterly", last_month.end).key)
    return keys


def send_dunning(tenant, today: date) -> int:
    """Payment reminders for overdue invoices: each level once, recorded with the level reached."""
    from core.mail import send_mail

    sent = 0
    for invoice in db.session.scalars(overdue_query()):
        late = (today - invoice.due_on).days
        level = sum(1 for days in DUNNING_DAYS if late >= days)
        if level <= invoice.dunning_level:
            continue
        to = invoice.recipient.get("email") or ""
        if not to:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(DunningNotice(invoice_id=invoice.id, level=level, sent_to=to))
                db.session.flush()
        except Exception:  # noqa: BLE001 - this level went out already (a parallel task)
            continue
        invoice.dunning_level = level
        with force_locale("de"):
            subject = _("Payment reminder (%(level)s) for invoice %(number)s", level=level, number=invoice.number)
            body = _("Dear Sir or Madam,\n\nour invoice %(number)s of %(issued)s over %(amount)s was due on "
                     "%(due)s. Open: %(open)s. Please transfer the amount to %(iban)s.\n\n%(issuer)s",
                     number=invoice.number, issued=invoice.issued_on.strftime("%d.%m.%Y"),
                     amount=_money(invoice.gross_cents), due=invoice.due_on.strftime("%d.%m.%Y"),
                     open=_money(invoice.open_cents), iban=invoice.issuer.get("iban", ""),
                     issuer=invoice.issuer.get("legal_name") or invoice.issuer.get("name") or tenant.name)
        transactions.after_commit(lambda to=to, s=subject, b=body: send_mail(to, s, b))
        audit.record(Actor.system("dunning"), "invoice.dunning", invoice, diff={"level": [level - 1, level]})
        sent += 1
    return sent


def send(invoice: Invoice, tenant, actor: Actor) -> Invoice:
    """E-mail an issued invoice to the agency with its files attached (the XRechnung once it is made, the PDF and
    the statement of services) and a link to the agency portal; each sending is recorded (`InvoiceSending`: when,
    to whom, by whom, which files with their SHA-256)."""
    from billing.models import InvoiceSending
    from billing.services import documents
    from billing.services.sendings import being_made, portal_link
    from core.mail import send_mail
    from core.storage import sha256_of

    if invoice.is_draft or invoice.state == "cancelled":
        raise Conflict(_l("Only an issued invoice can be sent."))
    to = (invoice.recipient or {}).get("email") or ""
    if not to:
        raise Conflict(_l("The agency has no invoice e-mail address; add it to the agency first."),
                       {"email": [_l("Missing.")]})
    files = [documents.file_of(invoice, kind) for kind in ("pdf", "statement_pdf")]
    xrechnung = documents.file_of(invoice, "xrechnung")
    if xrechnung is None and being_made(invoice, "xrechnung"):
        files.append(None)
    if any(f is None for f in files):
        raise Conflict(_l("The invoice's files are still being made; try again in a moment."))
    if xrechnung is not None:
        files.insert(0, xrechnung)  # the structured invoice first: the agency's inbox reads it
    link = portal_link(invoice, tenant)
    with force_locale("de"):
        label = _("Credit note") if invoice.kind == "credit_note" else _("Invoice")
        subject = f"{label} {invoice.number} – {tenant.legal_name or tenant.name}"
        body = _("Dear Sir or Madam,\n\nplease find attached %(label)s %(number)s for %(period)s and the "
                 "statement of services.\n\nYour agency's users find it with all its files in the portal:\n"
                 "%(link)s\n\n%(issuer)s", label=label, number=invoice.number, period=invoice.period,
                 link=link, issuer=tenant.legal_name or tenant.name)
    attachments = [(name, data, mime) for data, mime, name in files]
    transactions.after_commit(lambda: send_mail(to, subject, body, attachments))
    invoice.sent_at, invoice.sent_to = utcnow(), to
    if invoice.state == "issued":
        invoice.state = "sent"
    sent = [{"name": name, "sha256": sha256_of(data), "size": len(data)} for data, _mime, name in files]
    db.session.add(InvoiceSending(invoice_id=invoice.id, sent_at=invoice.sent_at, sent_to=to,
                                  sent_by_id=actor.user_id, files=sent))
    audit.record(actor, "invoice.send", invoice, diff={
        "to": [None, to], "files": [None, {f["name"]: f["sha256"] for f in sent}]})
    db.session.flush()
    return invoice


def reverse_payment(invoice: Invoice, payment_id: int, actor: Actor) -> None:
    """Take back a payment recorded by mistake (the audit log keeps it); the open amount and status follow."""
    payment = db.session.scalar(select(Payment).where(Payment.invoice_id == invoice.id, Payment.id == payment_id))
    if payment is None:
        raise NotFound(_l("No such payment of this invoice."))
    if invoice.state not in (*OPEN_STATES, "paid"):
        raise Conflict(_l("Payments of a cancelled invoice are settled by its credit note."))
    invoice.paid_cents -= payment.amount_cents
    invoice.state = "partly_paid" if invoice.paid_cents > 0 else ("sent" if invoice.sent_at else "issued")
    audit.record(actor, "invoice.payment_reverse", invoice, diff={
        "paid_cents": [invoice.paid_cents + payment.amount_cents, invoice.paid_cents],
        "payment": [f"{payment.on.isoformat()} {payment.amount_cents}", None]})
    db.session.delete(payment)
    db.session.flush()
