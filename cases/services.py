"""Case-management verbs: clients, consents, cases and phases, needs, support plan, referrals, service log.

Plain functions with explicit arguments (the acting `Actor` included). They validate (422 with field errors),
refuse illegal state changes (409), write an audit event for every change and a timeline line for everything
that happens to a case. Callers commit.
"""

from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select

from cases.models import (
    CASE_PHASES,
    DATA_ITEMS,
    EMPLOYMENT_STATUSES,
    ESF_EXIT_STATUSES,
    GOAL_RESPONSIBLE,
    GOAL_STATUSES,
    ISCED_LEVELS,
    NEED_PRIORITIES,
    OUTCOMES,
    Case,
    CaseEvent,
    CaseSettings,
    Child,
    Client,
    Consent,
    Goal,
    Need,
    Referral,
    ServiceEntry,
    SupportPlanVersion,
)
from core import audit, signals
from core import validation as v
from core.audit import Actor
from core.clock import today
from core.extensions import db
from core.models import utcnow
from core.problems import Conflict, NotFound, ValidationFailed
from network import services as network
from network.models import Agency, Partner, ServiceArea
from tenants.roles import can

MAX_MINUTES = 24 * 60



def _event(case: Case, kind: str, detail: str, actor: Actor) -> None:
    db.session.add(CaseEvent(case_id=case.id, kind=kind, detail=detail[:300], user_id=actor.user_id))


# --- clients ---

CLIENT_TEXT_FIELDS = {
    "first_name": 100,
    "last_name": 100,
    "phone": 40,
    "email": 254,
    "confidential_note": 5000,
}


def _clean_client(data: dict, partial: bool) -> tuple[dict, list[int] | None]:
    errors = v.Errors()
    clean: dict = {}
    for name, limit in CLIENT_TEXT_FIELDS.items():
        if name in data or not partial:
            clean[name] = v.text(data.get(name), limit)
    for name in ("first_name", "last_name"):
        if name in clean and not clean[name]:
            errors.add(name, _l("Required."))
    if clean.get("email") and "@" not in clean["email"]:
        errors.add("email", _l("Not a valid e-mail address."))
    if "birth_year" in data or not partial:
        clean["birth_year"] = v.year(errors, data.get("birth_year"), "birth_year")
    if "receives_sgb2" in data or not partial:
        clean["receives_sgb2"] = bool(data.get("receives_sgb2"))
    if "employment_status" in data or not partial:
        clean["employment_status"] = v.choice(
            errors, data.get("employment_status") or None, "employment_status", EMPLOYMENT_STATUSES
        )
    if "education_level" in data or not partial:
        level = data.get("education_level")
        clean["education_level"] = v.choice(
            errors, None if level in (None, "") else str(level), "education_level", ISCED_LEVELS
        )
    children = None
    if "children" in data or not partial:
        children = []
        for i, child in enumerate(data.get("children") or []):
            year = v.year(errors, (child or {}).get("birth_year"), f"children.{i}.birth_year", required=True)
            children.append(year)
    errors.raise_if_any(_l("The client has invalid fields."))
    return clean, children


def next_pseudonym(year: int) -> str:
    """K-YYYY-NNNN, counting per tenant and year (a unique constraint catches a concurrent duplicate)."""
    prefix = f"K-{year}-"
    last = db.session.scalar(select(func.max(Client.pseudonym)).where(Client.pseudonym.like(prefix + "%")))
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def create_client(data: dict, actor: Actor) -> Client:
    clean, children = _clean_client(data, partial=False)
    client = Client(pseudonym=next_pseudonym(today().year), **clean)
    db.session.add(client)
    db.session.flush()
    for year in children or []:
        db.session.add(Child(client_id=client.id, birth_year=year))
    db.session.flush()
    db.session.refresh(client)
    audit.record(
        actor,
        "client.create",
        client,
        diff={"pseudonym": [None, client.pseudonym], "children": [None, len(children or [])]},
    )
    return client


def update_client(client: Client, data: dict, actor: Actor) -> Client:
    _refuse_if_anonymised(client)
    if "confidential_note" in data and not may_see_client_note(client, actor):
        raise ValidationFailed(
            _l("The client has invalid fields."),
            {"confidential_note": [_l("Only the client's case managers and admins may write this note.")]},
        )
    clean, children = _clean_client(data, partial=True)
    diff = audit.changes(client, clean)
    if children is not None:
        old = [c.birth_year for c in client.children]
        if old != children:
            for child in client.children:
                db.session.delete(child)
            db.session.flush()
            for year in children:
                db.session.add(Child(client_id=client.id, birth_year=year))
            diff["children"] = [old, children]
    db.session.flush()
    db.session.refresh(client)
    if diff:
        # names are personal data: the audit log says which fields changed, not their values
        audit.record(actor, "client.update", client, diff={k: ["…", "…"] for k in diff})
    return client


def _refuse_if_anonymised(client: Client) -> None:
    if client.anonymised_at is not None:
        raise Conflict(_l("This client has been anonymised; the record can no longer be changed."))


def visible_clients(actor: Actor | None):
    """Clients the actor may see. Case managers (least privilege): the clients of their own cases and those
    without any case yet (so that they can open one); admins, viewers and the system: all."""
    query = select(Client)
    if actor is not None and not sees_all_cases(actor):
        own = select(Case.client_id).where(Case.case_manager_id == actor.user_id)
        query = query.where(or_(Client.id.in_(own), Client.id.not_in(select(Case.client_id))))
    return query


def get_client(client_id: int, actor: Actor | None = None) -> Client:
    """A client by id; with an actor, only one the actor may see (else 404, like another tenant's id)."""
    client = db.session.scalar(visible_clients(actor).where(Client.id == client_id))
    if client is None:
        raise NotFound(_l("No client with id %(id)s.", id=client_id))
    return client


def client_query(actor: Actor | None, search: str = ""):
    query = visible_clients(actor)
    if search := (search or "").strip():
        like = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(Client.first_name).like(like),
                func.lower(Client.last_name).like(like),
                func.lower(Client.pseudonym).like(like),
            )
        )
    return query


def may_see_client_note(client: Client, actor: Actor) -> bool:
    """Confidential notes: tenant admins and the case managers of the client's cases."""
    if can(actor.role, "cases.all") or actor.role is None:
        return True
    return (
        db.session.scalar(select(Case.id).where(Case.client_id == client.id, Case.case_manager_id == actor.user_id))
        is not None
    )


# --- consents ---


def create_consent(client: Client, data: dict, actor: Actor) -> Consent:
    """Record a requested consent, or a given one when `given_on` is set; a re-issue names its predecessor."""
    _refuse_if_anonymised(client)
    errors = v.Errors()
    agency = v.row(errors, Agency, data.get("agency_id"), "agency_id")
    partner = v.row(errors, Partner, data.get("partner_id"), "partner_id")
    if not data.get("agency_id") and not data.get("partner_id"):
        errors.add("agency_id", _l("Name the receiving agency (or partner)."))
    elif data.get("agency_id") and data.get("partner_id"):
        errors.add("partner_id", _l("One recipient per consent: an agency or a partner."))
    purposes = v.text(data.get("purposes"), 2000)
    if not purposes:
        errors.add("purposes", _l("Required."))
    items = data.get("data_items") or []
    if isinstance(items, str):
        items = [items]
    if not items:
        errors.add("data_items", _l("Name at least one data item."))
    elif unknown := [i for i in items if i not in DATA_ITEMS]:
        errors.add(
            "data_items",
            _l(
                "Unknown: %(unknown)s. Allowed: %(allowed)s.",
                unknown=", ".join(map(str, unknown)),
                allowed=", ".join(DATA_ITEMS),
            ),
        )
    given_on = v.date_field(errors, data, "given_on", not_future=True)
    expires_on = v.date_field(errors, data, "expires_on")
    requested_on = v.date_field(errors, data, "requested_on", not_future=True) or given_on or today()
    if given_on and expires_on and expires_on < given_on:
        errors.add("expires_on", _l("Must not be before the day it was given."))
    replaces = v.row(errors, Consent, data.get("replaces_id"), "replaces_id")
    if replaces is not None and replaces.client_id != client.id:
        errors.add("replaces_id", _l("No consent of this client with this id."))
    errors.raise_if_any(_l("The consent has invalid fields."))
    consent = Consent(
        client_id=client.id,
        agency_id=agency.id if agency else None,
        partner_id=partner.id if partner else None,
        purposes=purposes,
        data_items=sorted(set(items)),
        status="given" if given_on else "requested",
        requested_on=requested_on,
        given_on=given_on,
        expires_on=expires_on,
        replaces_id=replaces.id if replaces else None,
    )
    db.session.add(consent)
    db.session.flush()
    audit.record(
        actor,
        "consent.create",
        consent,
        diff={"status": [None, consent.status], "client_id": [None, client.id]},
    )
    return consent


def give_consent(consent: Consent, on: date | None, actor: Actor) -> Consent:
    """requested → given."""
    errors = v.Errors()
    on = v.date_field(errors, {"on": on}, "on", not_future=True) or today()
    errors.raise_if_any(_l("Invalid date."))
    if consent.status != "requested":
        raise Conflict(_l("Only a requested consent can be given."))
    if consent.expires_on and consent.expires_on < on:
        raise Conflict(_l("The consent would already be expired on that day."))
    consent.status, consent.given_on = "given", on
    audit.record(actor, "consent.give", consent, diff={"status": ["requested", "given"]})
    return consent


def withdraw_consent(consent: Consent, on: date | None, actor: Actor) -> Consent:
    """requested/given → withdrawn (from `on`). Expired and withdrawn consents stay as they are."""
    errors = v.Errors()
    on = v.date_field(errors, {"on": on}, "on", not_future=True) or today()
    errors.raise_if_any(_l("Invalid date."))
    state = consent.status_on(on)
    if state not in ("requested", "given"):
        raise Conflict(_l("Only a requested or given consent can be withdrawn."))
    if consent.given_on and on < consent.given_on:
        raise ValidationFailed(_l("Invalid date."), {"on": [_l("Must not be before the day it was given.")]})
    old = consent.status
    consent.status, consent.withdrawn_on = "withdrawn", on
    audit.record(actor, "consent.withdraw", consent, diff={"status": [old, "withdrawn"]})
    return consent


def get_consent(client: Client, consent_id: int) -> Consent:
    consent = db.session.scalar(select(Consent).where(Consent.id == consent_id, Consent.client_id == client.id))
    if consent is None:
        raise NotFound(_l("No consent with id %(id)s.", id=consent_id))
    return consent


def consents_of(client: Client) -> list[Consent]:
    return list(db.session.scalars(select(Consent).where(Consent.client_id == client.id).order_by(Consent.id.desc())))


def may_share(client: Client, data_item: str, recipient: Agency | Partner, on_date: date) -> bool:
    """May `data_item` of `client` go to `recipient` (an agency or a partner) on `on_date`?

    Yes only with a consent for exactly that recipient that names the item, was given on or before that
    day, had not expired and had not been withdrawn by then.
    """
    column = Consent.agency_id if isinstance(recipient, Agency) else Consent.partner_id
    consents = db.session.scalars(
        select(Consent).where(
            Consent.client_id == client.id,
            column == recipient.id,
            Consent.given_on.is_not(None),
            Consent.status.in_(("given", "withdrawn")),
        )
    )
    for consent in consents:
        if data_item not in (consent.data_items or []):
            continue
        if consent.given_on > on_date:
            continue
        if consent.expires_on is not None and on_date > consent.expires_on:
            continue
        if consent.withdrawn_on is not None and on_date >= consent.withdrawn_on:
            continue
        return True
    return False


# --- cases ---

OPEN_PHASES = CASE_PHASES[:-1]


def _case_manager(errors: v.Errors, value, field: str = "case_manager_id") -> int | None:
    """A user id of a member of this tenant whose role may work on cases."""
    from tenants.models import Membership

    if value in (None, ""):
        errors.add(field, _l("Required."))
        return None
    try:
        user_id = int(value)
    except (TypeError, ValueError):
        errors.add(field, _l("Not a valid user id."))
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


def sees_all_cases(actor: Actor) -> bool:
    """Admins see every case, viewers read all (without confidential notes), case managers their own."""
    return actor.role is None or can(actor.role, "cases.all") or can(actor.role, "cases.read_all")


def case_query(actor: Actor):
    query = select(Case)
    if not sees_all_cases(actor):
        query = query.where(Case.case_manager_id == actor.user_id)
    return query


def get_case(case_id: int, actor: Actor) -> Case:
    """A case the actor may see; a colleague's case is as absent as another tenant's (404)."""
    case = db.session.scalar(case_query(actor).where(Case.id == case_id))
    if case is None:
        raise NotFound(_l("No case with id %(id)s.", id=case_id))
    return case


def read_case_file(case_id: int, actor: Actor, part: str | None = None) -> Case:
    """Open a case file (or one `part` of it, e.g. its services): every read is written to the audit log."""
    case = get_case(case_id, actor)
    audit.record(actor, "case.read", case, diff={"part": [None, part]} if part else None)
    return case


def may_see_case_note(case: Case, actor: Actor) -> bool:
    return actor.role is None or can(actor.role, "cases.all") or case.case_manager_id == actor.user_id


def search_cases(
    actor: Actor, *, status: str = "", case_manager_id: int | None = None, service_area: str = "", q: str = ""
):
    """The case list query with its filters (status, case manager, service area of a need or entry, name)."""
    query = case_query(actor).join(Client, and_(Client.id == Case.client_id, Client.tenant_id == Case.tenant_id))
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
    if q := (q or "").strip():
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(Client.first_name).like(like),
                func.lower(Client.last_name).like(like),
                func.lower(Client.pseudonym).like(like),
                func.lower(Client.first_name + " " + Client.last_name).like(like),
            )
        )
    return query


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
    _event(case, "opened", client.pseudonym, actor)
    audit.record(actor, "case.create", case, diff={"client_id": [None, client.id], "status": [None, "intake"]})
    return case


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
    errors.raise_if_any(_l("The case has invalid fields."))
    closing = to == "closed"
    if not closing and (outcome or closed_on or esf):
        raise Conflict(
            _l("Outcome, closing date and ESF+ exit status belong to closing the case."),
            {"outcome": [_l("Only when the case is closed.")]},
        )
    check_transition(case, to, outcome or (case.outcome if case.status == "closed" else None))
    old_status = case.status
    if closing:
        clean["outcome"] = outcome or case.outcome
        clean["closed_on"] = closed_on or case.closed_on or today()
        if esf or old_status != "closed":
            clean["esf_exit_status"] = esf or case.esf_exit_status
        opened = clean.get("opened_on") or case.opened_on
        if clean["closed_on"] < opened:
            raise ValidationFailed(
                _l("The case has invalid fields."), {"closed_on": [_l("Must not be before opening.")]}
            )
    elif old_status == "closed":
        clean.update(outcome=None, closed_on=None, esf_exit_status=None)  # reopened; the timeline keeps the old outcome
    clean["status"] = to
    diff = audit.changes(case, clean)
    if "status" in diff:
        kind = "reopened" if old_status == "closed" else ("closed" if closing else "status")
        detail = f"{old_status} → {to}" + (f" ({case.outcome})" if closing else "")
        _event(case, kind, detail, actor)
    elif diff:
        _event(case, "updated", ", ".join(sorted(k for k in diff if k != "confidential_note") or ["note"]), actor)
    if diff:
        if "confidential_note" in diff:
            diff["confidential_note"] = ["…", "…"]
        audit.record(actor, "case.update", case, diff=diff)
    return case


def _refuse_if_closed(case: Case) -> None:
    if case.status == "closed":
        raise Conflict(_l("The case is closed; reopen it first."))


# --- needs ---


def add_need(case: Case, data: dict, actor: Actor) -> Need:
    _refuse_if_closed(case)
    errors = v.Errors()
    area = network.active_area(errors, data.get("service_area"))
    priority = data.get("priority") or "medium"
    v.choice(errors, priority, "priority", NEED_PRIORITIES)
    agency = v.row(errors, Agency, data.get("agency_id"), "agency_id")
    errors.raise_if_any(_l("The need has invalid fields."))
    need = Need(
        case_id=case.id,
        service_area_id=area.id,
        priority=priority,
        baseline=v.text(data.get("baseline"), 5000),
        note=v.text(data.get("note"), 5000),
        agency_id=agency.id if agency else area.agency_id,
    )
    db.session.add(need)
    db.session.flush()
    _event(case, "need", f"{area.name} ({priority})", actor)
    audit.record(actor, "need.create", need, diff={"case_id": [None, case.id], "service_area": [None, area.code]})
    return need


def needs_of(case: Case) -> list[Need]:
    return list(db.session.scalars(select(Need).where(Need.case_id == case.id).order_by(Need.id)))


# --- goals and measures (support plan) ---

GOAL_TRANSITIONS = {
    "planned": {"in_progress", "cancelled"},
    "in_progress": {"done", "not_done", "cancelled", "planned"},
    "done": set(),
    "not_done": set(),
    "cancelled": set(),
}
GOAL_INITIAL = ("planned", "in_progress")


def _clean_goal(case: Case, data: dict, partial: bool) -> dict:
    errors = v.Errors()
    clean: dict = {}
    if "title" in data or not partial:
        clean["title"] = v.text(data.get("title"), 200)
        if not clean["title"]:
            errors.add("title", _l("Required."))
    if "measure" in data or not partial:
        clean["measure"] = v.text(data.get("measure"), 5000)
    if "responsible" in data or not partial:
        clean["responsible"] = data.get("responsible") or "client"
        v.choice(errors, clean["responsible"], "responsible", GOAL_RESPONSIBLE)
    if "partner_id" in data:
        partner = v.row(errors, Partner, data.get("partner_id"), "partner_id")
        clean["partner_id"] = partner.id if partner else None
    for field in ("due_on", "review_on"):
        if field in data or not partial:
            clean[field] = v.date_field(errors, data, field)
    if "status" in data or not partial:
        status = data.get("status") or "planned"
        v.choice(errors, status, "status", GOAL_STATUSES)
        clean["status"] = status
    errors.raise_if_any(_l("The goal has invalid fields."))
    return clean


def add_goal(case: Case, data: dict, actor: Actor) -> Goal:
    _refuse_if_closed(case)
    clean = _clean_goal(case, data, partial=False)
    if clean["status"] not in GOAL_INITIAL:
        raise Conflict(
            _l("A new goal starts as planned or in progress."),
            {"status": ["planned or in_progress"]},
        )
    goal = Goal(case_id=case.id, **clean)
    db.session.add(goal)
    db.session.flush()
    _event(case, "goal", goal.title, actor)
    audit.record(actor, "goal.create", goal, diff={"case_id": [None, case.id], "status": [None, goal.status]})
    return goal


def update_goal(case: Case, goal: Goal, data: dict, actor: Actor) -> Goal:
    """Edit a goal or move its status (planned → in progress → done / not done; cancelled); finished stay."""
    _refuse_if_closed(case)
    clean = _clean_goal(case, data, partial=True)
    if not GOAL_TRANSITIONS[goal.status]:
        raise Conflict(_l("A finished goal can no longer be changed."))
    to = clean.get("status", goal.status)
    if to != goal.status and to not in GOAL_TRANSITIONS[goal.status]:
        allowed = ", ".join(sorted(GOAL_TRANSITIONS[goal.status]))
        raise Conflict(
            _l("This status change is not allowed for the goal."),
            {"status": [_l("Allowed: %(allowed)s.", allowed=allowed)]},
        )
    old = goal.status
    diff = audit.changes(goal, clean)
    if "status" in diff:
        _event(case, "goal_status", f"{goal.title}: {old} → {to}", actor)
    if diff:
        audit.record(actor, "goal.update", goal, diff=diff)
    return goal


def get_goal(case: Case, goal_id: int) -> Goal:
    goal = db.session.scalar(select(Goal).where(Goal.id == goal_id, Goal.case_id == case.id))
    if goal is None:
        raise NotFound(_l("No goal with id %(id)s.", id=goal_id))
    return goal


def goals_of(case: Case) -> list[Goal]:
    return list(db.session.scalars(select(Goal).where(Goal.case_id == case.id).order_by(Goal.id)))


def approve_plan(case: Case, actor: Actor, on: date | None = None) -> SupportPlanVersion:
    """Freeze the current goals as a new version of the support plan."""
    goals = goals_of(case)
    if not goals:
        raise Conflict(_l("The support plan has no goals yet."))
    number = (
        db.session.scalar(select(func.max(SupportPlanVersion.number)).where(SupportPlanVersion.case_id == case.id)) or 0
    ) + 1
    snapshot = [
        {
            "title": g.title,
            "measure": g.measure,
            "responsible": g.responsible,
            "partner_id": g.partner_id,
            "due_on": g.due_on.isoformat() if g.due_on else None,
            "review_on": g.review_on.isoformat() if g.review_on else None,
            "status": g.status,
        }
        for g in goals
    ]
    version = SupportPlanVersion(
        case_id=case.id,
        number=number,
        approved_on=on or today(),
        approved_by_id=actor.user_id,
        goals=snapshot,
    )
    db.session.add(version)
    db.session.flush()
    _event(case, "plan", f"v{number}", actor)
    audit.record(actor, "support_plan.approve", version, diff={"number": [None, number]})
    return version


def plan_versions(case: Case) -> list[SupportPlanVersion]:
    return list(
        db.session.scalars(
            select(SupportPlanVersion)
            .where(SupportPlanVersion.case_id == case.id)
            .order_by(SupportPlanVersion.number.desc())
        )
    )


# --- referrals ---

REFERRAL_TRANSITIONS = {
    "pending": {"accepted", "rejected"},
    "accepted": {"done"},
    "rejected": set(),
    "done": set(),
}


def refer(case: Case, data: dict, actor: Actor) -> Referral:
    """Refer the case to a partner organisation; needs today's consent for that partner covering needs."""
    _refuse_if_closed(case)
    errors = v.Errors()
    partner = v.row(errors, Partner, data.get("partner_id"), "partner_id")
    if data.get("partner_id") in (None, ""):
        errors.add("partner_id", _l("Required."))
    on = v.date_field(errors, data, "referred_on", not_future=True) or today()
    errors.raise_if_any(_l("The referral has invalid fields."))
    client = case.client
    if not may_share(client, "needs", partner, on):
        raise Conflict(
            _l("There is no valid consent of the client to pass their needs on to this partner."),
            {"partner_id": [_l("No valid consent for this partner.")]},
        )
    consent = next(
        c
        for c in consents_of(client)
        if c.partner_id == partner.id and c.status_on(on) == "given" and "needs" in c.data_items
    )
    referral = Referral(
        case_id=case.id,
        partner_id=partner.id,
        consent_id=consent.id,
        referred_on=on,
        reason=v.text(data.get("reason"), 5000),
        status="pending",
    )
    db.session.add(referral)
    db.session.flush()
    _event(case, "referral", partner.name, actor)
    audit.record(actor, "referral.create", referral, diff={"partner_id": [None, partner.id]})
    return referral


def move_referral(case: Case, referral: Referral, to: str, actor: Actor, on: date | None = None) -> Referral:
    errors = v.Errors()
    v.choice(errors, to, "to", tuple(REFERRAL_TRANSITIONS), required=True)
    on = v.date_field(errors, {"on": on}, "on", not_future=True) or today()
    errors.raise_if_any(_l("Invalid referral step."))
    if to not in REFERRAL_TRANSITIONS[referral.status]:
        raise Conflict(_l("This step is not allowed for the referral."))
    old = referral.status
    referral.status, referral.status_on = to, on
    _event(case, "referral_status", f"{old} → {to}", actor)
    audit.record(actor, "referral.update", referral, diff={"status": [old, to]})
    return referral


def get_referral(case: Case, referral_id: int) -> Referral:
    referral = db.session.scalar(select(Referral).where(Referral.id == referral_id, Referral.case_id == case.id))
    if referral is None:
        raise NotFound(_l("No referral with id %(id)s.", id=referral_id))
    return referral


def referrals_of(case: Case) -> list[Referral]:
    return list(db.session.scalars(select(Referral).where(Referral.case_id == case.id).order_by(Referral.id)))


# --- service log ---


def _clean_entry(case: Case, data: dict, partial: bool) -> dict:
    errors = v.Errors()
    clean: dict = {}
    if "on" in data or not partial:
        clean["on"] = v.date_field(errors, data, "on", required=True, not_future=True)
        if clean["on"] and case.closed_on and clean["on"] > case.closed_on:
            errors.add("on", _l("The case was closed before this day."))
        if clean["on"] and clean["on"] < case.opened_on:
            errors.add("on", _l("The case was opened after this day."))
    if "minutes" in data or not partial:
        minutes = data.get("minutes")
        if minutes in (None, ""):
            errors.add("minutes", _l("Required."))
        else:
            try:
                clean["minutes"] = int(minutes)
                if isinstance(minutes, float) and minutes != int(minutes):
                    raise ValueError
            except (TypeError, ValueError):
                errors.add("minutes", _l("A whole number of minutes."))
            else:
                if not 1 <= clean["minutes"] <= MAX_MINUTES:
                    errors.add("minutes", _l("Between 1 and 1440 minutes."))
    if "service_area" in data or not partial:
        area = network.active_area(errors, data.get("service_area"))
        clean["service_area_id"] = area.id if area else None
    if "direct" in data or not partial:
        clean["direct"] = True if data.get("direct") is None else bool(data.get("direct"))
    if "note" in data or not partial:
        clean["note"] = v.text(data.get("note"), 5000)
    errors.raise_if_any(_l("The service entry has invalid fields."))
    return clean


def funding_covered(case: Case, on: date, area: ServiceArea) -> bool:
    """True when contracts (funding approvals) confirm funding for this day and area; an entry without it gets
    a warning, and is kept."""
    return True in signals.ask(signals.service_funded, case, on=on, area=area)


def add_service_entry(case: Case, data: dict, actor: Actor) -> tuple[ServiceEntry, bool]:
    """Log a service. Returns (entry, warning): warning when no funding approval covers it (entry kept)."""
    clean = _clean_entry(case, data, partial=False)
    staff = data.get("staff_user_id") or actor.user_id
    entry = ServiceEntry(case_id=case.id, staff_user_id=staff, **clean)
    db.session.add(entry)
    db.session.flush()
    db.session.refresh(entry)
    _event(case, "service", f"{entry.on.isoformat()} · {entry.minutes} min · {entry.service_area.name}", actor)
    audit.record(
        actor,
        "service_entry.create",
        entry,
        diff={"case_id": [None, case.id], "minutes": [None, entry.minutes]},
    )
    return entry, not funding_covered(case, entry.on, entry.service_area)


def _refuse_if_billed(entry: ServiceEntry) -> None:
    if entry.billed:
        raise Conflict(_l("This service entry has been billed; it can no longer be changed or deleted."))


def update_service_entry(case: Case, entry: ServiceEntry, data: dict, actor: Actor) -> tuple[ServiceEntry, bool]:
    _refuse_if_billed(entry)
    clean = _clean_entry(case, data, partial=True)
    diff = audit.changes(entry, clean)
    db.session.flush()
    db.session.expire(entry, ["service_area"])
    if diff:
        _event(case, "service_changed", f"{entry.on.isoformat()} · {entry.minutes} min", actor)
        audit.record(actor, "service_entry.update", entry, diff=diff)
    return entry, not funding_covered(case, entry.on, entry.service_area)


def delete_service_entry(case: Case, entry: ServiceEntry, actor: Actor) -> None:
    _refuse_if_billed(entry)
    _event(case, "service_deleted", f"{entry.on.isoformat()} · {entry.minutes} min", actor)
    audit.record(actor, "service_entry.delete", entry, diff={"minutes": [entry.minutes, None]})
    db.session.delete(entry)


def get_service_entry(case: Case, entry_id: int) -> ServiceEntry:
    entry = db.session.scalar(select(ServiceEntry).where(ServiceEntry.id == entry_id, ServiceEntry.case_id == case.id))
    if entry is None:
        raise NotFound(_l("No service entry with id %(id)s.", id=entry_id))
    return entry


def entries_of(case: Case):
    return select(ServiceEntry).where(ServiceEntry.case_id == case.id)


def mark_billed(
    entries: Iterable[ServiceEntry],
    actor: Actor,
    invoice_line_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Billing's mark: from now on the entries are immutable; billing one twice is a conflict."""
    entries = list(entries)
    if already := [e.id for e in entries if e.billed]:
        raise Conflict(_l("Service entries billed already: %(ids)s.", ids=", ".join(map(str, already))))
    at = at or utcnow()
    for entry in entries:
        entry.billed_at, entry.invoice_line_id = at, invoice_line_id
        audit.record(actor, "service_entry.bill", entry, diff={"invoice_line_id": [None, invoice_line_id]})


def release_billed(entries: Iterable[ServiceEntry], actor: Actor) -> None:
    """A credit note releases its entries for a later run."""
    for entry in entries:
        if entry.billed:
            audit.record(actor, "service_entry.release", entry, diff={"invoice_line_id": [entry.invoice_line_id, None]})
            entry.billed_at, entry.invoice_line_id = None, None


def unbilled_entries(start: date, end: date) -> list[ServiceEntry]:
    """For billing: unbilled entries dated within [start, end]."""
    return list(
        db.session.scalars(
            select(ServiceEntry)
            .where(ServiceEntry.billed_at.is_(None), ServiceEntry.on >= start, ServiceEntry.on <= end)
            .order_by(ServiceEntry.id)
        )
    )


# --- timeline ---


def timeline(case: Case) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
        )
    )


# --- work views ---


def my_caseload(actor: Actor, on: date | None = None) -> dict:
    """The case manager's desk: open cases, overdue reviews and measures, own hours this month."""
    on = on or today()
    cases = list(
        db.session.scalars(
            select(Case)
            .where(Case.case_manager_id == actor.user_id, Case.status != "closed")
            .order_by(Case.next_review_on.is_(None), Case.next_review_on, Case.id)
        )
    )
    overdue_reviews = [c for c in cases if c.next_review_on and c.next_review_on < on]
    case_ids = [c.id for c in cases]
    overdue_goals = (
        list(
            db.session.scalars(
                select(Goal)
                .where(
                    Goal.case_id.in_(case_ids),
                    Goal.status.in_(("planned", "in_progress")),
                    or_(Goal.due_on < on, Goal.review_on < on),
                )
                .order_by(Goal.due_on)
            )
        )
        if case_ids
        else []
    )
    month_start = on.replace(day=1)
    minutes = db.session.scalar(
        select(func.coalesce(func.sum(ServiceEntry.minutes), 0)).where(
            ServiceEntry.staff_user_id == actor.user_id, ServiceEntry.on >= month_start, ServiceEntry.on <= on
        )
    )
    return {
        "cases": cases,
        "overdue_reviews": overdue_reviews,
        "overdue_goals": overdue_goals,
        "cases_by_id": {c.id: c for c in cases},
        "minutes_this_month": int(minutes or 0),
    }


# --- reports for funders ---


def report(date_from: date, date_to: date, agency_id: int | None = None) -> dict:
    """Figures for a period, optionally for one funding agency (cases with a need it is responsible for).

    active: open on at least one day of the period; new: opened in it; closed: closed in it. The
    integration rate is the share of closures with employment taken up (the SGB II key figure for single
    parents).
    """
    if date_to < date_from:
        raise ValidationFailed(_l("Invalid period."), {"date_to": [_l("Must not be before the start.")]})
    cases = select(Case)
    if agency_id:
        cases = cases.where(exists().where(Need.case_id == Case.id, Need.agency_id == agency_id))
    rows = list(db.session.scalars(cases.order_by(Case.id)))
    active = [c for c in rows if c.opened_on <= date_to and (c.closed_on is None or c.closed_on >= date_from)]
    new = [c for c in rows if date_from <= c.opened_on <= date_to]
    closed = [c for c in rows if c.closed_on and date_from <= c.closed_on <= date_to]
    by_outcome = {outcome: 0 for outcome in OUTCOMES}
    for case in closed:
        by_outcome[case.outcome or "other"] += 1
    by_esf = {status: 0 for status in ESF_EXIT_STATUSES}
    for case in closed:
        if case.esf_exit_status:
            by_esf[case.esf_exit_status] += 1
    minutes_by_area: dict[str, int] = {}
    ids = [c.id for c in rows]
    if ids:
        query = (
            select(ServiceArea.name, func.sum(ServiceEntry.minutes))
            .join(
                ServiceArea,
                and_(
                    ServiceArea.id == ServiceEntry.service_area_id,
                    ServiceArea.tenant_id == ServiceEntry.tenant_id,
                ),
            )
            .where(ServiceEntry.on >= date_from, ServiceEntry.on <= date_to, ServiceEntry.case_id.in_(ids))
            .group_by(ServiceArea.name)
            .order_by(ServiceArea.name)
        )
        minutes_by_area = {name: int(total) for name, total in db.session.execute(query)}
    clients = {c.client_id for c in new}
    entry_clients = list(db.session.scalars(select(Client).where(Client.id.in_(clients)))) if clients else []
    return {
        "date_from": date_from,
        "date_to": date_to,
        "active": len(active),
        "new": len(new),
        "closed": len(closed),
        "by_outcome": by_outcome,
        "by_esf_exit": by_esf,
        "integration_rate": (by_outcome["employment"] / len(closed)) if closed else None,
        "minutes_by_area": minutes_by_area,
        "entries_sgb2": sum(1 for c in entry_clients if c.receives_sgb2),
        "entries_by_employment": {
            status: sum(1 for c in entry_clients if c.employment_status == status) for status in EMPLOYMENT_STATUSES
        },
    }


def report_rows(figures: dict) -> list[tuple[str, str, object]]:
    """The report as (section, key, value) rows, for the CSV and XLSX downloads."""
    rows: list[tuple[str, str, object]] = [
        ("period", "from", figures["date_from"].isoformat()),
        ("period", "to", figures["date_to"].isoformat()),
        ("cases", "active", figures["active"]),
        ("cases", "new", figures["new"]),
        ("cases", "closed", figures["closed"]),
        (
            "cases",
            "integration_rate",
            "" if figures["integration_rate"] is None else round(figures["integration_rate"], 3),
        ),
    ]
    rows += [("closures_by_outcome", k, v) for k, v in figures["by_outcome"].items()]
    rows += [("esf_exit_status", k, v) for k, v in figures["by_esf_exit"].items()]
    rows += [("esf_entry_employment", k, v) for k, v in figures["entries_by_employment"].items()]
    rows += [("esf_entry", "receives_sgb2", figures["entries_sgb2"])]
    rows += [("hours_by_service_area", k, round(v / 60, 2)) for k, v in figures["minutes_by_area"].items()]
    return rows


# --- data protection: export, anonymisation, retention ---


def export_client(client: Client, actor: Actor) -> dict:
    """Everything stored about one client (GDPR Art. 15/20) as JSON-ready data; the export is audited."""

    def plain(row, *fields):
        values = {f: getattr(row, f) for f in fields}
        return {f: v.isoformat() if isinstance(v, (date, datetime)) else v for f, v in values.items()}

    cases = list(db.session.scalars(select(Case).where(Case.client_id == client.id).order_by(Case.id)))
    data = {
        "client": plain(
            client,
            "pseudonym",
            "first_name",
            "last_name",
            "birth_year",
            "phone",
            "email",
            "receives_sgb2",
            "employment_status",
            "education_level",
            "confidential_note",
            "created_at",
        ),
        "children": [{"birth_year": c.birth_year} for c in client.children],
        "consents": [
            plain(
                c,
                "id",
                "agency_id",
                "partner_id",
                "purposes",
                "data_items",
                "status",
                "requested_on",
                "given_on",
                "expires_on",
                "withdrawn_on",
            )
            for c in consents_of(client)
        ],
        "cases": [],
    }
    for case in cases:
        entries = db.session.scalars(entries_of(case).order_by(ServiceEntry.on)).all()
        data["cases"].append(
            {
                **plain(
                    case,
                    "id",
                    "status",
                    "opened_on",
                    "closed_on",
                    "outcome",
                    "esf_exit_status",
                    "next_review_on",
                    "confidential_note",
                ),
                "needs": [
                    {
                        "service_area": n.service_area.code,
                        "priority": n.priority,
                        "baseline": n.baseline,
                        "note": n.note,
                    }
                    for n in needs_of(case)
                ],
                "goals": [
                    plain(g, "title", "measure", "responsible", "due_on", "review_on", "status") for g in goals_of(case)
                ],
                "referrals": [plain(r, "partner_id", "referred_on", "reason", "status") for r in referrals_of(case)],
                "services": [
                    {
                        "on": e.on.isoformat(),
                        "minutes": e.minutes,
                        "service_area": e.service_area.code,
                        "direct": e.direct,
                        "note": e.note,
                    }
                    for e in entries
                ],
            }
        )
    audit.record(actor, "client.export", client)
    return data


ANONYMOUS = "–"


def anonymise_client(client: Client, actor: Actor) -> None:
    """Erasure by anonymisation: names, contact, notes and free texts go; dates, minutes, areas and outcomes
    stay (they back invoices already sent). A record under dispute is restricted and refused (409)."""
    if client.restricted:
        raise Conflict(_l("The client's record is restricted (under dispute); it cannot be erased now."))
    if client.anonymised_at is not None:
        return
    client.first_name, client.last_name = ANONYMOUS, ANONYMOUS
    client.phone = client.email = client.confidential_note = ""
    client.birth_year = None
    for child in client.children:
        db.session.delete(child)
    for consent in consents_of(client):
        consent.purposes = ""
    for case in db.session.scalars(select(Case).where(Case.client_id == client.id)):
        case.confidential_note = ""
        for need in needs_of(case):
            need.baseline = need.note = ""
        for goal in goals_of(case):
            goal.title, goal.measure = ANONYMOUS, ""
        for referral in referrals_of(case):
            referral.reason = ""
        for entry in db.session.scalars(entries_of(case)):
            entry.note = ""  # allowed on billed entries too: the note is not part of the statement
    client.anonymised_at = utcnow()
    audit.record(actor, "client.anonymise", client)


def restrict_client(client: Client, restricted: bool, actor: Actor) -> None:
    """Restrict processing instead of deleting (GDPR Art. 18), e.g. while a record is under dispute."""
    if client.restricted != restricted:
        client.restricted = restricted
        audit.record(actor, "client.restrict", client, diff={"restricted": [not restricted, restricted]})


def case_settings() -> CaseSettings:
    settings = db.session.scalar(select(CaseSettings))
    if settings is None:
        settings = CaseSettings()
        db.session.add(settings)
        db.session.flush()
    return settings


def set_retention_years(years, actor: Actor) -> CaseSettings:
    """How many years after closing a client's data is kept before the retention rule anonymises it."""
    errors = v.Errors()
    try:
        value = int(years)
    except (TypeError, ValueError):
        value = None
    if value is None or not 1 <= value <= 30:
        errors.add("retention_years", _l("Between 1 and 30 years."))
    errors.raise_if_any(_l("Invalid settings."))
    settings = case_settings()
    if settings.retention_years != value:
        audit.record(
            actor,
            "case_settings.update",
            settings,
            diff={"retention_years": [settings.retention_years, value]},
        )
        settings.retention_years = value
    return settings


def apply_retention(actor: Actor, on: date | None = None) -> list[int]:
    """Anonymise clients whose cases have all been closed for the tenant's retention period (years); skip
    restricted ones. Idempotent: anonymised clients are not touched again. Returns the ids anonymised."""
    on = on or today()
    years = case_settings().retention_years
    try:
        cutoff = on.replace(year=on.year - years)
    except ValueError:  # 29 February
        cutoff = on.replace(year=on.year - years, day=28)
    open_or_recent = select(Case.client_id).where(or_(Case.status != "closed", Case.closed_on > cutoff))
    has_case = select(Case.client_id)
    candidates = db.session.scalars(
        select(Client).where(
            Client.anonymised_at.is_(None),
            Client.restricted.is_(False),
            Client.id.in_(has_case),
            Client.id.not_in(open_or_recent),
        )
    ).all()
    for client in candidates:
        anonymise_client(client, actor)
    return [c.id for c in candidates]
