"""Pages of billing/: billing runs with their preview and progress, invoices and credit notes with their
payments and files, the overdue list, and the efficiency review report of a contract."""

from datetime import UTC, date, timedelta

from flask import Response, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from billing import api, periods, services
from billing import efficiency_document as document
from billing import today as _today_items  # noqa: F401  (registers the start page's items for the pages below)
from billing.efficiency import default_period, efficiency_report
from billing.efficiency_charts import efficiency_charts
from billing.forms import (
    CHARGE_KIND_LABELS,
    CREDIT_NOTE_PDF_LABEL,
    FILE_LABELS,
    FILE_STATE_LABELS,
    INVOICE_STATUS_LABELS,
    KIND_LABELS,
    REASON_LABELS,
    RUN_STATUS_LABELS,
    ActionForm,
    CreditNoteForm,
    PaymentForm,
    PeriodForm,
)
from billing.models import OPEN_STATES, BillingRun, Charge, Invoice
from billing.services import documents, drafts, sendings
from billing.services import invoices as invoice_service
from billing.services import runs as run_service
from contracts import services as contracts
from contracts.models import Contract
from core import audit, clock, confirmation
from core.conversion import ConversionFailed, docx_to_pdf
from core.extensions import db
from core.forms import apply_service_errors, arg_int, flash_outcome, problem_text, run_form, submit
from core.htmx import partial_request, refresh_page, render_page
from core.models import utcnow
from core.money import cents_to_input, format_cents, parse_euros
from core.problems import Conflict, ServiceError
from network import services as network
from network.models import ServiceArea
from tenants.access import reads, requires
from tenants.navigation import nav_item
from tenants.roles import can
from tenants.web import current_actor, tenant_blueprint

bp = tenant_blueprint("billing", __name__)
bp.add_app_template_filter(periods.label, "billing_period")  # "2026-07" → "Juli 2026" wherever a period shows
nav_item("billing.runs", "Billing", "billing.read", 50)
nav_item("billing.invoices", "Invoices", "billing.read", 52)  # agency members: the portal (billing.portal)


def _period(contract) -> tuple[date, date]:
    """The period from ?from=&to= (ISO dates); the contract's validity clipped to today by default."""
    first, last = default_period(contract, clock.today())
    try:
        if request.args.get("from"):
            first = date.fromisoformat(request.args["from"])
        if request.args.get("to"):
            last = date.fromisoformat(request.args["to"])
    except ValueError:
        flash(_("Not a valid date; the default period is shown."), "error")
        return default_period(contract, clock.today())
    if last < first:
        flash(_("The end of the period lies before its start; the default period is shown."), "error")
        return default_period(contract, clock.today())
    return first, last


def _report(contract_id: int) -> dict:
    contract = contracts.get_contract(contract_id)
    return efficiency_report(contract, *_period(contract))


@bp.get("/contracts/<int:contract_id>/efficiency")
@requires("contracts.read")
def efficiency(contract_id: int):
    report = _report(contract_id)
    names = document.labels()
    lines = [dict(x, title=document.line_label(x, names["kinds"]), quantity_text=document.quantity_text(x))
             for x in report["lines"]]
    outcomes = [(names["outcomes"].get(k, k), n) for k, n in report["outcomes"].items()]
    invoiced = _invoiced(report["contract"].id, report["period_from"], report["period_to"])
    return render_template("billing/efficiency.html", contract=report["contract"], report=report, lines=lines,
                           outcomes=outcomes, share=document.percent(report["budget_share"]),
                           first=report["period_from"], last=report["period_to"], invoiced=invoiced,
                           invoice_statuses=INVOICE_STATUS_LABELS,
                           charts=efficiency_charts(report, lines, outcomes, invoiced))


def _invoiced(contract_id: int, first: date, last: date) -> dict:
    """What was invoiced under the contract for billing periods overlapping [first, last]: the net of its
    invoices that are not cancelled (drafts counted apart), beside the amounts the agreement's terms give."""
    rows = list(db.session.scalars(
        select(Invoice).where(Invoice.contract_id == contract_id, Invoice.kind == "invoice",
                              Invoice.state != "cancelled", Invoice.period_start <= last, Invoice.period_end >= first)
        .order_by(Invoice.period_start, Invoice.id)))
    issued = [i for i in rows if not i.is_draft]
    return {"invoices": rows, "net_cents": sum(i.net_cents for i in issued),
            "gross_cents": sum(i.gross_cents for i in issued), "paid_cents": sum(i.paid_cents for i in issued),
            "draft_net_cents": sum(i.net_cents for i in rows if i.is_draft)}


@bp.get("/contracts/<int:contract_id>/efficiency.pdf")
@requires("contracts.read")
def efficiency_pdf(contract_id: int):
    report = _report(contract_id)
    contract, first, last = report["contract"], report["period_from"], report["period_to"]
    try:
        pdf = docx_to_pdf(document.report_docx(report), binary=current_app.config["SOFFICE_BINARY"])
    except ConversionFailed as exc:
        flash(_("The PDF could not be created (%(reason)s).", reason=str(exc)), "error")
        return redirect(url_for("billing.efficiency", contract_id=contract.id,
                                **{"from": first.isoformat(), "to": last.isoformat()}))
    audit.record(current_actor(), "contract.efficiency_report", contract,
                 diff={"period": [None, f"{first.isoformat()}/{last.isoformat()}"]})
    name = f"wirtschaftlichkeit-{contract.id}-{first.isoformat()}-{last.isoformat()}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- billing runs and their preview ---------------------------------------------------------------------------

PAGE_SIZE = 50


def _last_month() -> str:
    first = clock.today().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def _before() -> int | None:
    """The keyset of a list page: rows with an id below this one (the next page), else the first page."""
    return arg_int("before")


def _keyset(query, column) -> tuple[list, int | None]:
    """One page of a list ordered by id, newest first, and the id to continue from (None on the last page)."""
    before = _before()
    if before is not None:
        query = query.where(column < before)
    rows = list(db.session.scalars(query.order_by(None).order_by(column.desc()).limit(PAGE_SIZE + 1)).unique())
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].id if more and rows else None)


def _area_names() -> dict[int, str]:
    return dict(db.session.execute(select(ServiceArea.id, ServiceArea.name)).all())


def _contract_titles(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Contract.id, Contract.title).where(Contract.id.in_(ids))).all())


def _unbilled_rows(items) -> list[dict]:
    """Entries left out, as the pages show them: date, case, area, minutes and the reason in words."""
    areas = _area_names()
    rows = []
    for item in items:
        data = item.as_dict() if hasattr(item, "as_dict") else dict(item)
        on = data.get("on")
        rows.append({"entry_id": data.get("entry_id"), "case_id": data.get("case_id"),
                     "on": date.fromisoformat(on) if isinstance(on, str) else on,
                     "area": areas.get(data.get("service_area_id"), "–"), "minutes": data.get("minutes") or 0,
                     "reason": data.get("reason"), "reason_label": REASON_LABELS.get(data.get("reason"),
                                                                                     data.get("reason")),
                     "contract_ids": data.get("contract_ids") or []})
    return rows


@bp.get("/billing")
@requires("billing.read")
def runs():
    return _runs_page(PeriodForm(data={"period": request.args.get("period") or _last_month()}))


def _runs_page(form: PeriodForm, status: int = 200):
    """The list of runs with the period form (shown again with its message when a run was refused)."""
    rows, next_before = _keyset(services.runs_query(), BillingRun.id)
    return render_template("billing/runs.html", runs=rows, next_before=next_before, form=form,
                           statuses=RUN_STATUS_LABELS, progress=run_service.progress), status


@bp.get("/billing/preview")
@requires("billing.read")
def preview():
    key = (request.args.get("period") or _last_month()).strip()
    try:
        period = services.parse_period(key)
    except ServiceError as exc:
        flash(problem_text(exc), "error")
        return redirect(url_for("billing.runs"))
    plan = services.plan_period(period)
    by_agency: dict[int, dict] = {}
    for invoice in plan.invoices:
        agency = invoice.contract.agency
        group = by_agency.setdefault(invoice.contract.agency_id, {"agency": agency, "invoices": []})
        group["invoices"].append(invoice)
    totals = {"net_cents": sum(p.net_cents for p in plan.invoices),
              "tax_cents": sum(p.tax_cents for p in plan.invoices),
              "gross_cents": sum(p.gross_cents for p in plan.invoices)}
    return render_template("billing/preview.html", period=period, groups=list(by_agency.values()), totals=totals,
                           unfinished=run_service.unfinished(period.key),
                           unbilled=_unbilled_rows(plan.unbilled), form=PeriodForm(data={"period": period.key}),
                           titles=_contract_titles(c for u in plan.unbilled for c in u.contract_ids))


@bp.post("/billing/runs")
@requires("billing.write")
def start_run():
    form = PeriodForm()
    run = submit(form, lambda: services.start_run((form.period.data or "").strip(), current_actor(), trigger="web"))
    if not run:
        return _runs_page(form, status=422)
    flash(_("The billing run of %(period)s has started.", period=run.period), "success")
    return redirect(url_for("billing.run", run_id=run.id))


def _run_context(run: BillingRun) -> dict:
    invoices = []
    if run.invoice_ids:
        invoices = list(db.session.scalars(select(Invoice).where(Invoice.id.in_(run.invoice_ids))
                                           .order_by(Invoice.id)))
    unbilled = _unbilled_rows(run.unbilled or [])
    return {"run": run, "progress": run_service.progress(run), "statuses": RUN_STATUS_LABELS,
            "working": run.status in ("pending", "running"), "invoices": invoices, "unbilled": unbilled,
            "invoice_statuses": INVOICE_STATUS_LABELS,
            "titles": _contract_titles([i.contract_id for i in invoices]
                                       + [c for u in unbilled for c in u["contract_ids"]]),
            "stuck": _stuck(run), "unfinished": run_service.unfinished(run.period)}


def _stuck(run: BillingRun) -> bool:
    """A run still marked at work long after it started: its worker has probably died (retry continues it)."""
    if run.status not in ("pending", "running"):
        return False
    since = run.started_at or run.created_at
    if since is None:
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return utcnow() - since > STUCK_AFTER


STUCK_AFTER = timedelta(minutes=10)


@bp.get("/billing/runs/<int:run_id>")
@requires("billing.read")
def run(run_id: int):
    return render_template("billing/run.html", **_run_context(services.get_run(run_id)))


@bp.get("/billing/runs/<int:run_id>/progress")
@requires("billing.read")
def run_progress(run_id: int):
    """The run's status and progress as an HTML fragment, polled by htmx every two seconds while the run works;
    once it has ended, htmx is told to reload the page, which then shows the invoices and the entries left out."""
    context = _run_context(services.get_run(run_id))
    response = make_response(render_template("billing/_run_progress.html", **context))
    if partial_request() and not context["working"]:
        refresh_page(response)
    return response


@bp.post("/billing/runs/<int:run_id>/retry")
@requires("billing.write")
def retry_run(run_id: int):
    run = services.get_run(run_id)
    if ActionForm().validate_on_submit():
        flash_outcome(lambda: services.retry(run, current_actor()), _("The run continues."))
    return redirect(url_for("billing.run", run_id=run.id))


# --- invoices ------------------------------------------------------------------------------------------------


def _filters() -> dict:
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    period = (request.args.get("period") or "").strip() or None
    if period is not None:
        try:
            period = services.parse_period(period).key
        except ServiceError:
            flash(_("Not a billing period: %(value)s. A month (2026-10) or a quarter (2026-Q4).", value=period),
                  "error")
            period = None
    return {"agency_id": arg_int("agency_id"), "contract_id": arg_int("contract_id"), "period": period,
            "status": status if status in INVOICE_STATUS_LABELS else None,
            "kind": kind if kind in KIND_LABELS else None, "q": (request.args.get("q") or "").strip()[:200] or None}


def _list_page(query, template: str, partial: str, endpoint: str, filters: dict):
    """A list of invoices: the whole page, or for htmx (its filters) only the results."""
    agency = api.agency_scope()
    if agency is not None:
        query = query.where(Invoice.agency_id == agency, Invoice.state != "draft")
    sums = services.totals(query)
    rows, next_before = _keyset(query, Invoice.id)
    scoped = agency is not None
    agencies = [] if scoped else network.list_agencies()
    contract_list = [] if scoped else list(db.session.scalars(select(Contract).order_by(Contract.title)))
    return render_page(template, partial, invoices=rows, next_before=next_before, totals=sums, filters=filters,
                       filter_args={k: v for k, v in filters.items() if v}, endpoint=endpoint,
                       agencies=agencies, contracts=contract_list, statuses=INVOICE_STATUS_LABELS,
                       kinds=KIND_LABELS, scoped=scoped, today=clock.today())


@bp.get("/invoices")
@requires("billing.read")  # agency members use the portal (billing.portal)
def invoices():
    filters = _filters()
    agency = api.agency_scope()
    if agency is not None:
        filters["agency_id"] = None  # an agency sees its own invoices only
    return _list_page(services.invoices_query(**filters), "billing/invoices.html", "billing/_invoices_results.html",
                      "billing.invoices", filters)


@bp.get("/invoices/overdue")
@requires("billing.read")  # agency members use the portal (billing.portal)
def overdue():
    return _list_page(services.overdue_query(), "billing/overdue.html", "billing/_invoice_table.html",
                      "billing.overdue", {})


def _charges_summary(invoice: Invoice) -> list[tuple[str, int, int]]:
    """(kind label, count, cents) of what the invoice billed (a credit note: what it cancelled)."""
    billed_by = invoice.cancels_id or invoice.id
    rows = db.session.execute(select(Charge.kind, func.count(), func.coalesce(func.sum(Charge.amount_cents), 0))
                              .where(Charge.invoice_id == billed_by).group_by(Charge.kind)).all()
    order = list(CHARGE_KIND_LABELS)
    return [(CHARGE_KIND_LABELS.get(k, k), n, int(c))
            for k, n, c in sorted(rows, key=lambda r: order.index(r[0]) if r[0] in order else 99)]


def _files(invoice: Invoice) -> list[dict]:
    if invoice.is_draft:
        return []
    docs = documents.documents_of(invoice)
    endpoints = {"pdf": "billing.invoice_pdf", "statement_csv": "billing.invoice_statement_csv",
                 "statement_pdf": "billing.invoice_statement_pdf", "xrechnung": "billing.invoice_xrechnung",
                 "zugferd": "billing.invoice_zugferd"}
    out = []
    for kind, label in FILE_LABELS.items():
        if kind == "pdf" and invoice.kind == "credit_note":
            label = CREDIT_NOTE_PDF_LABEL
        doc = docs.get(kind)
        status = doc.status if doc is not None else "pending"
        out.append({"kind": kind, "label": label, "status": status,
                    "url": url_for(endpoints[kind], invoice_id=invoice.id) if status == "done" else None,
                    "state_label": FILE_STATE_LABELS.get(status, ""), "sha256": doc.sha256 if doc else None})
    return out


def _quantity(line) -> str:
    if line.kind == "per_unit":
        return _("%(hours)s h", hours=format_decimal(line.quantity, format="#,##0.00##"))
    return format_decimal(line.quantity, format="#,##0.##")


def _render_invoice(invoice: Invoice, payment_form=None, credit_form=None, status: int = 200):
    related = None
    if invoice.cancels_id:
        related = db.session.get(Invoice, invoice.cancels_id)
    elif invoice.cancelled_by_id:
        related = db.session.get(Invoice, invoice.cancelled_by_id)
    if payment_form is None:
        payment_form = PaymentForm(data={"on": clock.today(),
                                         "amount": cents_to_input(invoice.gross_cents - invoice.paid_cents)})
    writable = api.agency_scope() is None and can(g.membership.role, "billing.write")
    staff = api.agency_scope() is None and can(g.membership.role, "billing.read")
    stale = invoice.is_draft and not drafts.is_current(invoice)
    return render_template(
        "billing/invoice.html", invoice=invoice, related=related, stale=stale, statuses=INVOICE_STATUS_LABELS,
        kinds=KIND_LABELS, lines=[(line, _quantity(line)) for line in invoice.lines],
        charges=_charges_summary(invoice), files=_files(invoice), payments=services.payments_of(invoice),
        payment_form=payment_form, credit_form=credit_form or CreditNoteForm(), action_form=ActionForm(),
        writable=writable, open_states=OPEN_STATES,
        contract_link=can(g.membership.role, "contracts.read"),
        downloads=_download_log(invoice) if staff else [],
        sendings=sendings.sendings_of(invoice) if staff else []), status


def _download_log(invoice: Invoice) -> list[dict]:
    """Who downloaded which file of the invoice when (the audit log's `invoice.download`), newest first."""
    events = db.session.scalars(select(audit.AuditEvent).where(
        audit.AuditEvent.action == "invoice.download", audit.AuditEvent.object_type == "invoices",
        audit.AuditEvent.object_id == invoice.id).order_by(audit.AuditEvent.at.desc(), audit.AuditEvent.id.desc())
        .limit(200))
    return [{"at": e.at, "who": e.actor_label or "–", "file": ((e.diff or {}).get("file") or [None, "–"])[-1]}
            for e in events]


@bp.get("/invoices/<int:invoice_id>")
@requires("billing.read")  # agency members use the portal (billing.portal)
@reads("invoices", "invoice_id")  # its charges and statement name cases by pseudonym
def invoice(invoice_id: int):
    return _render_invoice(api.visible_invoice(invoice_id))


def _back(invoice_id: int):
    return redirect(url_for("billing.invoice", invoice_id=invoice_id))


@bp.post("/invoices/<int:invoice_id>/recalculate")
@requires("billing.write")
def recalculate_invoice(invoice_id: int):
    invoice = services.get_invoice(invoice_id)
    if not ActionForm().validate_on_submit():
        return _back(invoice_id)
    result = flash_outcome(lambda: services.recalculate(invoice, current_actor()) or "gone",
                           lambda r: _("Nothing is left to bill: the draft was removed.") if r == "gone"
                           else _("Draft recalculated."))
    if result == "gone":
        return redirect(url_for("billing.invoices"))
    return _back(invoice_id)


@bp.post("/invoices/<int:invoice_id>/delete")
@requires("billing.write")
def delete_invoice(invoice_id: int):
    invoice = services.get_invoice(invoice_id)
    if not ActionForm().validate_on_submit():
        return _back(invoice_id)
    if invoice.is_draft and (page := confirmation.ask(
            _("The draft invoice to %(agency)s for %(period)s over %(amount)s will be deleted.",
              **_invoice_names(invoice)),
            title=_("Delete the draft invoice?"), button=_("Yes, delete the draft"), irreversible=False,
            cancel_url=url_for("billing.invoice", invoice_id=invoice_id),
            details=[_("Its services will be billed by the next run.")])) is not None:
        return page
    if flash_outcome(
            lambda: services.delete_draft(invoice, current_actor()),
            _("Draft deleted; its services will be billed by the next run.")):
        return redirect(url_for("billing.invoices"))
    return _back(invoice_id)


def _invoice_names(invoice: Invoice) -> dict:
    """What a confirmation calls an invoice: its number, agency, period and amount (core.confirmation)."""
    return {"number": invoice.number or "–", "agency": network.get_agency(invoice.agency_id).name,
            "period": f"{format_date(invoice.period_start)} – {format_date(invoice.period_end)}",
            "amount": format_cents(invoice.gross_cents)}


def _issuer_message(missing: dict) -> Markup:
    """What is missing from the issuer data, with a link to the settings page (or whom to ask)."""
    items = Markup("").join(Markup("<li>{}</li>").format(str(m)) for m in missing.values())
    if can(g.membership.role, "tenant.write"):
        link = Markup('<a href="{}">{}</a>').format(url_for("tenants.settings"),
                                                    _("Complete the issuer data in the settings"))
    else:
        link = Markup("{}").format(_("An administrator completes them in the settings."))
    return Markup("{} <ul>{}</ul> {}").format(
        _("The invoice cannot be issued: the alliance's issuer data is incomplete."), items, link)


@bp.post("/invoices/<int:invoice_id>/issue")
@requires("billing.write")
def issue_invoice(invoice_id: int):
    invoice = services.get_invoice(invoice_id)
    if not ActionForm().validate_on_submit():
        return _back(invoice_id)
    if invoice.is_draft and (page := confirmation.ask(
            _("The invoice to %(agency)s for %(period)s over %(amount)s will be issued with the next invoice "
              "number.", **_invoice_names(invoice)),
            title=_("Issue the invoice?"), button=_("Yes, issue the invoice"),
            cancel_url=url_for("billing.invoice", invoice_id=invoice_id),
            details=[_("An issued invoice can no longer be changed or deleted; only a credit note cancels it.")])
            ) is not None:
        return page
    try:
        services.issue(invoice, g.tenant, current_actor())
    except ServiceError as exc:
        db.session.rollback()
        missing = services.issuer_missing(g.tenant) if isinstance(exc, Conflict) else {}
        flash(_issuer_message(missing) if missing else problem_text(exc), "error")
        return _back(invoice_id)
    flash(_("Invoice %(number)s issued.", number=invoice.number), "success")
    return _back(invoice_id)


@bp.post("/invoices/<int:invoice_id>/send")
@requires("billing.write")
def send_invoice(invoice_id: int):
    invoice = services.get_invoice(invoice_id)
    if ActionForm().validate_on_submit():
        flash_outcome(lambda: invoice_service.send(invoice, g.tenant, current_actor()),
                      lambda sent: _("Sent to %(to)s.", to=sent.sent_to))
    return _back(invoice_id)


@bp.post("/invoices/<int:invoice_id>/credit-note")
@requires("billing.write")
def credit_note(invoice_id: int):
    invoice = services.get_invoice(invoice_id)
    form = CreditNoteForm()
    if not form.validate_on_submit():
        return _render_invoice(invoice, credit_form=form, status=422)
    if (page := confirmation.ask(
            _("Invoice %(number)s to %(agency)s over %(amount)s will be cancelled by a credit note.",
              **_invoice_names(invoice)),
            title=_("Cancel the invoice?"), button=_("Yes, cancel with a credit note"),
            cancel_url=url_for("billing.invoice", invoice_id=invoice_id),
            details=[_("Reason: %(reason)s", reason=form.reason.data.strip()),
                     _("Its services become billable again and are billed by the next run.")])) is not None:
        return page
    note = flash_outcome(lambda: services.credit_note(invoice, g.tenant, current_actor(), form.reason.data.strip()),
                         lambda made: _("Credit note %(number)s cancels invoice %(invoice)s.", number=made.number,
                                        invoice=invoice.number))
    return _back(note.id if note else invoice_id)


def _payment_errors(form: PaymentForm, exc: ServiceError) -> None:
    renamed = {{"amount_cents": "amount"}.get(k, k): v for k, v in (exc.errors or {}).items()}
    apply_service_errors(form, ServiceError(exc.detail, renamed))


@bp.post("/invoices/<int:invoice_id>/payments")
@requires("billing.write")
def add_payment(invoice_id: int):
    invoice = services.get_invoice(invoice_id)
    form = PaymentForm()
    valid = form.validate_on_submit()
    cents = None
    if form.amount.data and not form.amount.errors:  # read the amount even when another field is wrong
        try:
            cents = parse_euros(form.amount.data)
        except ValueError:
            form.amount.errors = [*form.amount.errors, _("Enter an amount such as 789,36.")]
    if valid and cents is not None and run_form(
            form, lambda: services.add_payment(invoice, form.on.data, cents, current_actor(), form.note.data or ""),
            apply=_payment_errors):
        flash(_("Payment of %(amount)s recorded.", amount=format_cents(cents)), "success")
        return _back(invoice_id)
    return _render_invoice(invoice, payment_form=form, status=422)


@bp.post("/invoices/<int:invoice_id>/payments/<int:payment_id>/delete")
@requires("billing.write")
def reverse_payment(invoice_id: int, payment_id: int):
    invoice = services.get_invoice(invoice_id)
    payment = next((p for p in services.payments_of(invoice) if p.id == payment_id), None)
    if payment is not None and ActionForm().validate_on_submit() and (page := confirmation.ask(
            _("The payment of %(amount)s on %(date)s to invoice %(number)s will be taken back.",
              amount=format_cents(payment.amount_cents), date=format_date(payment.on), number=invoice.number or "–"),
            title=_("Take the payment back?"), button=_("Yes, take it back"), irreversible=False,
            cancel_url=url_for("billing.invoice", invoice_id=invoice_id),
            details=[_("The open amount grows by it; the audit log keeps the payment.")])) is not None:
        return page
    if ActionForm().validate_on_submit():
        flash_outcome(lambda: invoice_service.reverse_payment(invoice, payment_id, current_actor()),
                      _("The payment was taken back."))
    return _back(invoice_id)


def _download(invoice_id: int, kind: str):
    invoice = api.visible_invoice(invoice_id)
    try:
        return api.download(invoice, kind)
    except ServiceError as exc:
        flash(problem_text(exc), "error")
        return _back(invoice_id)


@bp.get("/invoices/<int:invoice_id>/pdf")
@requires("billing.read")  # agency members use the portal (billing.portal)
@reads("invoices", "invoice_id")
def invoice_pdf(invoice_id: int):
    return _download(invoice_id, "pdf")


@bp.get("/invoices/<int:invoice_id>/statement.csv")
@requires("billing.read")  # agency members use the portal (billing.portal)
@reads("invoices", "invoice_id")
def invoice_statement_csv(invoice_id: int):
    return _download(invoice_id, "statement_csv")


@bp.get("/invoices/<int:invoice_id>/statement.pdf")
@requires("billing.read")  # agency members use the portal (billing.portal)
@reads("invoices", "invoice_id")
def invoice_statement_pdf(invoice_id: int):
    return _download(invoice_id, "statement_pdf")


@bp.get("/invoices/<int:invoice_id>/xrechnung.xml")
@requires("billing.read")  # agency members use the portal (billing.portal)
@reads("invoices", "invoice_id")
def invoice_xrechnung(invoice_id: int):
    return _download(invoice_id, "xrechnung")


@bp.get("/invoices/<int:invoice_id>/zugferd.pdf")
@requires("billing.read")  # agency members use the portal (billing.portal)
@reads("invoices", "invoice_id")
def invoice_zugferd(invoice_id: int):
    return _download(invoice_id, "zugferd")
