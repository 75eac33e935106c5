"""The files of an issued invoice (PDF, statement of services as CSV and PDF): made once from the frozen invoice,
stored with their SHA-256 and never made again (a failed conversion is recorded and may be retried)."""

from flask import current_app
from sqlalchemy import select

from billing import invoice_documents as layout
from billing.einvoice.address import parse_address
from billing.models import Charge, Invoice, InvoiceDocument
from cases.models import Case, Client
from core import conversion, storage
from core.extensions import db
from core.problems import ServiceError
from network.models import ServiceArea

FILES = {  # kind -> (file suffix, MIME type)
    "pdf": ("pdf", "application/pdf"),
    "statement_csv": ("csv", "text/csv; charset=utf-8"),
    "statement_pdf": ("pdf", "application/pdf"),
    # XRechnung 3.0 (CII): made and validated while the invoice is issued (billing.einvoice.issuing)
    "xrechnung": ("xml", "application/xml"),
    # ZUGFeRD / Factur-X: the "pdf" above (PDF/A-3) with the XRechnung embedded; made after both
    "zugferd": ("pdf", "application/pdf"),
}
PREFIXES = {"pdf": "rechnung", "statement_csv": "leistungsnachweis", "statement_pdf": "leistungsnachweis",
            "xrechnung": "xrechnung", "zugferd": "zugferd"}


def invoice_data(invoice: Invoice) -> dict:
    """The invoice as the document layout reads it (plain data; nothing is looked up later)."""
    cancels = db.session.get(Invoice, invoice.cancels_id) if invoice.cancels_id else None
    issuer = dict(invoice.issuer or {})
    recipient = dict(invoice.recipient or {})
    seller_name = issuer.get("legal_name") or issuer.get("name") or ""
    return {
        "kind": invoice.kind, "number": invoice.number, "issued_on": invoice.issued_on, "due_on": invoice.due_on,
        "period": invoice.period, "period_start": invoice.period_start, "period_end": invoice.period_end,
        "issuer": issuer, "recipient": recipient,
        # the free-text addresses split for the e-invoice (street lines, postcode, city, country)
        "issuer_address": parse_address(issuer.get("address"), seller_name),
        "recipient_address": parse_address(recipient.get("address"), recipient.get("name") or ""),
        "contract": {"title": invoice.contract_title, "number": None},  # agreements carry no number of their own
        "lines": [{"position": line.position, "label": line.label, "kind": line.kind, "quantity": line.quantity,
                   "unit": {"per_unit": "h", "per_case_month": "case_month", "per_period": "period"}.get(line.kind, ""),
                   "unit_cents": line.unit_cents, "amount_cents": line.amount_cents} for line in invoice.lines],
        "budget_cut_cents": invoice.budget_cut_cents, "net_cents": invoice.net_cents,
        "tax_cents": invoice.tax_cents, "gross_cents": invoice.gross_cents, "vat": invoice.vat,
        "vat_rate": 0 if invoice.vat == "exempt" else int(invoice.vat),
        "vat_exempt_reason": invoice.vat_exempt_reason, "cancels_number": cancels.number if cancels else None,
        "cancels_issued_on": cancels.issued_on if cancels else None,
        "payment_days": int(issuer.get("payment_days") or 30),
    }


def statement_rows(invoice: Invoice) -> list[dict]:
    """What the invoice billed, charge by charge, by case pseudonym (never a name)."""
    billed_by = invoice.cancels_id or invoice.id  # a credit note states what it cancels
    query = (select(Charge, Client.pseudonym, ServiceArea.name)
             .outerjoin(Case, Case.id == Charge.case_id).outerjoin(Client, Client.id == Case.client_id)
             .outerjoin(ServiceArea, (Charge.kind == "entry") & (ServiceArea.id == _area_of_entry()))
             .where(Charge.invoice_id == billed_by)
             .order_by(Client.pseudonym, Charge.on, Charge.id))
    rows = []
    for charge, pseudonym, area in db.session.execute(query):
        rows.append({"pseudonym": pseudonym or "", "case_id": charge.case_id,
                     "on": charge.on if charge.kind == "entry" else None,
                     "month": charge.on.strftime("%Y-%m") if charge.kind == "case_month" and charge.on else None,
                     "service_area": area or "", "kind": charge.kind, "minutes": charge.minutes,
                     "amount_cents": charge.amount_cents})
    return rows


def _area_of_entry():
    from cases.models import ServiceEntry

    return (select(ServiceEntry.service_area_id).where(ServiceEntry.id == Charge.service_entry_id)
            .scalar_subquery())


class NotYet(Exception):
    """A file made from another one that is not there (the ZUGFeRD PDF needs the PDF and the XRechnung)."""


def _made(invoice: Invoice, kind: str) -> bytes | None:
    doc = documents_of(invoice).get(kind)
    return storage.read(doc.path, invoice.tenant_id) if doc is not None and doc.status == "done" else None


def _make(kind: str, invoice: Invoice) -> bytes:
    from billing.einvoice import issuing, zugferd

    if kind == "xrechnung":  # an invoice issued before e-invoices: made (and checked) now
        return issuing.checked_xml(invoice)
    if kind == "zugferd":
        pdf, xml = _made(invoice, "pdf"), _made(invoice, "xrechnung")
        if pdf is None or xml is None:
            raise NotYet("the PDF or the XRechnung is missing")
        issuer = invoice.issuer or {}
        return zugferd.build(pdf, xml, number=invoice.number, seller=issuer.get("legal_name") or issuer.get("name")
                             or "", credit_note=invoice.kind == "credit_note")
    data = invoice_data(invoice)
    if kind == "statement_csv":
        return layout.statement_csv(data, statement_rows(invoice))
    docx = (layout.render_invoice_docx(data) if kind == "pdf"
            else layout.statement_docx(data, statement_rows(invoice)))
    # the invoice as PDF/A-3b, so that its ZUGFeRD twin is the same PDF with the XML embedded
    return conversion.docx_to_pdf(docx, binary=current_app.config["SOFFICE_BINARY"], pdfa=kind == "pdf")


def make_files(invoice_id: int, tenant_id: int) -> str:
    """Each file of the invoice that is not there yet; those made already stay as they are."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.is_draft:
        return "missing"
    existing = {d.kind: d for d in db.session.scalars(select(InvoiceDocument)
                                                     .where(InvoiceDocument.invoice_id == invoice.id))}
    outcome = "done"
    for kind, (suffix, _mime) in FILES.items():
        doc = existing.get(kind)
        if doc is not None and doc.status == "done":
            continue
        if doc is None:
            doc = InvoiceDocument(invoice_id=invoice.id, kind=kind)
            db.session.add(doc)
        try:
            data = _make(kind, invoice)
        except (conversion.ConversionFailed, NotYet, ServiceError) as exc:
            doc.status, doc.error, outcome = "failed", str(exc)[:2000], "failed"
            continue
        stored = storage.store(tenant_id, "invoices", data, suffix)
        doc.path, doc.sha256, doc.size, doc.status, doc.error = stored.path, stored.sha256, stored.size, "done", ""
    db.session.flush()
    return outcome


def documents_of(invoice: Invoice) -> dict[str, InvoiceDocument]:
    return {d.kind: d for d in db.session.scalars(select(InvoiceDocument)
                                                 .where(InvoiceDocument.invoice_id == invoice.id))}


def file_of(invoice: Invoice, kind: str) -> tuple[bytes, str, str] | None:
    """(bytes, MIME type, file name) of a finished file, or None while it is being made."""
    doc = documents_of(invoice).get(kind)
    if doc is None or doc.status != "done":
        return None
    suffix, mime = FILES[kind]
    prefix = PREFIXES[kind]
    if invoice.kind == "credit_note" and kind == "pdf":
        prefix = "gutschrift"
    return storage.read(doc.path, invoice.tenant_id), mime, f"{prefix}-{invoice.number}.{suffix}"
