"""The XRechnung of an invoice made and checked while it is issued: a document the official rules refuse blocks
issuing (409 naming the rule and the field to fix, the number rolled back with the transaction); a valid one is
stored at once as the invoice's "xrechnung" file with its SHA-256."""

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from billing.einvoice import cii, messages, validate
from billing.models import Invoice, InvoiceDocument
from core import storage
from core.extensions import db
from core.problems import Conflict

log = logging.getLogger(__name__)


def checked_xml(invoice: Invoice) -> bytes:
    """The invoice's XRechnung, validated; Conflict naming each failed rule otherwise."""
    from billing.services.documents import invoice_data

    data = invoice_data(invoice)
    xml = cii.build(data)
    report = validate.validate(xml)
    if not report.complete and report.valid:
        raise RuntimeError(f"E-invoice validation incomplete: {report.ran}")
    if not report.valid:
        detail = messages.explain(report.problems, agency=(data["recipient"] or {}).get("name") or "",
                                  contract=data["contract"]["title"] or "")
        log.info("XRechnung refused: %s", [(p.rule, p.location) for p in report.problems])
        raise Conflict(_l("The XRechnung is invalid: %(problems)s. The invoice was not issued.", problems=detail),
                       messages.field_errors(report.problems))
    return xml


def attach_xrechnung(invoice: Invoice) -> InvoiceDocument:
    """Build, check and store the XRechnung of an invoice that was just given its number."""
    db.session.flush()
    db.session.expire(invoice, ["lines"])  # a credit note's lines were added after the object was made
    xml = checked_xml(invoice)
    doc = db.session.scalar(select(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice.id,
                                                          InvoiceDocument.kind == "xrechnung"))
    if doc is None:
        doc = InvoiceDocument(invoice_id=invoice.id, kind="xrechnung")
        db.session.add(doc)
    stored = storage.store(invoice.tenant_id, "invoices", xml, "xml")
    doc.path, doc.sha256, doc.size, doc.status, doc.error = stored.path, stored.sha256, stored.size, "done", ""
    db.session.flush()
    return doc
