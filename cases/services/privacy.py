"""Data protection: export (Art. 15/20), anonymisation, restriction and retention."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from cases.models import (
    Case,
    CaseSettings,
    Client,
    ServiceEntry,
)
from cases.services.case_file import case_query, may_see_case_note
from cases.services.clients import CLIENT_FIELDS, may_see_client_note
from cases.services.consents import consents_of
from cases.services.plan import goals_of, needs_of
from cases.services.referrals import referrals_of
from cases.services.service_log import entries_of
from core import audit
from core import validation as v
from core.audit import Actor
from core.clock import today
from core.extensions import db
from core.models import utcnow
from core.problems import Conflict


def export_client(client: Client, actor: Actor) -> dict:
    """Everything stored about one client (GDPR Art. 15/20) as JSON-ready data; the export is audited."""

    def plain(row, *fields):
        values = {f: getattr(row, f) for f in fields}
        return {f: v.isoformat() if isinstance(v, (date, datetime)) else v for f, v in values.items()}

    # the export shows what the exporting person may see on the pages, no more; an admin exports everything
    everything = list(db.session.scalars(select(Case.id).where(Case.client_id == client.id).order_by(Case.id)))
    cases = list(db.session.scalars(case_query(actor).where(Case.client_id == client.id).order_by(Case.id)))
    withheld = [f"cases.{case_id}" for case_id in everything if case_id not in {c.id for c in cases}]
    data = {
        "client": plain(client, "pseudonym", *CLIENT_FIELDS, "created_at"),
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
    if not may_see_client_note(client, actor):
        del data["client"]["confidential_note"]
        withheld.append("client.confidential_note")
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
        if not may_see_case_note(case, actor):
            del data["cases"][-1]["confidential_note"]
            withheld.append(f"cases.{case.id}.confidential_note")
    if withheld:
        data["withheld"] = withheld  # visible to the exporter: ask an admin for the complete export
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
