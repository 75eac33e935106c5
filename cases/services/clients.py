"""Clients (single parents) and their children: records, pseudonyms, who may see what."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from cases.models import (
    EMPLOYMENT_STATUSES,
    ISCED_LEVELS,
    Case,
    Child,
    Client,
)
from cases.services.due import CLIENT_DUE_KEYS, client_condition
from core import audit
from core import validation as v
from core.audit import Actor
from core.clock import today
from core.extensions import db
from core.problems import Conflict, NotFound, ValidationFailed
from core.search import matches_folded as search_folded
from tenants.roles import can

# what a client record holds (forms, API and the Art. 15 export list the same fields)
CLIENT_FIELDS = ("first_name", "last_name", "birth_year", "phone", "email", "receives_sgb2", "employment_status",
                 "education_level", "confidential_note")
MAX_AGE_YEARS = 120  # a year of birth further back is a typo (1896 for 1996)
MIN_PARENT_AGE_YEARS = 14  # a parent is at least this old at a child's birth (and so today)
PHONE_PATTERN = re.compile(r"[0-9 +()/\-]*")
CLIENT_TEXT_FIELDS = {
    "first_name": 100,
    "last_name": 100,
    "phone": 40,
    "email": 254,
    "confidential_note": 5000,
}


def _clean_client(data: dict, partial: bool, parent_year: int | None = None,
                  existing_children: tuple[int, ...] = ()) -> tuple[dict, list[int] | None]:
    """Checked fields and children's years; on a change, `parent_year` and `existing_children` are what the record
    holds (so that a change of one side is checked against the other)."""
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
    if clean.get("phone") and not PHONE_PATTERN.fullmatch(clean["phone"]):
        errors.add("phone", _l("Enter a phone number with digits, spaces and + ( ) / - only, e.g. 030 1234-567."))
    if "birth_year" in data or not partial:
        clean["birth_year"] = year = v.year(errors, data.get("birth_year"), "birth_year")
        if year is not None and "birth_year" not in errors:
            if year < today().year - MAX_AGE_YEARS:
                errors.add("birth_year", _l("A year of birth more than %(years)d years ago is not plausible; check "
                                            "the year.", years=MAX_AGE_YEARS))
            elif year > today().year - MIN_PARENT_AGE_YEARS:
                errors.add("birth_year", _l("A parent born after %(year)d would be younger than %(years)d; check "
                                            "the year.", year=today().year - MIN_PARENT_AGE_YEARS,
                                            years=MIN_PARENT_AGE_YEARS))
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
    if "birth_year" not in errors:
        _check_children(errors, clean["birth_year"] if "birth_year" in clean else parent_year, children,
                        existing_children, parent_changed="birth_year" in clean)
    errors.raise_if_any(_l("The client has invalid fields."))
    return clean, children


def _check_children(errors: v.Errors, parent: int | None, children: list | None, existing: list[int],
                    parent_changed: bool) -> None:
    """Children are born at least MIN_PARENT_AGE_YEARS after their parent: a new list of children is checked
    against the parent's year (new or on record), a new parent's year against the children (new or on record)."""
    if parent is None:
        return
    earliest = parent + MIN_PARENT_AGE_YEARS
    if children is not None:
        for i, year in enumerate(children):
            if year is not None and year < earliest and f"children.{i}.birth_year" not in errors:
                errors.add(f"children.{i}.birth_year", _l(
                    "The parent (born %(parent)s) would be younger than %(years)d at the birth of this child (born "
                    "%(child)s); check both years.", child=year, parent=parent, years=MIN_PARENT_AGE_YEARS))
    elif parent_changed and (early := [y for y in existing if y < earliest]):
        errors.add("birth_year", _l(
            "The parent would be younger than %(years)d at the birth of the child born %(child)s; check the year.",
            child=min(early), years=MIN_PARENT_AGE_YEARS))


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
    refuse_if_anonymised(client)
    if "confidential_note" in data and not may_see_client_note(client, actor):
        raise ValidationFailed(
            _l("The client has invalid fields."),
            {"confidential_note": [_l("Only the client's case managers and admins may write this note.")]},
        )
    clean, children = _clean_client(data, partial=True, parent_year=client.birth_year,
                                    existing_children=tuple(c.birth_year for c in client.children))
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


def refuse_if_anonymised(client: Client) -> None:
    if client.anonymised_at is not None:
        raise Conflict(_l("This client has been anonymised; the record can no longer be changed."))


def sees_all_cases(actor: Actor) -> bool:
    """Admins see every case, viewers read all (without confidential notes), case managers their own."""
    return actor.role is None or can(actor.role, "cases.all") or can(actor.role, "cases.read_all")


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
        raise NotFound(_l("No such client in this alliance (or not yours to see)."))
    return client


def name_matches(search: str):
    """Clients whose name, full name or pseudonym contains `search`, ignoring case, accents and the spelling of
    umlauts ("krüger", "kruger" and "krueger" find Krüger); the one name search, served on PostgreSQL by a
    trigram index on `search_text` (folded as core.search folds the search; `%` and `_` are literal)."""
    return search_folded(search, Client.search_text)


def client_query(actor: Actor | None, search: str = "", due: str = "", on: date | None = None):
    """The client list with its filters: a name, and what is due on `on` (cases.services.due: `consents`)."""
    query = visible_clients(actor)
    if (search or "").strip():
        query = query.where(name_matches(search))
    if actor is not None and due in CLIENT_DUE_KEYS:
        query = query.where(client_condition(due, on or today(), actor))
    return query


def may_see_client_note(client: Client, actor: Actor) -> bool:
    """Confidential notes: tenant admins and the case managers of the client's cases."""
    if can(actor.role, "cases.all") or actor.role is None:
        return True
    return (
        db.session.scalar(select(Case.id).where(Case.client_id == client.id, Case.case_manager_id == actor.user_id))
        is not None
    )
