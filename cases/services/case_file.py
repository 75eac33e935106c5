"""Cases: opening, phases and outcome, who sees which case, search."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import contains_eager, lazyload

from cases.models import (
    CASE_PHASES,
    ESF_EXIT_STATUSES,
    OUTCOMES,
    Case,
    Client,
    Need,
    ServiceEntry,
)
from cases.services.clients import name_matches, sees_all_cases, visible_clients
from cases.services.due import CASE_DUE_KEYS as DUE_KEYS
from cases.services.due import case_condition as due_condition
from cases.services.limits import check_active_case_limit
from cases.services.timeline import record_event
from core import audit
from core import validation as v
from core.audit import Actor
from core.clock import today
from core.converters import MAX_ID
from core.extensions import db
from core.problems import Conflict, NotFound, ValidationFailed
from network.models import ServiceArea
from tenants.roles import can

OPEN_PHASES = CASE_PHASES[:-1]


def _case_manager(errors: v.Errors, value, field: str = "case_manager_id") -> int | None:
    """A user id of a member of this tenant whose role may work on cases."""
    from tenants.models import Membership

    # bounded like every id: beyond the column's range nobody can be meant (never an overflow)
    user_id = v.bounded_int(errors, value, field, low=1, high=MAX_ID, required=True)
    if user_id is None:
        return None
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user_id))
    if membership is None or not can(membership.role, "cases.write"):
        errors.add(field, _l("No case manager of this alliance with this user id."))
        return None
    return user_id


def case_managers() -> list:
    """(user id, name) of the members who may run cases."""
    from tenants.models import Membership

    members = db.session.scalars(select(Membership))
    return sorted(
        ((m.user_id, m.user.display_name) for m in members if can(m.role, "cases.write")),
        key=lambda pair: pair[1].lower(),
    )


def case_query(actor: Actor):
    query = select(Case)
    if not sees_all_cases(actor):
        query = query.where(Case.case_manager_id == actor.user_id)
    return query


def get_case(case_id: int, actor: Actor, with_client: bool = True) -> Case:
    """A case the actor may see; a colleague's case is as absent as another tenant's (404). `with_client=False`
    for a read of one part (its services, its goals): the client is then loaded only if asked for."""
    query = case_query(actor).where(Case.id == case_id)
    if not with_client:
        query = query.options(lazyload(Case.client))
    case = db.session.scalar(query)
    if case is None:
        raise NotFound(_l("No such case in this alliance (or not yours to see)."))
    return case


def read_case_file(case_id: int, actor: Actor, part: str | None = None) -> Case:
    """Open a case file (or one `part` of it, e.g. its services): every read is written to the audit log."""
    case = get_case(case_id, actor, with_client=part is None)
    audit.record(actor, "case.read", case, diff={"part": [None, part]} if part else None)
    return case


def may_see_case_note(case: Case, actor: Actor) -> bool:
    return actor.role is None or can(actor.role, "cases.all") or case.case_manager_id == actor.user_id


def search_cases(
    actor: Actor, *, status: str = "", case_manager_id: int | None = None, service_area: str = "", q: str = "",
    due: str = "", on: date | None = None,
):
    """The case list query with its filters (status, case manager, service area of a need or entry, name, and
    what is due on `on`: cases.services.due, the start page's lists)."""
    query = case_query(actor).join(Client, and_(Client.id == Case.client_id, Client.tenant_id == Case.tenant_id))
    if due in DUE_KEYS:
        query = query.where(due_condition(due, on or today()))
    if status == "open":
        query = query.where(Case.status != "closed")
    elif status:
        query = query.where(Case.status == status)
    if case_manager_id:
        query = query.where(Case.case_manager_id == case_manager_id)
    if service_area:
        area_ids = select(ServiceArea.id).where(ServiceArea.code == service_area)
        query = query.where(
            or_(
                exists().where(Need.case_id == Case.id, Need.service_area_id.in_(area_ids)),
                exists().where(ServiceEntry.case_id == Case.id, ServiceEntry.service_area_id.in_(area_ids)),
            )
        )
    if (q or "").strip():
        query = query.where(name_matches(q))
    return query


def case_list_columns(query):
    """The columns of the case list in the API (the case and its client's pseudonym, from the list's own join of
    the client): rows instead of objects, see cases.schemas.case_list_item."""
    return query.with_only_columns(
        Case.id, Case.client_id, Client.pseudonym, Case.case_manager_id, Case.status, Case.opened_on,
        Case.closed_on, Case.outcome, Case.esf_exit_status, Case.next_review_on, Case.created_at)


def case_list_rows(query):
    """The case list page's objects: each case with its client from the list's own join (not a second one),
    with only the columns a list shows (the client's children and notes are not loaded)."""
    return query.options(
        contains_eager(Case.client).load_only(Client.pseudonym, Client.first_name, Client.last_name,
                                              Client.anonymised_at).lazyload(Client.children))


def create_case(data: dict, actor: Actor) -> Case:
    errors = v.Errors()
    client = v.row(errors, Client, data.get("client_id"), "client_id")
    if data.get("client_id") in (None, ""):
        errors.add("client_id", _l("Required."))
    elif client is not None and db.session.scalar(visible_clients(actor).where(Client.id == client.id)) is None:
        client = None  # a colleague's client is as unknown to a case manager as another tenant's
        errors.add("client_id", _l("Not found in this alliance."))
    manager = data.get("case_manager_id")
    if manager in (None, "") and can(actor.role, "cases.write") and not can(actor.role, "cases.all"):
        manager = actor.user_id  # a case manager opens cases for herself
    manager_id = _case_manager(errors, manager)
    opened_on = v.date_field(errors, data, "opened_on", not_future=True) or today()
    next_review_on = v.date_field(errors, data, "next_review_on")
    not_before_opening(errors, "next_review_on", next_review_on, opened_on)
    status = data.get("status") or "intake"
    v.choice(errors, status, "status", CASE_PHASES)
    errors.raise_if_any(_l("The case has invalid fields."))
    if client.anonymised_at is not None:
        raise Conflict(_l("This client has been anonymised."))
    if db.session.scalar(select(Case.id).where(Case.client_id == client.id, Case.status != "closed")) is not None:
        # one case file per person at a time: help "from one hand"
        raise Conflict(_l("This client already has an open case."),
                       {"client_id": [_l("Already has an open case.")]})
    if status != "intake":
        raise Conflict(_l("A case starts in the intake phase; move it on step by step."))
    check_active_case_limit()
    case = Case(
        client_id=client.id,
        case_manager_id=manager_id,
        status="intake",
        opened_on=opened_on,
        next_review_on=next_review_on,
        confidential_note=v.text(data.get("confidential_note"), 5000),
    )
    db.session.add(case)
    db.session.flush()
    record_event(case, "opened", client.pseudonym, actor)
    audit.record(actor, "case.create", case, diff={"client_id": [None, client.id], "status": [None, "intake"]})
    return case


def german(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def not_before_opening_message(opened: date):
    return _l("The case was opened on %(date)s; enter a date from then on.", date=german(opened))


def not_before_opening(errors: v.Errors, field: str, value: date | None, opened: date | None) -> None:
    """Dates of a case (its review, closing, goals, measures, referrals) lie on or after its opening day."""
    if value is not None and opened is not None and value < opened and field not in errors:
        errors.add(field, not_before_opening_message(opened))


def check_transition(case: Case, to: str, outcome: str | None) -> None:
    """The phase rules: one step forward, any step back among open phases, closing from anywhere with an
    outcome, reopening a closed case into an open phase."""
    if to == case.status:
        return
    if to == "closed":
        if not outcome:
            raise Conflict(
                _l("A case can only be closed with an outcome."), {"outcome": [_l("Required when closing.")]}
            )
        return
    if case.status == "closed":
        return  # reopen
    here, there = CASE_PHASES.index(case.status), CASE_PHASES.index(to)
    if there > here + 1:
        skipped = ", ".join(CASE_PHASES[here + 1 : there])
        raise Conflict(
            _l(
                "A case moves one phase at a time: from %(here)s to %(there)s would skip %(skipped)s.",
                here=case.status,
                there=to,
                skipped=skipped,
            ),
            {"status": [_l("Skipping a phase is not allowed.")]},
        )


def update_case(case: Case, data: dict, actor: Actor) -> Case:
    errors = v.Errors()
    clean: dict = {}
    if "case_manager_id" in data:
        clean["case_manager_id"] = _case_manager(errors, data["case_manager_id"])
    for field in ("next_review_on", "opened_on"):
        if field in data:
            opened = field == "opened_on"
            clean[field] = v.date_field(errors, data, field, required=opened, not_future=opened)
    if "confidential_note" in data:
        if not may_see_case_note(case, actor):
            errors.add("confidential_note", _l("Only the assigned case manager and admins may write this note."))
        clean["confidential_note"] = v.text(data["confidential_note"], 5000)
    to = data.get("status") or case.status
    v.choice(errors, to, "status", CASE_PHASES)
    outcome = data.get("outcome") if "outcome" in data else None
    v.choice(errors, outcome, "outcome", OUTCOMES)
    esf = data.get("esf_exit_status") if "esf_exit_status" in data else None
    v.choice(errors, esf, "esf_exit_status", ESF_EXIT_STATUSES)
    closed_on = v.date_field(errors, data, "closed_on", not_future=True)
    opened = clean.get("opened_on") or case.opened_on
    if "opened_on" not in errors:
        not_before_opening(errors, "next_review_on", clean.get("next_review_on"), opened)
        if to == "closed" and closed_on:
            not_before_opening(errors, "closed_on", closed_on, opened)
        elif to == "closed" and case.closed_on and clean.get("opened_on") and clean["opened_on"] > case.closed_on:
            errors.add("opened_on", _l("The case was closed on %(date)s; it cannot have been opened later.",
                                       date=german(case.closed_on)))
    errors.raise_if_any(_l("The case has invalid fields."))
    closing = to == "closed"
    if not closing and (outcome or closed_on or esf):
        raise Conflict(
            _l("Outcome, closing date and ESF+ exit status belong to closing the case."),
            {"outcome": [_l("Only when the case is closed.")]},
        )
    check_transition(case, to, outcome or (case.outcome if case.status == "closed" else None))
    if case.status == "closed" and not closing:
        check_active_case_limit()  # reopening makes it active again
    old_status = case.status
    if closing:
        clean["outcome"] = outcome or case.outcome
        clean["closed_on"] = closed_on or case.closed_on or today()
        if esf or old_status != "closed":
            clean["esf_exit_status"] = esf or case.esf_exit_status
        if clean["closed_on"] < opened:  # closed today, opened (by a typo) in the days ahead
            raise ValidationFailed(_l("The case has invalid fields."), {"closed_on": [not_before_opening_message(
                opened)]})
    elif old_status == "closed":
        clean.update(outcome=None, closed_on=None, esf_exit_status=None)  # reopened; the timeline keeps the old outcome
    clean["status"] = to
    diff = audit.changes(case, clean)
    if "status" in diff:
        kind = "reopened" if old_status == "closed" else ("closed" if closing else "status")
        detail = f"{old_status} → {to}" + (f" ({case.outcome})" if closing else "")
        record_event(case, kind, detail, actor)
    elif diff:
        record_event(case, "updated", ", ".join(sorted(k for k in diff if k != "confidential_note") or ["note"]), actor)
    if diff:
        if "confidential_note" in diff:
            diff["confidential_note"] = ["…", "…"]
        audit.record(actor, "case.update", case, diff=diff)
    return case


def refuse_if_closed(case: Case) -> None:
    if case.status == "closed":
        raise Conflict(_l("The case is closed; reopen it first."))
