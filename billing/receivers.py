"""What billing answers to the layers below (core.signals): the links it adds to a contract's page, and why an
agency that was invoiced cannot be deleted, what the console shows of its usage, and which invoices must outlive
a closed alliance."""
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from billing.models import Invoice, InvoiceDocument, InvoiceLine, InvoiceSending, Payment
from contracts.models import Contract
from core import signals
from network.models import Agency
from tenants.roles import can

REFERENCES = {Agency: [(Invoice.agency_id, _l("Invoices to this agency exist."))]}


def referenced_by_invoices(row, **_kwargs) -> str | None:
    return signals.still_referenced(REFERENCES, row)


def contract_links(row, *, role, **_kwargs) -> list | None:
    """A contract's page links to its efficiency review report and its invoices (the pages live here, one layer
    up)."""
    if not isinstance(row, Contract) or not can(role, "contracts.read"):
        return None
    links = [signals.PageLink(_("Review of economic efficiency and quality"), _("Efficiency review report"),
                              url_for("billing.efficiency", contract_id=row.id))]
    if can(role, "invoices.read"):
        links.append(signals.PageLink(_("Invoicing"), _("Invoices of this agreement"),
                                      url_for("billing.invoices", contract_id=row.id)))
    return links


def invoices_this_year(tenant, **_kwargs) -> dict:
    """For the platform admin console: invoices issued in the alliance's current calendar year (credit notes
    not counted; runs inside its context)."""
    from sqlalchemy import func, select

    from core import clock
    from core.extensions import db

    start = clock.today().replace(month=1, day=1)
    count = db.session.scalar(select(func.count(Invoice.id)).where(
        Invoice.kind == "invoice", Invoice.number.is_not(None), Invoice.issued_on >= start))
    return {"invoices_this_year": count}


def retention_end(issued_on) -> date:
    """§ 147 AO, § 14b UStG: ten years from the end of the calendar year in which the invoice was issued."""
    return date(issued_on.year + 10, 12, 31)


def invoices_to_keep(tenant, *, today, **_kwargs) -> signals.RetentionHold | None:
    """Issued invoices and credit notes still within their retention period, with their lines, files and
    payments (the agencies and contracts they reference are kept with them through their foreign keys)."""
    from sqlalchemy import select

    from core.extensions import db

    issued = db.session.execute(select(Invoice.id, Invoice.issued_on).where(
        Invoice.number.is_not(None), Invoice.issued_on.is_not(None))).all()
    kept = [(row.id, retention_end(row.issued_on)) for row in issued if today <= retention_end(row.issued_on)]
    if not kept:
        return None
    ids = [invoice_id for invoice_id, _end in kept]
    rows = {"invoices": ids}
    for model in (InvoiceLine, InvoiceDocument, Payment, InvoiceSending):
        rows[model.__tablename__] = list(db.session.scalars(select(model.id).where(model.invoice_id.in_(ids))))
    return signals.RetentionHold(rows=rows, until=max(end for _id, end in kept), reason="§ 147 AO, § 14b UStG")


def connect_signals() -> None:
    signals.page_links.connect(contract_links, weak=False)
    signals.deletion_refused.connect(referenced_by_invoices, weak=False)
    signals.tenant_usage.connect(invoices_this_year, weak=False)
    signals.retention_holds.connect(invoices_to_keep, weak=False)
