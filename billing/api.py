"""API of billing/: billing runs and invoices (API.md `/billing/preview`, `/billing/runs`, `/invoices…`).

Agency members see only `GET` on invoices addressed to their own agency and on those invoices' files.
"""
from flask import Response, g, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from billing import invoice_documents, services
from billing.models import BillingRun, Invoice
from billing.schemas import (
    CreditNoteSchema,
    InvoiceDetailSchema,
    InvoiceListArgs,
    InvoiceSchema,
    PaymentSchema,
    PeriodSchema,
    PreviewSchema,
    RunListArgs,
    RunSchema,
    RunStartedSchema,
    SentSchema,
    StatementArgs,
)
from billing.services import documents
from billing.services import invoices as invoice_service
from billing.services import runs as run_service
from core import audit
from core.api import api_blueprint, list_schema, loads, page_of
from core.problems import Conflict, NotFound
from tenants.access import reads, requires
from tenants.roles import Role
from tenants.web import current_actor

billing_api = api_blueprint("api_billing", __name__, "/billing", description="Billing runs and their preview")
invoices_api = api_blueprint("api_invoices", __name__, "/invoices", description="Invoices and credit notes")
RunList = list_schema(RunSchema, "RunList")
InvoiceList = list_schema(InvoiceSchema, "InvoiceList")


def run_json(run: BillingRun) -> dict:
    return {"id": run.id, "period": run.period, "status": run.status, "progress": run_service.progress(run),
            "invoice_ids": list(run.invoice_ids or []), "unbilled_entries": list(run.unbilled or []),
            "created_at": run.created_at, "finished_at": run.finished_at, "error": run.error}


def preview_json(plan) -> dict:
    return {
        "id": None, "period": plan.period.key, "status": "preview", "progress": 100, "invoice_ids": [],
        "unbilled_entries": [u.as_dict() for u in plan.unbilled],
        "invoices": [{"agency_id": p.contract.agency_id, "contract_id": p.contract.id, "net_cents": p.net_cents,
                      "tax_cents": p.tax_cents, "gross_cents": p.gross_cents,
                      "budget_cut_cents": p.budget_cut_cents,
                      "lines": [{"position": i, "kind": line.kind, "label": line.label,
                                 "service_area_code": line.service_area_code or None, "quantity": line.quantity,
                                 "unit_cents": line.unit_cents, "amount_cents": line.amount_cents}
                                for i, line in enumerate(p.lines, start=1)]}
                     for p in plan.invoices],
    }


@billing_api.route("/preview", methods=["POST"])
@requires("billing.read")
@billing_api.arguments(PeriodSchema)
@billing_api.response(200, PreviewSchema)
def preview(data):
    """What a run of the period would bill now, and every entry it would leave out with the reason; creates
    nothing."""
    return preview_json(services.plan_period(services.parse_period(data["period"])))


@billing_api.route("/runs", methods=["GET"])
@requires("billing.read")
@billing_api.arguments(RunListArgs, location="query")
@billing_api.response(200, RunList)
def list_runs(args):
    page = page_of(select(BillingRun), BillingRun, args)
    return {"items": [run_json(r) for r in page["items"]], "next": page["next"]}


@billing_api.route("/runs", methods=["POST"])
@requires("billing.write")
@billing_api.arguments(PeriodSchema)
@billing_api.response(202, RunStartedSchema)
def start_run(data):
    """Start a run of the period (a run of it still at work is returned instead of a second one). It creates
    draft invoices; a later run bills only what is still unbilled."""
    run = services.start_run(data["period"], current_actor(), trigger="api")
    return {"id": run.id, "status": run.status}


@billing_api.route("/runs/<int:run_id>", methods=["GET"])
@requires("billing.read")
@billing_api.response(200, RunSchema)
def get_run(run_id):
    return run_json(services.get_run(run_id))


def agency_scope() -> int | None:
    """The agency an agency member is tied to (0: none, sees nothing); None for staff. The API, the pages and the
    portal all ask here."""
    membership = g.get("api_membership") or g.get("membership")
    if membership is None or membership.role != Role.AGENCY:
        return None
    return membership.agency_id or 0


def visible_invoice(invoice_id: int) -> Invoice:
    """The invoice if the caller may see it: another tenant's, or for an agency member another agency's or a
    draft, is a 404."""
    invoice = services.get_invoice(invoice_id)
    agency = agency_scope()
    if agency is not None and (invoice.agency_id != agency or invoice.is_draft):
        raise NotFound(_l("No such invoice."))  # a draft is not addressed yet: its files 404, as its detail
    return invoice


def _files(invoice: Invoice) -> dict:
    docs = documents.documents_of(invoice)
    urls = {}
    for kind, endpoint in (("pdf", "api_invoices.invoice_pdf"), ("statement_csv", "api_invoices.invoice_statement"),
                           ("statement_pdf", "api_invoices.invoice_statement"),
                           ("xrechnung", "api_invoices.invoice_xrechnung"),
                           ("zugferd", "api_invoices.invoice_zugferd")):
        doc = docs.get(kind)
        extra = {"format": "pdf"} if kind == "statement_pdf" else {}
        urls[kind] = (url_for(endpoint, invoice_id=invoice.id, **extra)
                      if doc is not None and doc.status == "done" else None)
    return urls


def _detail(invoice: Invoice) -> dict:
    # raw values: the response schema dumps them (dumping here too would feed it strings for dates)
    data = {name: getattr(invoice, field.attribute or name) for name, field in InvoiceSchema().dump_fields.items()}
    data["payments"] = services.payments_of(invoice)
    data["files"] = _files(invoice)
    return data


@invoices_api.route("", methods=["GET"])
@requires("invoices.read")
@invoices_api.arguments(InvoiceListArgs, location="query")
@invoices_api.response(200, InvoiceList)
def list_invoices(args):
    """Invoices and credit notes, filtered by agency, contract, period, status (`overdue` included) and kind."""
    agency = agency_scope()
    agency_id = args.get("agency_id")
    if agency is not None:
        if agency_id and agency_id != agency:
            return {"items": [], "next": None}
        agency_id = agency
    query = invoice_service.invoices_query(agency_id=agency_id, contract_id=args.get("contract_id"),
                                           period=args.get("period"), status=args.get("status"),
                                           kind=args.get("kind"))
    if agency is not None:
        query = query.where(Invoice.state != "draft")  # an agency sees what was issued to it
    return page_of(query, Invoice, args)


@invoices_api.route("/<int:invoice_id>", methods=["GET"])
@requires("invoices.read")
@invoices_api.response(200, InvoiceDetailSchema)
def get_invoice(invoice_id):
    invoice = visible_invoice(invoice_id)
    if agency_scope() is not None and invoice.is_draft:
        raise NotFound(_l("No such invoice."))
    return _detail(invoice)


@invoices_api.route("/<int:invoice_id>", methods=["DELETE"])
@requires("billing.write")
@invoices_api.response(204)
def delete_invoice(invoice_id):
    """Delete a draft (its charges return); an issued invoice is a 409."""
    services.delete_draft(services.get_invoice(invoice_id), current_actor())


@invoices_api.route("/<int:invoice_id>/recalculate", methods=["POST"])
@requires("billing.write")
@invoices_api.response(200, InvoiceDetailSchema)
def recalculate_invoice(invoice_id):
    """Rewrite a draft from the current services and terms (404 when nothing is left to bill: it is gone)."""
    result = services.recalculate(services.get_invoice(invoice_id), current_actor())
    if result is None:
        raise NotFound(_l("Nothing is left to bill: the draft was removed."))
    return _detail(result)


@invoices_api.route("/<int:invoice_id>/issue", methods=["POST"])
@requires("billing.write")
@invoices_api.response(200, InvoiceDetailSchema)
def issue_invoice(invoice_id):
    """Assign the next number, freeze the invoice, mark its entries billed; its files follow."""
    invoice = services.issue(services.get_invoice(invoice_id), g.tenant, current_actor())
    return _detail(invoice)


@invoices_api.route("/<int:invoice_id>/credit-note", methods=["POST"])
@requires("billing.write")
@loads(Invoice, "invoice_id")
@invoices_api.arguments(CreditNoteSchema)
@invoices_api.response(201, InvoiceDetailSchema)
def credit_note(data, invoice):
    """Cancel an issued invoice in full by a credit note; its charges become billable again."""
    note = services.credit_note(invoice, g.tenant, current_actor(), data["reason"])
    return _detail(note)


@invoices_api.route("/<int:invoice_id>/payments", methods=["POST"])
@requires("billing.write")
@loads(Invoice, "invoice_id")  # another tenant's id is a 404 whatever the body holds
@invoices_api.arguments(PaymentSchema)
@invoices_api.response(201, PaymentSchema)
def add_payment(data, invoice):
    return services.add_payment(invoice, data["on"], data["amount_cents"], current_actor(), data.get("note", ""))


@invoices_api.route("/<int:invoice_id>/payments/<int:payment_id>", methods=["DELETE"])
@requires("billing.write")
@invoices_api.response(204)
def reverse_payment(invoice_id, payment_id):
    """Take back a payment recorded by mistake (kept in the audit log)."""
    invoice_service.reverse_payment(services.get_invoice(invoice_id), payment_id, current_actor())


@invoices_api.route("/<int:invoice_id>/send", methods=["POST"])
@requires("billing.write")
@invoices_api.response(200, SentSchema)
def send_invoice(invoice_id):
    """E-mail the issued invoice with its files to the agency's invoice address."""
    invoice = invoice_service.send(services.get_invoice(invoice_id), g.tenant, current_actor())
    return {"sent_at": invoice.sent_at, "to": invoice.sent_to}


def download(invoice: Invoice, kind: str) -> Response:
    """A file of an issued invoice; every download is audited (who, which file, when)."""
    if invoice.is_draft:
        raise Conflict(_l("A draft has no files; they are made when it is issued."))
    found = documents.file_of(invoice, kind)
    if found is None:
        raise Conflict(_l("The file is still being made; try again in a moment."))
    data, mime, name = found
    if kind == "statement_csv" and request.args.get("header") == "keys":
        data = invoice_documents.with_key_header(data)
    audit.record(current_actor(), "invoice.download", invoice, diff={"file": [None, name]})
    return Response(data, content_type=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@invoices_api.route("/<int:invoice_id>/pdf", methods=["GET"])
@requires("invoices.read")
@reads("invoices", "invoice_id")
def invoice_pdf(invoice_id):
    return download(visible_invoice(invoice_id), "pdf")


@invoices_api.route("/<int:invoice_id>/xrechnung", methods=["GET"])
@requires("invoices.read")
@reads("invoices", "invoice_id")
def invoice_xrechnung(invoice_id):
    """The XRechnung 3.0 (UN/CEFACT CII XML), checked by the EN 16931 and XRechnung rules when it was issued."""
    return download(visible_invoice(invoice_id), "xrechnung")


@invoices_api.route("/<int:invoice_id>/zugferd", methods=["GET"])
@requires("invoices.read")
@reads("invoices", "invoice_id")
def invoice_zugferd(invoice_id):
    """The invoice PDF as ZUGFeRD / Factur-X (PDF/A-3, profile EN 16931) with the XRechnung embedded."""
    return download(visible_invoice(invoice_id), "zugferd")


@invoices_api.route("/<int:invoice_id>/statement", methods=["GET"])
@requires("invoices.read")
@reads("invoices", "invoice_id")
@invoices_api.arguments(StatementArgs, location="query")
def invoice_statement(args, invoice_id):
    """The statement of services (pseudonymised): CSV, or PDF with `?format=pdf`."""
    return download(visible_invoice(invoice_id), "statement_pdf" if args["format"] == "pdf" else "statement_csv")


blueprints = (billing_api, invoices_api)
