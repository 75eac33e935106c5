"""What the sending of an invoice (billing.services.invoices.send) needs besides the mail: the portal's address
for the mail's link, whether a file is still under way, and the record of past sendings for the invoice page."""

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from billing.models import Invoice, InvoiceSending
from billing.services import documents
from core.extensions import db


def being_made(invoice: Invoice, kind: str) -> bool:
    """Whether a file of `kind` is under way for the invoice (recorded, not done yet)."""
    doc = documents.documents_of(invoice).get(kind)
    return doc is not None and doc.status == "pending"


def portal_link(invoice: Invoice, tenant) -> str:
    """The invoice's page in the agency portal as an absolute address: from the request when there is one (its
    host; behind the ingress via TRUSTED_PROXIES), else from PUBLIC_BASE_URL (a task or the CLI has no host and
    no SERVER_NAME is configured)."""
    if has_request_context():
        return url_for("billing_portal.invoice", slug=tenant.slug, invoice_id=invoice.id, _external=True)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/{tenant.slug}/portal/invoices/{invoice.id}"


def sendings_of(invoice: Invoice) -> list[dict]:
    """The invoice's sendings, newest first, with the sender's e-mail address."""
    from tenants.models import User

    rows = db.session.execute(select(InvoiceSending, User.email).outerjoin(User, User.id == InvoiceSending.sent_by_id)
                              .where(InvoiceSending.invoice_id == invoice.id)
                              .order_by(InvoiceSending.sent_at.desc(), InvoiceSending.id.desc())).all()
    return [{"sent_at": row.sent_at, "sent_to": row.sent_to, "sender": email, "files": list(row.files or [])}
            for row, email in rows]
