"""Pages of cases/: clients and consents, the case list and case file, my caseload, reports for funders.

Views only translate between forms and services; every rule lives in cases.services. A form that fails
is shown again on its own page with the messages next to the fields (one question per page, GOV.UK style).
"""

import json
import re
from datetime import date

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from cases import forms as F
from cases import report_export, services
from cases import today as today_items  # the start page's items, served by the lists below
from cases.models import Case, Client
from cases.report_charts import report_charts
from core import clock, confirmation, signals, spreadsheets
from core.extensions import db
from core.forms import apply_service_errors, arg_int, flash_outcome, run_form, submit
from core.htmx import render_page
from core.problems import ServiceError
from network import services as network
from tenants.access import reads, requires
from tenants.first_steps import any_row, first_step
from tenants.navigation import nav_item
from tenants.web import current_actor, tenant_blueprint

bp = tenant_blueprint("cases", __name__)
nav_item("cases.caseload", "My caseload", "cases.write", 10)
first_step("case", "Add the first client and open a case for them", "cases.new_case", "cases.write", any_row(Case),
           40)
nav_item("cases.cases", "Cases", "cases.read", 12)
ENTRIES_PER_PAGE = 50  # service entries per page of the case file
COUNT_CAP = 1000  # lists count their matches up to here; a search narrows a longer list
EVENTS_SHOWN = 50  # timeline events shown before "whole timeline"
nav_item("cases.clients", "Clients", "cases.read", 14)
nav_item("cases.reports", "Reports", "cases.reports", 40)
nav_item("cases.case_settings", "Retention", "service_areas.write", 89)

PAGE_SIZE = 25


@bp.app_template_global()
def case_label(labels: str, key):
    """Translated label of a stored key (phase, outcome, …) for the templates."""
    table = getattr(F, labels)
    return table.get(key, key) if key is not None else "–"


_EVENT_KEYS = {
    **F.PHASE_LABELS,
    **F.OUTCOME_LABELS,
    **F.PRIORITY_LABELS,
    **F.GOAL_STATUS_LABELS,
    **F.REFERRAL_STATUS_LABELS,
}
_KEYED_EVENTS = {"status", "closed", "reopened", "goal_status", "referral_status", "need"}


@bp.app_template_global()
def event_detail(event) -> str:
    """A timeline line's detail with stored keys (phases, statuses, priorities) shown as translated labels."""
    if event.kind not in _KEYED_EVENTS:
        return event.detail
    head, sep, tail = event.detail.rpartition(": ") if event.kind == "goal_status" else ("", "", event.detail)
    tail = re.sub(r"[a-z_]+", lambda m: str(_EVENT_KEYS.get(m.group(0), m.group(0))), tail)
    return head + sep + tail


def _page() -> int:
    # bounded: an absurd page number is an empty page, not a database overflow
    return arg_int("page", 1, high=100_000)


def _paginate(query, order_by):
    """One page and the number of matches, counted only up to COUNT_CAP (a count of every case of a large
    alliance would cost more than the page itself); beyond it the list says "more than …" and the pages stop.
    A first page that is not full holds every match: then nothing is counted (a search, a short list)."""
    wanted = _page()

    def rows_of(page: int) -> list:
        ordered = query.order_by(*order_by).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        return db.session.scalars(ordered).unique().all()

    if wanted == 1:
        rows = rows_of(1)
        if len(rows) < PAGE_SIZE:
            return rows, 1, 1, len(rows)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).limit(COUNT_CAP + 1).subquery()))
    pages = max((min(total, COUNT_CAP) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(wanted, pages)
    if wanted != 1:
        rows = rows_of(page)
    return rows, page, pages, total


def _form_page(form, title, cancel_url, **extra):
    return render_template("form_page.html", form=form, title=title, cancel_url=cancel_url, **extra)


def _area_choices():
    return [(a.code, a.name) for a in network.list_service_areas(active_only=True)]


def _partner_choices(blank=None):
    partners = [(str(p.id), p.name) for p in network.list_partners()]
    return [("", blank), *partners] if blank is not None else partners


def _agency_choices(blank):
    return [("", blank), *[(str(a.id), a.name) for a in network.list_agencies()]]


def _manager_choices():
    return [(str(uid), name) for uid, name in services.case_managers()]


# --- clients ---


@bp.get("/clients/")
@requires("cases.read")
@reads("clients")
def clients():
    q = request.args.get("q", "")
    due = request.args.get("due", "") if request.args.get("due") in today_items.CLIENT_DUE_LABELS else ""
    rows, page, pages, total = _paginate(
        services.client_query(current_actor(), q, due=due), [Client.last_name, Client.first_name, Client.id]
    )
    return render_page("cases/clients.html", "cases/_clients_results.html", clients=rows, page=page, pages=pages,
                       total=total, q=q, count_cap=COUNT_CAP, due=due, due_labels=today_items.CLIENT_DUE_LABELS)


def _client_data(form: F.ClientForm) -> dict:
    data = {name: form[name].data for name in services.CLIENT_FIELDS if name in form}  # the note may be hidden
    years = [part.strip() for part in (form.children.data or "").split(",") if part.strip()]
    data["children"] = [{"birth_year": year} for year in years]
    return data


def _client_errors(form, exc: ServiceError) -> None:
    """The page has one field for the children's years: a service's `children.<n>.birth_year` shows there."""
    errors: dict = {}
    for name, messages in (exc.errors or {}).items():
        errors.setdefault("children" if name.startswith("children.") else name, []).extend(messages)
    apply_service_errors(form, type(exc)(exc.detail, errors))


@bp.route("/clients/new", methods=["GET", "POST"])
@requires("cases.write")
def new_client():
    form = F.ClientForm()
    if client := submit(form, lambda: services.create_client(_client_data(form), current_actor()), _client_errors):
        flash(_("Client %(pseudonym)s created.", pseudonym=client.pseudonym), "success")
        return redirect(url_for("cases.client", client_id=client.id))
    return _form_page(form, _("New client"), url_for("cases.clients"))


@bp.get("/clients/<int:client_id>")
@requires("cases.read")
@reads("clients", "client_id")
def client(client_id: int):
    row = services.get_client(client_id, current_actor())
    actor = current_actor()
    client_cases = (
        db.session.scalars(services.case_query(actor).where(Case.client_id == row.id).order_by(Case.opened_on.desc()))
        .unique()
        .all()
    )
    agencies = {a.id: a.name for a in network.list_agencies()}
    partners = {p.id: p.name for p in network.list_partners()}
    return render_template(
        "cases/client.html",
        client=row,
        cases=client_cases,
        consents=services.consents_of(row),
        agencies=agencies,
        partners=partners,
        today=clock.today(),
        show_note=services.may_see_client_note(row, actor),
    )


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
@requires("cases.write")
@reads("clients", "client_id")
def edit_client(client_id: int):
    row = services.get_client(client_id, current_actor())
    current = {name: getattr(row, name) for name in services.CLIENT_FIELDS}
    form = F.ClientForm(
        data={
            **current,
            "employment_status": row.employment_status or "",
            "education_level": row.education_level or "",
            "children": ", ".join(str(c.birth_year) for c in row.children),
        }
    )
    show_note = services.may_see_client_note(row, current_actor())
    if not show_note:
        del form.confidential_note
    if submit(form, lambda: services.update_client(row, _client_data(form), current_actor()), _client_errors):
        flash(_("Saved."), "success")
        return redirect(url_for("cases.client", client_id=row.id))
    return _form_page(
        form,
        _("Edit client %(pseudonym)s", pseudonym=row.pseudonym),
        url_for("cases.client", client_id=row.id),
    )


@bp.route("/clients/<int:client_id>/consents/new", methods=["GET", "POST"])
@requires("cases.write")
@reads("clients", "client_id")
def new_consent(client_id: int):
    row = services.get_client(client_id, current_actor())
    form = F.ConsentForm()
    form.recipient.choices = [
        ("", _("– choose –")),
        *[(f"agency:{k}", v) for k, v in _agency_choices("")[1:]],
        *[(f"partner:{k}", v) for k, v in _partner_choices()],
    ]

    def consent_data() -> dict:
        kind, _sep, rid = (form.recipient.data or "").partition(":")
        return {
            f"{kind or 'agency'}_id": rid,
            "purposes": form.purposes.data,
            "data_items": form.data_items.data,
            "given_on": form.given_on.data,
            "expires_on": form.expires_on.data,
        }

    if submit(form, lambda: services.create_consent(row, consent_data(), current_actor()), apply=_consent_errors):
        flash(_("Consent recorded."), "success")
        return redirect(url_for("cases.client", client_id=row.id))
    return _form_page(
        form,
        _("Record consent for %(pseudonym)s", pseudonym=row.pseudonym),
        url_for("cases.client", client_id=row.id),
    )


def _consent_errors(form: F.ConsentForm, exc: ServiceError) -> None:
    """The service names the recipient as agency_id or partner_id; the form has one field for both."""
    renamed: dict = {}
    for key, messages in (exc.errors or {}).items():
        renamed.setdefault("recipient" if key in ("agency_id", "partner_id") else key, []).extend(messages)
    apply_service_errors(form, ServiceError(exc.detail, renamed))


def _consent_step(client_id: int, consent_id: int, step, ask=None):
    row = services.get_client(client_id, current_actor())
    consent = services.get_consent(row, consent_id)
    form = F.OnForm()
    if not form.validate_on_submit():
        abort(400)
    if ask is not None and (page := ask(row, consent, form.on.data)) is not None:
        return page
    flash_outcome(lambda: step(consent, form.on.data, current_actor()), _("Saved."))
    return redirect(url_for("cases.client", client_id=row.id))


@bp.post("/clients/<int:client_id>/consents/<int:consent_id>/withdraw")
@requires("cases.write")
def withdraw_consent(client_id: int, consent_id: int):
    return _consent_step(client_id, consent_id, services.withdraw_consent, ask=_ask_withdraw)


def _ask_withdraw(client_row, consent, on):
    if consent.agency_id is not None:
        recipient = network.get_agency(consent.agency_id).name
    else:
        recipient = network.get_partner(consent.partner_id).name
    return confirmation.ask(
        _("The consent of %(pseudonym)s to pass data to %(recipient)s will be withdrawn as of %(date)s.",
          pseudonym=client_row.pseudonym, recipient=recipient, date=format_date(on or clock.today())),
        title=_("Withdraw the consent?"), button=_("Yes, withdraw"),
        cancel_url=url_for("cases.client", client_id=client_row.id),
        details=[_("Referrals and data transfers to the recipient are no longer possible; a new consent has to "
                   "be recorded for them.")])


@bp.post("/clients/<int:client_id>/consents/<int:consent_id>/give")
@requires("cases.write")
def give_consent(client_id: int, consent_id: int):
    return _consent_step(client_id, consent_id, services.give_consent)


@bp.get("/clients/<int:client_id>/export.json")
@requires("cases.write")
@reads("clients", "client_id")
def export_client(client_id: int):
    """GDPR Art. 15/20: everything about one client as JSON (admins, and the case managers of the client)."""
    row = services.get_client(client_id, current_actor())
    data = services.export_client(row, current_actor())
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{row.pseudonym}.json"'},
    )


@bp.get("/clients/<int:client_id>/export.pdf")
@requires("cases.write")
@reads("clients", "client_id")
def export_client_pdf(client_id: int):
    """GDPR Art. 15: the same export as a readable PDF (LibreOffice turns the generated .docx into PDF)."""
    from flask import current_app

    from cases.export_document import export_docx
    from core.conversion import ConversionFailed, docx_to_pdf

    row = services.get_client(client_id, current_actor())
    data = services.export_client(row, current_actor())
    try:
        pdf = docx_to_pdf(export_docx(data, row.pseudonym), binary=current_app.config["SOFFICE_BINARY"])
    except ConversionFailed as exc:
        db.session.rollback()
        flash(_("The PDF could not be created (%(reason)s); the JSON export works.", reason=str(exc)), "error")
        return redirect(url_for("cases.client", client_id=client_id))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{row.pseudonym}.pdf"'})


@bp.route("/clients/<int:client_id>/anonymise", methods=["GET", "POST"])
@requires("cases.all")
@reads("clients", "client_id")
def anonymise_client(client_id: int):
    """Irrevocable: a page that says what will go and what stays, then the button."""
    row = services.get_client(client_id, current_actor())
    if request.method == "GET":
        return render_template("cases/anonymise.html", client=row)
    if (page := confirmation.ask(
            _("The personal data of client %(pseudonym)s will be anonymised.", pseudonym=row.pseudonym),
            title=_("Anonymise %(pseudonym)s", pseudonym=row.pseudonym), button=_("Yes, anonymise irrevocably"),
            cancel_url=url_for("cases.client", client_id=row.id),
            details=[_("What will be erased") + ": " + _(
                "Name, contact data, year of birth, children, confidential notes and all free texts of the cases "
                "(needs, goals, referrals, service notes, consent purposes).")])) is not None:
        return page
    flash_outcome(lambda: services.anonymise_client(row, current_actor()),
                    _("The client's data has been anonymised."))
    return redirect(url_for("cases.client", client_id=row.id))


@bp.post("/clients/<int:client_id>/restrict")
@requires("cases.all")
def restrict_client(client_id: int):
    row = services.get_client(client_id, current_actor())
    services.restrict_client(row, not row.restricted, current_actor())
    flash(_("Saved."), "success")
    return redirect(url_for("cases.client", client_id=row.id))


# --- cases ---


@bp.get("/cases/")
@requires("cases.read")
@reads("cases")
def cases():
    args = {
        "status": request.args.get("status", ""),
        "case_manager_id": arg_int("case_manager_id"),
        "service_area": request.args.get("service_area", ""),
        "q": request.args.get("q", ""),
        "due": request.args.get("due", ""),
    }
    if args["status"] not in ("", "open", *F.PHASE_LABELS):
        args["status"] = ""
    if args["due"] not in today_items.CASE_DUE_LABELS:
        args["due"] = ""
    query = services.case_list_rows(services.search_cases(current_actor(), **args))
    rows, page, pages, total = _paginate(query, [Case.opened_on.desc(), Case.id.desc()])
    managers = dict(services.case_managers())
    return render_page(
        "cases/cases.html",
        "cases/_cases_results.html",
        cases=rows,
        page=page,
        pages=pages,
        total=total,
        count_cap=COUNT_CAP,
        filters=args,
        managers=managers,
        areas=_area_choices(),
        phases=F.PHASE_LABELS,
        due_labels=today_items.CASE_DUE_LABELS,
        filter_args={k: v for k, v in args.items() if v},
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@requires("cases.write")
@reads("clients")
def new_case():
    form = F.CaseForm()
    form.client_id.choices = [
        ("", _("– choose –")),
        *[
            (str(c.id), f"{c.pseudonym} · {c.name}")
            for c in db.session.scalars(
                services.visible_clients(current_actor())
                .where(Client.anonymised_at.is_(None))
                .order_by(Client.last_name, Client.first_name)
            )
        ],
    ]
    form.case_manager_id.choices = _manager_choices()
    if request.method == "GET":
        form.client_id.data = request.args.get("client_id", "")
        form.case_manager_id.data = str(current_actor().user_id)
        form.opened_on.data = clock.today()
    names = ("client_id", "case_manager_id", "opened_on", "next_review_on", "confidential_note")
    if case := submit(form, lambda: services.create_case({name: form[name].data for name in names}, current_actor())):
        flash(_("Case opened."), "success")
        if services.sees_all_cases(current_actor()) or case.case_manager_id == current_actor().user_id:
            return redirect(url_for("cases.case", case_id=case.id))
        return redirect(url_for("cases.cases"))
    hint = None
    if len(form.client_id.choices) == 1:  # only "choose": a case needs a client first
        hint = Markup('{} <a href="{}">{}</a>').format(
            _("A case is opened for a client, and there is no client yet."), url_for("cases.new_client"),
            _("Add the first client"))
    return _form_page(form, _("Open a case"), url_for("cases.cases"), hint=hint)


@bp.get("/cases/<int:case_id>")
@requires("cases.read")
@reads("cases", "case_id")
def case(case_id: int):
    """The case file. Every read is written to the audit log."""
    actor = current_actor()
    row = services.read_case_file(case_id, actor)
    # the latest entries and events only, and the totals counted in SQL: a case with 10,000 entries opens as
    # fast as a new one
    entry_count, total_minutes = services.entry_totals(row)
    entry_pages = max((entry_count + ENTRIES_PER_PAGE - 1) // ENTRIES_PER_PAGE, 1)
    entry_page = min(arg_int("entries_page", 1, high=100_000), entry_pages)
    entries = services.latest_entries(row, entry_page, ENTRIES_PER_PAGE)
    whole_timeline = request.args.get("timeline") == "all"
    events = services.timeline(row, limit=None if whole_timeline else EVENTS_SHOWN + 1)
    needs, goals, referrals = services.needs_of(row), services.goals_of(row), services.referrals_of(row)
    # the names of agencies and partners only when the page shows one
    agencies = {a.id: a.name for a in network.list_agencies()} if any(n.agency_id for n in needs) else {}
    partners = ({p.id: p.name for p in network.list_partners()}
                if referrals or any(goal.partner_id for goal in goals) else {})
    return render_template(
        "cases/case.html",
        case=row,
        client=row.client,
        needs=needs,
        goals=goals,
        referrals=referrals,
        entries=entries,
        entry_page=entry_page,
        entry_pages=entry_pages,
        entry_count=entry_count,
        events=events[:EVENTS_SHOWN] if not whole_timeline else events,
        more_events=not whole_timeline and len(events) > EVENTS_SHOWN,
        versions=services.plan_versions(row),
        agencies=agencies,
        partners=partners,
        managers=dict(services.case_managers()),
        show_note=services.may_see_case_note(row, actor),
        goal_steps=services.GOAL_TRANSITIONS,
        referral_steps=services.REFERRAL_TRANSITIONS,
        total_minutes=total_minutes,
        transition_form=F.TransitionForm(),
        can_write=row.status != "closed",
        links=signals.links_for(row, g.membership.role),  # e.g. funding approvals, one layer up
    )


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@requires("cases.write")
@reads("cases", "case_id")
def edit_case(case_id: int):
    actor = current_actor()
    row = services.get_case(case_id, actor)
    form = F.CaseEditForm(
        data={
            "case_manager_id": str(row.case_manager_id or ""),
            "next_review_on": row.next_review_on,
            "confidential_note": row.confidential_note,
        }
    )
    form.case_manager_id.choices = _manager_choices()
    if not services.may_see_case_note(row, actor):
        del form.confidential_note
    names = [name for name in ("case_manager_id", "next_review_on", "confidential_note") if name in form]
    if submit(form, lambda: services.update_case(row, {name: form[name].data for name in names}, actor)):
        flash(_("Saved."), "success")
        if services.sees_all_cases(actor) or row.case_manager_id == actor.user_id:
            return redirect(url_for("cases.case", case_id=row.id))
        return redirect(url_for("cases.cases"))
    return _form_page(
        form,
        _("Edit case %(pseudonym)s", pseudonym=row.client.pseudonym),
        url_for("cases.case", case_id=row.id),
    )


@bp.route("/cases/<int:case_id>/phase", methods=["GET", "POST"])
@requires("cases.write")
@reads("cases", "case_id")
def case_phase(case_id: int):
    row = services.get_case(case_id, current_actor())
    form = F.PhaseForm(
        data={
            "status": row.status,
            "outcome": row.outcome or "",
            "esf_exit_status": row.esf_exit_status or "",
            "closed_on": row.closed_on,
        }
    )

    def phase_data() -> dict:
        data = {"status": form.status.data}
        if form.status.data == "closed":
            data.update(
                outcome=form.outcome.data or None,
                esf_exit_status=form.esf_exit_status.data or None,
                closed_on=form.closed_on.data,
            )
        return data

    if form.is_submitted() and form.validate() and (page := _ask_phase(row, form)) is not None:
        return page
    if submit(form, lambda: services.update_case(row, phase_data(), current_actor())):
        flash(_("Phase: %(phase)s.", phase=F.PHASE_LABELS[row.status]), "success")
        return redirect(url_for("cases.case", case_id=row.id))
    return _form_page(
        form,
        _("Change the phase of case %(pseudonym)s", pseudonym=row.client.pseudonym),
        url_for("cases.case", case_id=row.id),
        hint=_("A case moves one phase forward at a time; closing needs an outcome."),
    )


def _ask_phase(row: Case, form: F.PhaseForm):
    """Closing and reopening a case are confirmed first (core.confirmation); the other phases move on at once."""
    to, back = form.status.data, url_for("cases.case", case_id=row.id)
    if to == "closed" and row.status != "closed" and form.outcome.data:
        return confirmation.ask(
            _("Case %(pseudonym)s will be closed with the outcome “%(outcome)s”.", pseudonym=row.client.pseudonym,
              outcome=F.OUTCOME_LABELS.get(form.outcome.data, form.outcome.data)),
            title=_("Close the case?"), button=_("Yes, close the case"), cancel_url=back, irreversible=False,
            details=[_("A closed case takes no more services, goals or referrals until it is reopened.")])
    if row.status == "closed" and to != "closed":
        return confirmation.ask(
            _("Closed case %(pseudonym)s will be reopened in the phase “%(phase)s”; its outcome and closing date "
              "are removed (the timeline keeps them).", pseudonym=row.client.pseudonym,
              phase=F.PHASE_LABELS.get(to, to)),
            title=_("Reopen the case?"), button=_("Yes, reopen the case"), cancel_url=back, irreversible=False)
    return None


@bp.route("/cases/<int:case_id>/needs/new", methods=["GET", "POST"])
@requires("cases.write")
@reads("cases", "case_id")
def new_need(case_id: int):
    row = services.get_case(case_id, current_actor())
    form = F.NeedForm()
    form.service_area.choices = _area_choices()
    form.agency_id.choices = _agency_choices(_("– as set for the service area –"))
    names = ("service_area", "priority", "agency_id", "baseline", "note")
    if submit(form, lambda: services.add_need(row, {name: form[name].data for name in names}, current_actor())):
        flash(_("Need recorded."), "success")
        return redirect(url_for("cases.case", case_id=row.id, _anchor="needs"))
    return _form_page(form, _("Record a need"), url_for("cases.case", case_id=row.id))


@bp.route("/cases/<int:case_id>/goals/new", methods=["GET", "POST"])
@requires("cases.write")
@reads("cases", "case_id")
def new_goal(case_id: int):
    row = services.get_case(case_id, current_actor())
    form = F.GoalForm()
    form.partner_id.choices = _partner_choices(_("– none –"))
    names = ("title", "measure", "responsible", "partner_id", "due_on", "review_on")
    if submit(form, lambda: services.add_goal(row, {name: form[name].data for name in names}, current_actor())):
        flash(_("Goal added to the support plan."), "success")
        return redirect(url_for("cases.case", case_id=row.id, _anchor="plan"))
    return _form_page(form, _("Add a goal and measure"), url_for("cases.case", case_id=row.id))


def _step(case_id: int, do, ask=None):
    """A state button on the case file (goal status, referral status, plan approval); `ask` may answer with a
    confirmation page (core.confirmation) for a step that cannot be taken back."""
    row = services.get_case(case_id, current_actor())
    form = F.TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    if ask is not None and (page := ask(row, form.to.data)) is not None:
        return page
    flash_outcome(lambda: do(row, form.to.data), _("Saved."))
    return redirect(url_for("cases.case", case_id=row.id))


@bp.post("/cases/<int:case_id>/goals/<int:goal_id>/status")
@requires("cases.write")
def goal_status(case_id: int, goal_id: int):
    def ask(row, to):
        goal = services.get_goal(row, goal_id)
        if not _no_way_back(services.GOAL_TRANSITIONS, goal.status, to):
            return None
        return confirmation.ask(
            _("Goal “%(title)s” will be set to “%(status)s”.", title=goal.title, status=F.GOAL_STATUS_LABELS[to]),
            title=_("Change the goal's status?"), button=_("Yes, set to “%(status)s”", status=F.GOAL_STATUS_LABELS[to]),
            cancel_url=url_for("cases.case", case_id=row.id, _anchor="plan"))

    return _step(
        case_id,
        lambda row, to: services.update_goal(row, services.get_goal(row, goal_id), {"status": to}, current_actor()),
        ask=ask,
    )


def _no_way_back(transitions: dict, here: str, to: str) -> bool:
    """An allowed step after which the state cannot return to where it was (done, cancelled, rejected, …)."""
    return to in transitions.get(here, ()) and here not in transitions.get(to, ())


@bp.post("/cases/<int:case_id>/plan/approve")
@requires("cases.write")
def approve_plan(case_id: int):
    return _step(case_id, lambda row, to: services.approve_plan(row, current_actor()))


@bp.route("/cases/<int:case_id>/referrals/new", methods=["GET", "POST"])
@requires("cases.write")
@reads("cases", "case_id")
def new_referral(case_id: int):
    row = services.get_case(case_id, current_actor())
    form = F.ReferralForm()
    form.partner_id.choices = _partner_choices(_("– choose –"))
    if submit(form, lambda: services.refer(row, {"partner_id": form.partner_id.data, "reason": form.reason.data},
                                           current_actor())):
        flash(_("Referral recorded."), "success")
        return redirect(url_for("cases.case", case_id=row.id, _anchor="referrals"))
    return _form_page(form, _("Refer to a partner organisation"), url_for("cases.case", case_id=row.id))


@bp.post("/cases/<int:case_id>/referrals/<int:referral_id>/status")
@requires("cases.write")
def referral_status(case_id: int, referral_id: int):
    def ask(row, to):
        referral = services.get_referral(row, referral_id)
        if not _no_way_back(services.REFERRAL_TRANSITIONS, referral.status, to):
            return None
        status = F.REFERRAL_STATUS_LABELS[to]
        return confirmation.ask(
            _("The referral to %(partner)s will be set to “%(status)s”.",
              partner=network.get_partner(referral.partner_id).name, status=status),
            title=_("Change the referral's status?"), button=_("Yes, set to “%(status)s”", status=status),
            cancel_url=url_for("cases.case", case_id=row.id, _anchor="referrals"))

    return _step(
        case_id,
        lambda row, to: services.move_referral(row, services.get_referral(row, referral_id), to, current_actor()),
        ask=ask,
    )


def _entry_data(form: F.ServiceEntryForm) -> dict:
    return {name: form[name].data for name in ("on", "minutes", "service_area", "direct", "note")}


def _warn_funding(warning: bool) -> None:
    if warning:
        flash(
            _("No funding approval covers this date and service area. The entry is saved; please check the enrolment."),
            "warning",
        )


@bp.route("/cases/<int:case_id>/services/new", methods=["GET", "POST"])
@requires("cases.write")
@reads("cases", "case_id")
def new_service(case_id: int):
    row = services.get_case(case_id, current_actor())
    form = F.ServiceEntryForm()
    form.service_area.choices = _area_choices()
    if request.method == "GET":
        form.on.data = clock.today()
        form.service_area.data = "case_management"
    if result := submit(form, lambda: services.add_service_entry(row, _entry_data(form), current_actor())):
        flash(_("Service logged."), "success")
        _warn_funding(result[1])
        return redirect(url_for("cases.case", case_id=row.id, _anchor="services"))
    return _form_page(form, _("Log a service"), url_for("cases.case", case_id=row.id))


@bp.route("/cases/<int:case_id>/services/<int:entry_id>/edit", methods=["GET", "POST"])
@requires("cases.write")
@reads("cases", "case_id")
def edit_service(case_id: int, entry_id: int):
    row = services.get_case(case_id, current_actor())
    entry = services.get_service_entry(row, entry_id)
    form = F.ServiceEntryForm(
        data={
            "on": entry.on,
            "minutes": entry.minutes,
            "service_area": entry.service_area.code,
            "direct": entry.direct,
            "note": entry.note,
        }
    )
    form.service_area.choices = _area_choices()
    if result := submit(form, lambda: services.update_service_entry(row, entry, _entry_data(form), current_actor())):
        flash(_("Saved."), "success")
        _warn_funding(result[1])
        return redirect(url_for("cases.case", case_id=row.id, _anchor="services"))
    return _form_page(form, _("Edit service entry"), url_for("cases.case", case_id=row.id))


@bp.post("/cases/<int:case_id>/services/<int:entry_id>/delete")
@requires("cases.write")
def delete_service(case_id: int, entry_id: int):
    row = services.get_case(case_id, current_actor())
    entry = services.get_service_entry(row, entry_id)
    if (page := confirmation.ask(
            _("The service entry of %(date)s (%(minutes)s minutes, %(area)s) in case %(pseudonym)s will be deleted.",
              date=format_date(entry.on), minutes=entry.minutes, area=entry.service_area.name,
              pseudonym=row.client.pseudonym),
            title=_("Delete the service entry?"), button=_("Yes, delete"),
            cancel_url=url_for("cases.case", case_id=row.id, _anchor="services"))) is not None:
        return page
    flash_outcome(lambda: services.delete_service_entry(row, entry, current_actor()),
                    _("Service entry deleted."))
    return redirect(url_for("cases.case", case_id=row.id, _anchor="services"))


# --- work views and reports ---


@bp.get("/caseload")
@requires("cases.write")
@reads("cases")
def caseload():
    desk = services.my_caseload(current_actor())
    return render_template("cases/caseload.html", today=clock.today(), **desk)


def _report_form() -> tuple[F.ReportForm, dict | None]:
    form = F.ReportForm(request.args)
    form.agency_id.choices = _agency_choices(_("– all agencies –"))
    today = clock.today()
    if not request.args:
        form.date_from.data, form.date_to.data = date(today.year, 1, 1), today
    figures = None
    if form.validate() or not request.args:
        agency = int(form.agency_id.data) if (form.agency_id.data or "").isdigit() else None
        figures = run_form(form, lambda: services.report(form.date_from.data, form.date_to.data, agency))
    return form, figures


@bp.get("/reports")
@requires("cases.reports")
@reads("case_reports")
def reports():
    form, figures = _report_form()
    return render_template(
        "cases/reports.html",
        form=form,
        figures=figures,
        charts=report_charts(figures) if figures else {},
        csv_args=_report_args(figures, form),
    )


def _report_args(figures, form) -> dict:
    """The query of the download links: the period shown, and the agency if one is chosen."""
    if figures is None:
        return {}
    args = {"date_from": figures["date_from"].isoformat(), "date_to": figures["date_to"].isoformat()}
    if form.agency_id.data:
        args["agency_id"] = form.agency_id.data
    return args


def _report_download(extension: str, mimetype: str, body) -> Response:
    """A download of the report for an explicit period (the links on the report page carry it)."""
    if not request.args.get("date_from"):
        abort(400)
    form, figures = _report_form()
    if figures is None:
        abort(400)
    name = f"report-{g.tenant.slug}-{figures['date_from']}-{figures['date_to']}.{extension}"
    return Response(
        body(services.report_rows(figures)),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _csv(rows) -> str:
    if request.args.get("header") == "keys":  # for scripts: stable keys and codes, ISO dates
        return spreadsheets.csv_text(list(report_export.KEY_HEADER), rows)
    header = [str(h) for h in report_export.HEADER]
    return spreadsheets.csv_text(header, report_export.readable_rows(rows, for_csv=True))


def _xlsx(rows) -> bytes:
    if request.args.get("header") == "keys":
        return spreadsheets.xlsx_bytes(_("Report"), list(report_export.KEY_HEADER), rows)
    return spreadsheets.xlsx_bytes(_("Report"), [str(h) for h in report_export.HEADER],
                                   report_export.readable_rows(rows, for_csv=False))


@bp.get("/reports.csv")
@requires("cases.reports")
@reads("case_reports")
def reports_csv():
    return _report_download("csv", "text/csv", _csv)


@bp.get("/reports.xlsx")
@requires("cases.reports")
@reads("case_reports")
def reports_xlsx():
    return _report_download("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _xlsx)


# --- settings of case management (admins) ---


@bp.route("/case-settings", methods=["GET", "POST"])
@requires("service_areas.write")
def case_settings():
    form = F.RetentionForm(data={"retention_years": services.case_settings().retention_years})
    if form.validate_on_submit():
        if run_form(form, lambda: services.set_retention_years(form.retention_years.data, current_actor())):
            flash(_("Saved."), "success")
            return redirect(url_for("cases.case_settings"))
    return render_template("cases/settings.html", form=form)
