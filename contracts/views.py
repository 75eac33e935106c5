"""Pages of contracts/: agencies, partners, contracts (draft, lifecycle, documents), templates."""
import re

from flask import flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from contracts import rendering, services
from contracts import today as today_items  # the start page's items, served by the contract list below
from contracts.api import MIMETYPES
from contracts.forms import (
    BILLING_CYCLE_LABELS,
    LEGAL_BASIS_LABELS,
    RATE_KIND_LABELS,
    ROUTE_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
    ContractForm,
    SignedCopyForm,
    TemplateUploadForm,
    TransitionForm,
)
from contracts.lifecycle import allowed_next
from contracts.models import Contract
from core import audit, clock, confirmation, signals, storage
from core.forms import apply_service_errors, flash_outcome, run_form, submit
from core.htmx import render_page
from core.money import cents_to_input, format_cents, parse_euros
from core.problems import ServiceError, ValidationFailed
from network import services as network
from tenants.access import reads, requires
from tenants.first_steps import any_row, first_step
from tenants.navigation import nav_item
from tenants.web import current_actor, tenant_blueprint

bp = tenant_blueprint("contracts", __name__)
nav_item("contracts.contracts", "Contracts", "contracts.read", 25)
first_step("contract", "Draft the first contract from the default template", "contracts.new_contract",
           "contracts.write", any_row(Contract), 30)


# --- contracts ----------------------------------------------------------------------------------------------


@bp.app_template_filter("euro")
def _euro(cents):
    return format_cents(cents)


@bp.get("/contracts/")
@requires("contracts.read")
def contracts():
    status = request.args.get("status") or None
    if status not in STATUS_LABELS:
        status = None
    due = request.args.get("due") if request.args.get("due") in today_items.DUE_LABELS else None
    q = (request.args.get("q") or "").strip()[:200]
    rows = services.list_contracts(status=status, due=due, actor=current_actor(), search=q)
    return render_page("contracts/contracts.html", "contracts/_contracts_results.html", contracts=rows,
                       status=status, statuses=STATUS_LABELS, due=due, due_labels=today_items.DUE_LABELS, q=q)


def _contract_form(contract=None) -> ContractForm:
    form = ContractForm(obj=contract) if contract is not None else ContractForm()
    form.agency_id.choices = [(a.id, a.name) for a in network.list_agencies()]
    templates = services.latest_templates()
    if contract is not None and contract.template is not None and contract.template not in templates:
        templates.append(contract.template)
    form.template_id.choices = [(0, _("Built-in default template"))] + [(t.id, t.label) for t in templates]
    form.partner_ids.choices = [(p.id, p.name) for p in network.list_partners()]
    areas = [("", _("– none –"))] + [(a.code, a.name) for a in network.list_service_areas(active_only=True)]
    if request.method == "GET" and contract is not None:
        form.budget.data = cents_to_input(contract.budget_cents)
        form.partner_ids.data = [cp.partner_id for cp in contract.partners]
        form.template_id.data = contract.template_id or 0
        while len(form.rates.entries):
            form.rates.pop_entry()
        for rate in contract.rates:
            form.rates.append_entry({"kind": rate.kind, "service_area": rate.service_area or "",
                                     "label": rate.label, "amount": cents_to_input(rate.amount_cents)})
        for _i in range(2):
            form.rates.append_entry()
    for entry in form.rates.entries:
        entry.form.service_area.choices = areas
    return form


def _contract_data(form: ContractForm) -> dict:
    """Form → service input; amounts typed in euros become cents (those unreadable left out, their field errors in
    `form.amount_errors`)."""
    errors: dict[str, list[str]] = {}
    names = ("agency_id", "title", "legal_basis", "route", "scope", "quality", "valid_from", "valid_to",
             "billing_cycle", "prorate_days", "vat", "vat_exempt_reason", "efficiency_review",
             "efficiency_indicators", "review_interval_months", "next_review_on", "notification_duties",
             "termination", "notice_period_months")
    data = {name: form[name].data for name in names}
    for key in ("scope", "quality", "vat_exempt_reason", "efficiency_review", "efficiency_indicators",
                "notification_duties", "termination", "title"):
        data[key] = data[key] or ""
    data["template_id"] = form.template_id.data or None
    data["partner_ids"] = form.partner_ids.data or []
    data["budget_cents"] = None
    if form.budget.data:
        try:
            data["budget_cents"] = parse_euros(form.budget.data)
        except ValueError:
            errors["budget"] = [_("Enter an amount such as 120.000,00.")]
    rates = []
    form.rate_rows = []
    for i, entry in enumerate(form.rates.entries):
        row = entry.form
        if not (row.amount.data or "").strip():
            continue
        try:
            amount = parse_euros(row.amount.data)
        except ValueError:
            row.amount.errors = [*row.amount.errors, _("Enter an amount such as 180,00.")]
            message = _("Rate line %(n)s: enter an amount such as 180,00.", n=i + 1)
            errors.setdefault("_rates", []).append(message)
            continue
        form.rate_rows.append(i)
        rates.append({"kind": row.kind.data, "service_area": row.service_area.data or None,
                      "label": row.label.data or "", "amount_cents": amount})
    data["rates"] = rates
    form.amount_errors = errors  # shown together with the service's errors, see _save_contract
    return data


def _save_contract(form: ContractForm, save):
    """The service checks the terms even when an amount could not be read (that row or budget left out), so one
    submission shows the unreadable amounts together with the service's errors."""
    data = _contract_data(form)
    errors = form.amount_errors
    try:
        result = save(data)
    except ServiceError as exc:
        if not errors:
            raise
        merged = {key: list(messages) for key, messages in errors.items()}
        for key, messages in (exc.errors or {}).items():
            merged.setdefault(key, []).extend(messages)
        raise ValidationFailed(exc.detail, merged) from exc
    if errors:
        raise ValidationFailed(_("Please check the amounts."), errors)
    return result


def _apply_contract_errors(form: ContractForm, exc: ServiceError) -> None:
    """Service errors onto the form; `rates.<n>.<field>` counts only the filled-in rows, map it back to the
    row."""
    rows = getattr(form, "rate_rows", list(range(len(form.rates.entries))))
    plain = {}
    for key, messages in (exc.errors or {}).items():
        match = re.match(r"^rates[.-](\d+)[.-](\w+)$", key)
        if match:
            index = int(match.group(1))
            row_index = rows[index] if index < len(rows) else index
            name = "amount" if match.group(2) == "amount_cents" else match.group(2)
            if row_index < len(form.rates.entries) and name in form.rates.entries[row_index].form._fields:
                field = form.rates.entries[row_index].form[name]
                field.errors = list(field.errors) + list(messages)
            form.form_errors.extend(f"{_('Rate line')} {row_index + 1}: {m}" for m in messages)
            continue
        plain["budget" if key == "budget_cents" else key] = messages
    if plain or not exc.errors:
        apply_service_errors(form, ServiceError(exc.detail, plain))


@bp.route("/contracts/new", methods=["GET", "POST"])
@requires("contracts.write")
def new_contract():
    form = _contract_form()
    if not form.agency_id.choices:
        flash(_("Create a funding agency first."), "warning")
        return redirect(url_for("network.new_agency"))
    if contract := submit(form, lambda: _save_contract(form, lambda data: services.create_contract(
                              data, current_actor(), g.tenant.id)),
                          apply=_apply_contract_errors):
        flash(_("Contract drafted."), "success")
        return redirect(url_for("contracts.contract", contract_id=contract.id))
    return render_template("contracts/contract_form.html", form=form, contract=None)


@bp.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@requires("contracts.write")
def edit_contract(contract_id: int):
    contract = services.get_contract(contract_id)
    if contract.status != "draft":
        flash(_("Only drafts can be edited; an active contract is changed by an amendment."), "error")
        return redirect(url_for("contracts.contract", contract_id=contract.id))
    form = _contract_form(contract)
    if submit(form, lambda: _save_contract(form, lambda data: services.update_contract(contract, data,
                                                                                   current_actor())),
              apply=_apply_contract_errors):
        flash(_("Saved."), "success")
        return redirect(url_for("contracts.contract", contract_id=contract.id))
    return render_template("contracts/contract_form.html", form=form, contract=contract)


@bp.get("/contracts/<int:contract_id>")
@requires("contracts.read")
@reads("contracts", "contract_id")  # lists the enrolled cases and their approved hours
def contract(contract_id: int):
    return _contract_page(services.get_contract(contract_id))


def _contract_page(contract: Contract, step_form: TransitionForm | None = None,
                   signed_form: SignedCopyForm | None = None, status: int = 200):
    """The contract's page; a refused step or upload is shown again with its messages at its fields."""
    versions = services.versions_of(contract)
    previous = next((v for v in versions if v.id == contract.amends_id), None)
    return render_template(
        "contracts/contract.html", contract=contract, gaps=services.completeness(contract),
        next_steps=allowed_next(contract.status), statuses=STATUS_LABELS, step_labels=STEP_LABELS,
        legal_bases=dict(LEGAL_BASIS_LABELS), routes=dict(ROUTE_LABELS), cycles=dict(BILLING_CYCLE_LABELS),
        rate_kinds=dict(RATE_KIND_LABELS), versions=versions,
        diff=_readable_diff(services.terms_diff(previous, contract)) if previous else [], previous=previous,
        signed_form=signed_form or SignedCopyForm(), step_form=step_form,
        enrolments=services.enrolments_of_contract(contract), today=clock.today(),
        # the same rule as the service: whoever wrote the terms cannot approve them
        four_eyes_blocked=current_user.id in services.term_authors(contract),
        links=signals.links_for(contract, g.membership.role)), status  # e.g. the efficiency report, one layer up


def _readable_diff(rows: list[tuple[str, object, object]]) -> list[tuple[str, str, str]]:
    """Term names as the form labels them, money in euros, dates German, codes and ids by their names
    (contracts.labels, the same words as the audit log)."""
    from core.labels import field_text, value_text

    def show(name, value):
        return value_text("contracts", name, value.isoformat() if hasattr(value, "isoformat") else value)

    return [(field_text("contracts", name), show(name, old), show(name, new)) for name, old, new in rows]


@bp.post("/contracts/<int:contract_id>/transition")
@requires("contracts.write")
def transition_contract(contract_id: int):
    contract = services.get_contract(contract_id)
    form = TransitionForm()
    if form.is_submitted() and form.validate() and (page := _ask_step(contract, form)) is not None:
        return page
    if submit(form, lambda: services.transition(contract, form.to.data, current_actor(), on=form.on.data,
                                                note=form.note.data or "")):
        flash(_("The contract is now: %(status)s.", status=STATUS_LABELS[contract.status]), "success")
        return redirect(url_for("contracts.contract", contract_id=contract.id))
    form.on.id = f"on-{form.to.data}"  # the date field of this step's form on the page (the summary links to it)
    return _contract_page(contract, step_form=form, status=422)


def _ask_step(contract: Contract, form: TransitionForm):
    """Ending a contract is confirmed first (core.confirmation): it cannot be put back in force."""
    if form.to.data != "ended" or contract.status != "active":
        return None
    return confirmation.ask(
        _("Contract “%(title)s” with %(agency)s will be ended as of %(date)s.", title=contract.title,
          agency=contract.agency.name, date=format_date(form.on.data or clock.today())),
        title=_("End the contract?"), button=_("Yes, end the contract"),
        cancel_url=url_for("contracts.contract", contract_id=contract.id),
        details=[_("It cannot be put back in force; a change is made by an amendment.")])


@bp.post("/contracts/<int:contract_id>/delete")
@requires("contracts.write")
def delete_contract(contract_id: int):
    contract = services.get_contract(contract_id)
    title = contract.title
    if contract.status == "draft" and (page := confirmation.ask(
            _("The draft contract “%(title)s” will be deleted.", title=title), title=_("Delete the draft?"),
            button=_("Yes, delete the draft"),
            cancel_url=url_for("contracts.contract", contract_id=contract.id))) is not None:
        return page
    if flash_outcome(lambda: services.delete_draft(contract, current_actor()),
                     lambda _result: _("Draft “%(title)s” deleted.", title=title)):
        return redirect(url_for("contracts.contracts"))
    return redirect(url_for("contracts.contract", contract_id=contract.id))


@bp.post("/contracts/<int:contract_id>/amend")
@requires("contracts.write")
def amend_contract(contract_id: int):
    contract = services.get_contract(contract_id)
    amendment = flash_outcome(lambda: services.create_amendment(contract, current_actor()),
                              lambda made: _("Amendment drafted as version %(v)s.", v=made.version))
    if amendment is None:
        return redirect(url_for("contracts.contract", contract_id=contract.id))
    return redirect(url_for("contracts.edit_contract", contract_id=amendment.id))


@bp.post("/contracts/<int:contract_id>/documents")
@requires("contracts.write")
def render_contract(contract_id: int):
    contract = services.get_contract(contract_id)
    if flash_outcome(lambda: services.render_document(contract, g.tenant, current_actor()), _("Document rendered.")):
        return redirect(url_for("contracts.contract", contract_id=contract.id, _anchor="documents"))
    return redirect(url_for("contracts.contract", contract_id=contract.id))
    return redirect(url_for("contracts.contract", contract_id=contract.id, _anchor="documents"))


@bp.post("/contracts/<int:contract_id>/signed-copy")
@requires("contracts.write")
def upload_signed_copy(contract_id: int):
    contract = services.get_contract(contract_id)
    form = SignedCopyForm()
    if form.validate_on_submit() and run_form(
            form, lambda: services.upload_signed_copy(contract, g.tenant.id, form.file.data.read(),
                                                      form.signed_by_provider_on.data,
                                                      form.signed_by_agency_on.data, current_actor())):
        flash(_("Signed copy stored."), "success")
        return redirect(url_for("contracts.contract", contract_id=contract.id, _anchor="documents"))
    return _contract_page(contract, signed_form=form, status=422)


def _send_document(contract_id: int, document_id: int, fmt: str):
    doc = services.get_document(services.get_contract(contract_id), document_id)
    path, name = services.document_file(doc, fmt, g.tenant.id, current_actor())
    return send_file(path, mimetype=MIMETYPES[fmt], as_attachment=True, download_name=name)


@bp.get("/contracts/<int:contract_id>/documents/<int:document_id>.docx")
@requires("contracts.read")
def download_docx(contract_id: int, document_id: int):
    return _send_document(contract_id, document_id, "docx")


@bp.get("/contracts/<int:contract_id>/documents/<int:document_id>.pdf")
@requires("contracts.read")
def download_pdf(contract_id: int, document_id: int):
    return _send_document(contract_id, document_id, "pdf")


# --- templates ----------------------------------------------------------------------------------------------


@bp.get("/contract-templates/")
@requires("contracts.read")
def templates():
    services.ensure_default_template(g.tenant.id)
    return render_template("contracts/templates.html", templates=services.list_templates())


@bp.route("/contract-templates/new", methods=["GET", "POST"])
@requires("contracts.write")
def upload_template():
    form = TemplateUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read(rendering.MAX_TEMPLATE_BYTES + 1)
        row = run_form(form, lambda: services.upload_template(g.tenant.id, form.name.data, data, current_actor(),
                                                              form.note.data or ""))
        if row:
            flash(_("Template “%(name)s” stored as version %(v)s.", name=row.name, v=row.version), "success")
            return redirect(url_for("contracts.templates"))
    return render_template("contracts/template_form.html", form=form)


@bp.get("/contract-templates/<int:template_id>.docx")
@requires("contracts.read")
def download_template(template_id: int):
    row = services.get_template(template_id)
    audit.record(current_actor(), "contract_template.download", row)
    name = f"{secure_filename(row.name) or 'vorlage'}-v{row.version}.docx"
    return send_file(storage.path_of(row.storage_path, g.tenant.id), mimetype=MIMETYPES["docx"],
                     as_attachment=True, download_name=name)


@bp.get("/contract-templates/help")
@requires("contracts.read")
def template_help():
    import json

    sample = json.dumps(rendering.sample_context(), ensure_ascii=False, indent=2)  # readable umlauts
    return render_template("contracts/template_help.html", context_doc=rendering.CONTEXT_DOC,
                           filters_doc=rendering.FILTERS_DOC, sample=sample)


# routes of this blueprint in their own modules: a case's funding approvals, undoing a step taken by mistake
from contracts import enrolment_views, step_views  # noqa: E402,F401
