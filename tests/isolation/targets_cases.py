"""Tenant B's objects for the URL id arguments of cases/ (clients, consents, cases and their parts)."""

from datetime import date

from sqlalchemy import select

from cases import services
from cases.models import Case, Client
from core.extensions import db
from network.models import Partner
from tests.isolation.targets import ACTOR, MARKER, target


def _client() -> Client:
    existing = db.session.scalar(select(Client).where(Client.first_name == MARKER))
    return existing or services.create_client(
        {
            "first_name": MARKER,
            "last_name": MARKER,
            "birth_year": 1990,
            "children": [{"birth_year": 2018}],
            "confidential_note": MARKER,
        },
        ACTOR,
    )


def _partner() -> Partner:
    partner = db.session.scalar(select(Partner).where(Partner.name == f"{MARKER} Kita"))
    if partner is None:
        partner = Partner(name=f"{MARKER} Kita", kind="childcare")
        db.session.add(partner)
        db.session.flush()
    return partner


def _case() -> Case:
    existing = db.session.scalar(select(Case).where(Case.confidential_note == MARKER))
    if existing is not None:
        return existing
    from tenants.models import Membership

    manager = db.session.scalar(select(Membership.user_id).where(Membership.role == "case_manager"))
    return services.create_case(
        {
            "client_id": _client().id,
            "case_manager_id": manager,
            "opened_on": date(2026, 1, 5),
            "confidential_note": MARKER,
        },
        ACTOR,
    )


@target("client_id")
def client(fx):
    return _client().id


@target("consent_id")
def consent(fx):
    return services.create_consent(
        _client(),
        {
            "partner_id": _partner().id,
            "purposes": MARKER,
            "data_items": ["needs"],
            "given_on": date(2026, 1, 6),
        },
        ACTOR,
    ).id


@target("case_id")
def case(fx):
    return _case().id


@target("goal_id")
def goal(fx):
    return services.add_goal(_case(), {"title": MARKER, "measure": MARKER}, ACTOR).id


@target("referral_id")
def referral(fx):
    case_row = _case()
    services.create_consent(
        case_row.client,
        {
            "partner_id": _partner().id,
            "purposes": MARKER,
            "data_items": ["needs"],
            "given_on": date(2026, 1, 6),
        },
        ACTOR,
    )
    return services.refer(
        case_row, {"partner_id": _partner().id, "reason": MARKER, "referred_on": date(2026, 1, 7)}, ACTOR
    ).id


@target("entry_id")
def entry(fx):
    return services.add_service_entry(
        _case(),
        {"on": date(2026, 1, 8), "minutes": 30, "service_area": "case_management", "note": MARKER},
        ACTOR,
    )[0].id
