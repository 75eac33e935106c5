"""Contract-side verbs. Agencies first: the pattern cases and contracts copy (validate, change, audit)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from contracts.leitweg import leitweg_problems
from contracts.models import AGENCY_KINDS, Agency
from core import audit
from core.audit import Actor
from core.extensions import db
from core.problems import Conflict, NotFound, ValidationFailed

AGENCY_FIELDS = ("name", "kind", "leitweg_id", "email", "address", "contact")

# Other packages register checks "who still references this agency?" returning a reason or None.
AGENCY_REFERENCE_CHECKS: list = []


def _clean_agency(data: dict, partial: bool) -> dict:
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k in AGENCY_FIELDS}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    errors: dict[str, list[str]] = {}
    if not partial or "name" in data:
        if not data.get("name"):
            errors["name"] = [_l("Required.")]
    if "kind" in data or not partial:
        data.setdefault("kind", "other")
        if data["kind"] not in AGENCY_KINDS:
            errors["kind"] = [_l("One of: %(choices)s.", choices=", ".join(AGENCY_KINDS))]
    if data.get("leitweg_id"):
        data["leitweg_id"] = data["leitweg_id"].upper()
        if problems := leitweg_problems(data["leitweg_id"]):
            errors["leitweg_id"] = problems
    if data.get("email") and "@" not in data["email"]:
        errors["email"] = [_l("Not a valid e-mail address.")]
    if errors:
        raise ValidationFailed(_l("The agency has invalid fields."), errors)
    return data


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    query = select(Agency.id).where(Agency.name == name)
    if exclude_id is not None:
        query = query.where(Agency.id != exclude_id)
    return db.session.scalar(query) is not None


def create_agency(data: dict, actor: Actor) -> Agency:
    data = _clean_agency(data, partial=False)
    if _name_taken(data["name"]):
        raise Conflict(_l("An agency with this name exists already."), {"name": [_l("Already exists.")]})
    agency = Agency(**data)
    db.session.add(agency)
    db.session.flush()
    audit.record(actor, "agency.create", agency, diff={k: [None, v] for k, v in data.items() if v})
    return agency


def update_agency(agency: Agency, data: dict, actor: Actor) -> Agency:
    data = _clean_agency(data, partial=True)
    if "name" in data and _name_taken(data["name"], exclude_id=agency.id):
        raise Conflict(_l("An agency with this name exists already."), {"name": [_l("Already exists.")]})
    diff = audit.changes(agency, data)
    if diff:
        audit.record(actor, "agency.update", agency, diff=diff)
    return agency


def delete_agency(agency: Agency, actor: Actor) -> None:
    """Refused (409) while anything still references the agency: contracts, agency logins, needs."""
    from tenants.models import Membership

    reasons = [reason for check in AGENCY_REFERENCE_CHECKS if (reason := check(agency))]
    if db.session.scalar(select(Membership.id).where(Membership.agency_id == agency.id)) is not None:
        reasons.append(_l("Agency users still log in for it."))
    if reasons:
        raise Conflict(_l("The agency is still referenced: %(reasons)s", reasons=" ".join(str(r) for r in reasons)))
    audit.record(actor, "agency.delete", agency, diff={"name": [agency.name, None]})
    db.session.delete(agency)


def get_agency(agency_id: int) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.id == agency_id))
    if agency is None:
        raise NotFound(_l("No agency with id %(id)s.", id=agency_id))
    return agency


def list_agencies():
    return db.session.scalars(select(Agency).order_by(Agency.name)).all()
