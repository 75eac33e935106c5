"""The agency portal: a member with the `agency` role sees the invoices and credit notes issued to its own agency
(number, period, amounts, status) and downloads their files; nothing else of the alliance. Its start page after
login. Staff who open a portal address are sent to the alliance's own invoice pages.

Every download goes through `billing.api.download` (audited as `invoice.download`: who, which file, when).
"""

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from billing import api, services
from billing.forms import CREDIT_NOTE_PDF_LABEL, FILE_LABELS, INVOICE_STATUS_LABELS, KIND_LABELS
from billing.models import Invoice
from billing.services import documents
from core.extensions import db
from core.forms import problem_text
from core.problems import ServiceError
from tenants.access import reads, requires
from tenants.navigation import nav_item, start_page
from tenants.roles import Role
from tenants.web import tenant_blueprint

bp = tenant_blueprint("billing_portal", __name__, "/portal")
nav_item("billing_portal.portal", "My invoices", "portal.read", 1)
start_page(Role.AGENCY, "billing_portal.portal")

# the order files are offered in; kinds the documents module does not (yet) make are left out
FILE_ORDER = ("pdf", "xrechnung", "zugferd", "statement_pdf", "statement_csv")
EXTRA_LABELS = {"xrechnung": _l("XRechnung (XML)"), "zugferd": _l("ZUGFeRD (PDF with XML)")}


def portal_kinds() -> list[str]:
    """The file kinds of an issued invoice, in the portal's order."""
    return [k for k in FILE_ORDER if k in documents.FILES] + [k for k in documents.FILES if k not in FILE_ORDER]


def file_label(kind: str, invoice: Invoice | None = None) -> str:
    if kind == "pdf" and invoice is not None and invoice.kind == "credit_note":
        return str(CREDIT_NOTE_PDF_LABEL)
    return str(FILE_LABELS.get(kind) or EXTRA_LABELS.get(kind) or kind)


def _files(invoice: Invoice) -> list[dict]:
    """The finished files of an issued invoice with their download addresses."""
    if invoice.is_draft:
        return []
    docs = documents.documents_of(invoice)
    out = []
    for kind in portal_kinds():
        doc = docs.get(kind)
        if doc is not None and doc.status == "done":
            out.append({"kind": kind, "label": file_label(kind, invoice), "sha256": doc.sha256,
                        "url": url_for(f"billing_portal.file_{kind}", invoice_id=invoice.id)})
    return out


def _context(**extra) -> dict:
    return {"statuses": INVOICE_STATUS_LABELS, "kinds": KIND_LABELS, **extra}


PAGE_SIZE = 50


def _by_number(query) -> tuple[list, str | None]:
    """One page, newest number first (numbers follow the order of issuing; ids do not: drafts come first), and
    the number to continue before."""
    before = request.args.get("before", "")
    if re.fullmatch(r"\d{4}-\d{5}", before):
        query = query.where(Invoice.number < before)
    rows = list(db.session.scalars(query.order_by(None).order_by(Invoice.number.desc()).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].number if more and rows else None)


@bp.get("")
@requires("invoices.read")
def portal():
    """The agency's issued invoices and credit notes, newest first, each with its downloads."""
    agency = api.agency_scope()
    if agency is None:
        return redirect(url_for("billing.invoices"))
    if not agency:
        return render_template("billing/portal.html", invoices=[], totals=None, no_agency=True, next_before=None,
                               **_context())
    query = services.invoices_query(agency_id=agency).where(Invoice.state != "draft")
    rows, next_before = _by_number(query)
    return render_template("billing/portal.html", invoices=[(i, _files(i)) for i in rows],
                           totals=services.totals(query), no_agency=False, next_before=next_before,
                           agency=rows[0].agency if rows else None, **_context())


@bp.get("/invoices/<int:invoice_id>")
@requires("invoices.read")
@reads("invoices", "invoice_id")
def invoice(invoice_id: int):
    found = api.visible_invoice(invoice_id)
    if api.agency_scope() is None:
        return redirect(url_for("billing.invoice", invoice_id=found.id))
    cancels = services.get_invoice(found.cancels_id) if found.cancels_id else None
    from billing.views import _quantity

    return render_template("billing/portal_invoice.html", invoice=found, files=_files(found), cancels=cancels,
                           lines=[(line, _quantity(line)) for line in found.lines], **_context())


def _download(invoice_id: int, kind: str):
    invoice = api.visible_invoice(invoice_id)
    try:
        return api.download(invoice, kind)
    except ServiceError as exc:
        flash(problem_text(exc), "error")
        return redirect(url_for("billing_portal.invoice", invoice_id=invoice_id))


def _download_view(kind: str):
    def view(invoice_id: int):
        return _download(invoice_id, kind)

    view.__name__ = f"file_{kind}"
    view.__doc__ = f"The invoice's file `{kind}` (audited as invoice.download)."
    return view


# one address per file kind (…/files/pdf, …/files/xrechnung, …), so that each is probed and audited on its own
for _kind in documents.FILES:
    bp.add_url_rule(f"/invoices/<int:invoice_id>/files/{_kind}", endpoint=f"file_{_kind}",
                    view_func=requires("invoices.read")(reads("invoices", "invoice_id")(_download_view(_kind))),
                    methods=["GET"])

