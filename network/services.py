"""The alliance's directory: funding agencies, partner organisations and the catalogue of service areas.

Plain functions with explicit arguments; they validate (422 with field errors), refuse deleting what others still
reference (409 with the reasons the packages above give through core.signals.deletion_refused), write the audit
log, and flush. Callers do not commit: the request or task does, once.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import audit, labels, signals
from core import validation as v
from core.audit import Actor
from core.extensions import db
from core.problems import Conflict
from core.search import where_matches
from network.leitweg import leitweg_problems
from network.models import AGENCY_KINDS, DEFAULT_SERVICE_AREAS, PARTNER_KINDS, Agency, Partner, ServiceArea
from tenants.models import Invitation, Membership

AGENCY_REFERENCED = _l("The agency is still referenced: %(reasons)s")
NAME_TAKEN = _l("This name is taken in this alliance; choose another one.")
CODE_TAKEN = _l("This code is taken in this alliance; choose another one.")
PARTNER_REFERENCED = _l("The partner is still referenced: %(reasons)s")

# --- funding agencies -----------------------------------------------------------------------------------------------

AGENCY_FIELDS = ("name", "kind", "leitweg_id", "email", "address", "contact")

def _clean_agency(data: dict, partial: bool, exclude_id: int | None = None) -> dict:
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k in AGENCY_FIELDS}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    errors = v.Errors()
    if not partial or "name" in data:
        if not data.get("name"):
            errors.add("name", _l("Required."))
    if "kind" in data or not partial:
        data.setdefault("kind", "other")
        if data["kind"] not in AGENCY_KINDS:
            errors.add("kind", v.choice_message(AGENCY_KINDS, labels.choice_labels("agencies", "kind")))
    if data.get("leitweg_id"):
        data["leitweg_id"] = data["leitweg_id"].upper()
        if problems := leitweg_problems(data["leitweg_id"]):
            for problem in problems:
                errors.add("leitweg_id", problem)
    if data.get("email") and "@" not in data["email"]:
        errors.add("email", _l("Enter an e-mail address such as name@example.org."))
    if errors and data.get("name") and _name_taken(data["name"], exclude_id):
        errors.add("name", NAME_TAKEN)  # in the same round as the other fields' messages
    errors.raise_if_any(_l("The agency has invalid fields."))
    return data


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    query = select(Agency.id).where(Agency.name == name)
    if exclude_id is not None:
        query = query.where(Agency.id != exclude_id)
    return db.session.scalar(query) is not None


def create_agency(data: dict, actor: Actor) -> Agency:
    data = _clean_agency(data, partial=False)
    if _name_taken(data["name"]):
        raise Conflict(_l("An agency with this name exists already."), {"name": [NAME_TAKEN]})
    agency = Agency(**data)
    db.session.add(agency)
    db.session.flush()
    audit.record(actor, "agency.create", agency, diff={k: [None, v] for k, v in data.items() if v})
    return agency


def update_agency(agency: Agency, data: dict, actor: Actor) -> Agency:
    data = _clean_agency(data, partial=True, exclude_id=agency.id)
    if "name" in data and _name_taken(data["name"], exclude_id=agency.id):
        raise Conflict(_l("An agency with this name exists already."), {"name": [NAME_TAKEN]})
    diff = audit.changes(agency, data)
    if diff:
        audit.record(actor, "agency.update", agency, diff=diff)
    return agency


def delete_agency(agency: Agency, actor: Actor) -> None:
    """Refused (409) while anything still references the agency: agency logins, service areas, and whatever
    the packages above answer (contracts, needs, consents)."""
    reasons = signals.ask(signals.deletion_refused, agency)
    if db.session.scalar(select(Membership.id).where(Membership.agency_id == agency.id)) is not None:
        reasons.append(_l("Agency users still log in for it."))
    if db.session.scalar(select(Invitation.id).where(Invitation.agency_id == agency.id).limit(1)) is not None:
        reasons.append(_l("Invitations of agency users name it."))
    if db.session.scalar(select(ServiceArea.id).where(ServiceArea.agency_id == agency.id)) is not None:
        reasons.append(_l("Service areas name it as usually responsible."))
    _delete(agency, reasons, AGENCY_REFERENCED)
    audit.record(actor, "agency.delete", object_type="agencies", object_id=agency.id,
                 diff={"name": [agency.name, None]})


def get_agency(agency_id: int) -> Agency:
    return v.get_or_404(Agency, agency_id, message=_l("No such funding agency in this alliance."))


def list_agencies(search: str = ""):
    """The alliance's agencies by name; `search` in name, e-mail or Leitweg-ID (core.search: folded, literal)."""
    query = where_matches(select(Agency), search, Agency.name, Agency.email, Agency.leitweg_id)
    return db.session.scalars(query.order_by(Agency.name)).all()


# --- partner organisations ------------------------------------------------------------------------------------------

PARTNER_FIELDS = ("name", "kind", "email", "address", "contact")


def _clean_partner(data: dict, partial: bool, exclude_id: int | None = None) -> dict:
    data = {
        k: ("" if v is None else v.strip() if isinstance(v, str) else v)
        for k, v in data.items()
        if k in PARTNER_FIELDS
    }
    errors = v.Errors()
    if (not partial or "name" in data) and not data.get("name"):
        errors.add("name", _l("Required."))
    if "kind" in data or not partial:
        data.setdefault("kind", "other")
        if data["kind"] not in PARTNER_KINDS:
            errors.add("kind", v.choice_message(PARTNER_KINDS, labels.choice_labels("partners", "kind")))
    if data.get("email") and "@" not in data["email"]:
        errors.add("email", _l("Enter an e-mail address such as name@example.org."))
    if errors and data.get("name") and _partner_name_taken(data["name"], exclude_id):
        errors.add("name", NAME_TAKEN)  # in the same round as the other fields' messages
    errors.raise_if_any(_l("The partner has invalid fields."))
    return data


def _partner_name_taken(name: str, exclude_id: int | None = None) -> bool:
    query = select(Partner.id).where(Partner.name == name)
    if exclude_id is not None:
        query = query.where(Partner.id != exclude_id)
    return db.session.scalar(query) is not None


def create_partner(data: dict, actor: Actor) -> Partner:
    data = _clean_partner(data, partial=False)
    if _partner_name_taken(data["name"]):
        raise Conflict(_l("A partner with this name exists already."), {"name": [NAME_TAKEN]})
    partner = Partner(**data)
    db.session.add(partner)
    db.session.flush()
    audit.record(actor, "partner.create", partner, diff={k: [None, v] for k, v in data.items() if v})
    return partner


def update_partner(partner: Partner, data: dict, actor: Actor) -> Partner:
    data = _clean_partner(data, partial=True, exclude_id=partner.id)
    if "name" in data and _partner_name_taken(data["name"], exclude_id=partner.id):
        raise Conflict(_l("A partner with this name exists already."), {"name": [NAME_TAKEN]})
    if diff := audit.changes(partner, data):
        audit.record(actor, "partner.update", partner, diff=diff)
    return partner


def delete_partner(partner: Partner, actor: Actor) -> None:
    """Refused (409) while contracts name the partner or consents and referrals of cases point to it."""
    _delete(partner, signals.ask(signals.deletion_refused, partner), PARTNER_REFERENCED)
    audit.record(actor, "partner.delete", object_type="partners", object_id=partner.id,
                 diff={"name": [partner.name, None]})


def get_partner(partner_id: int) -> Partner:
    return v.get_or_404(Partner, partner_id, message=_l("No such partner in this alliance."))


def list_partners(search: str = ""):
    """The partner organisations by name; `search` in name, contact person or e-mail (core.search)."""
    query = where_matches(select(Partner), search, Partner.name, Partner.contact, Partner.email)
    return db.session.scalars(query.order_by(Partner.name)).all()


def list_partners_by_name() -> dict[str, Partner]:
    return {p.name: p for p in list_partners()}


# --- service areas (the catalogue) ----------------------------------------------------------------------------------


def seed_service_areas(tenant, actor: Actor) -> None:
    """Every new tenant starts with the default catalogue (called inside its tenant context)."""
    existing = set(db.session.scalars(select(ServiceArea.code)))
    for code, name in DEFAULT_SERVICE_AREAS:
        if code not in existing:
            db.session.add(ServiceArea(code=code, name=name))
    db.session.flush()
    audit.record(
        actor,
        "service_area.seed",
        object_type="service_areas",
        diff={"count": [None, len(DEFAULT_SERVICE_AREAS)]},
    )


def list_service_areas(active_only: bool = False) -> list[ServiceArea]:
    query = select(ServiceArea).order_by(ServiceArea.name)
    if active_only:
        query = query.where(ServiceArea.active.is_(True))
    return list(db.session.scalars(query))


def service_area_by_code(code: str | None) -> ServiceArea | None:
    if not code:
        return None
    return db.session.scalar(select(ServiceArea).where(ServiceArea.code == code))


def active_area(errors: v.Errors, code, field: str = "service_area") -> ServiceArea | None:
    if code in (None, ""):
        errors.add(field, _l("Required."))
        return None
    area = service_area_by_code(str(code))
    if area is None or not area.active:
        errors.add(field, _l("Unknown or inactive service area."))
        return None
    return area


def _area_name_free(errors: v.Errors, name: str, area: ServiceArea | None = None) -> None:
    """One name per service area (ignoring case): two areas called alike would make needs, rate lines and reports
    ambiguous."""
    if not name or "name" in errors:
        return
    for other in db.session.scalars(select(ServiceArea).where(func.lower(ServiceArea.name) == name.lower())):
        if area is None or other.id != area.id:
            errors.add("name", _l("A service area named “%(name)s” exists already; choose another name.",
                                  name=other.name))
            return


def create_service_area(data: dict, actor: Actor) -> ServiceArea:
    errors = v.Errors()
    code, name = v.text(data.get("code"), 40).lower(), v.text(data.get("name"), 120)
    if not code:
        errors.add("code", _l("Required."))
    elif not all(c.isalnum() or c == "_" for c in code):
        errors.add("code", _l("Letters, digits and underscores only."))
    if not name:
        errors.add("name", _l("Required."))
    agency = v.row(errors, Agency, data.get("agency_id"), "agency_id")
    _area_name_free(errors, name)
    if errors and code and "code" not in errors and service_area_by_code(code) is not None:
        errors.add("code", CODE_TAKEN)  # in the same round as the other fields' messages
    errors.raise_if_any(_l("The service area has invalid fields."))
    if service_area_by_code(code) is not None:
        raise Conflict(_l("A service area with this code exists already."), {"code": [CODE_TAKEN]})
    area = ServiceArea(
        code=code, name=name, agency_id=agency.id if agency else None, active=bool(data.get("active", True))
    )
    db.session.add(area)
    db.session.flush()
    audit.record(actor, "service_area.create", area, diff={"code": [None, code], "name": [None, name]})
    return area


def get_service_area(area_id: int) -> ServiceArea:
    return v.get_or_404(ServiceArea, area_id, message=_l("No such service area in this alliance."))


def update_service_area(area: ServiceArea, data: dict, actor: Actor) -> ServiceArea:
    """Rename, (de)activate or map an area to its usual funding agency; the code is the stable key."""
    errors = v.Errors()
    clean: dict = {}
    if "name" in data:
        clean["name"] = v.text(data["name"], 120)
        if not clean["name"]:
            errors.add("name", _l("Required."))
        _area_name_free(errors, clean["name"], area)
    if "active" in data:
        clean["active"] = bool(data["active"])
    if "agency_id" in data:
        agency = v.row(errors, Agency, data["agency_id"], "agency_id")
        clean["agency_id"] = agency.id if agency else None
    errors.raise_if_any(_l("The service area has invalid fields."))
    if diff := audit.changes(area, clean):
        audit.record(actor, "service_area.update", area, diff=diff)
    return area


def set_area_agency(area: ServiceArea, agency: Agency | None, actor: Actor) -> None:
    """Tenant-level mapping: the funding agency usually responsible for this area (default for needs)."""
    new = agency.id if agency else None
    if area.agency_id != new:
        audit.record(actor, "service_area.update", area, diff={"agency_id": [area.agency_id, new]})
        area.agency_id = new


# --- deleting what others may reference -----------------------------------------------------------------------------


def _delete(row, reasons: list, message) -> None:
    """Delete `row` unless `reasons` say who still references it. A reference that no package reported (a new
    foreign key without its check) is still a 409, never a 500: the database refuses it, and the savepoint
    keeps the rest of the transaction."""
    if not reasons:
        try:
            with db.session.begin_nested():
                db.session.delete(row)
            return
        except IntegrityError:
            reasons = [_l("Other records point to it.")]
    raise Conflict(str(message) % {"reasons": " ".join(str(r) for r in reasons)})


# --- answers to the layers below ------------------------------------------------------------------------------------


def _agency_choices(_sender=None, **_kwargs) -> list[tuple[int, str]]:
    return [(a.id, a.name) for a in list_agencies()]


def _seed_new_tenant(tenant, actor: Actor, **_kwargs) -> None:
    seed_service_areas(tenant, actor)


def connect_signals() -> None:
    signals.tenant_created.connect(_seed_new_tenant, weak=False)
    signals.agency_choices.connect(_agency_choices, weak=False)
