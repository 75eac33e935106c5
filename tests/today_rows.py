"""Rows for the start-page tests (tests/*/test_today.py, tests/test_start_pages_browser.py), written directly in a
tenant's context: the items count what is in the database, however it got there."""
from datetime import date, timedelta

from sqlalchemy import select

from tests.conftest import berlin_today


def user_id(fx, role: str) -> int:
    from core.extensions import db
    from tenants.models import User

    return db.session.scalar(select(User.id).where(User.email == fx.users[role]))


def add_member(app, fx, role: str, key: str) -> int:
    """Another member of `role`, stored in fx.users[key]; returns its membership id."""
    from core.audit import Actor
    from core.extensions import db
    from tenants import services
    from tenants.models import Tenant
    from tests.conftest import PASSWORD

    with app.app_context(), fx.context():
        user = services.create_user(f"{key}@{fx.slug}.example.org", PASSWORD, f"{key} {fx.slug}")
        m = services.add_member(db.session.get(Tenant, fx.tenant_id), user, role, Actor.system("test"))
        db.session.commit()
        fx.users[key], fx.memberships[key] = user.email, m.id
        return m.id


def membership(fx, key: str):
    from core.extensions import db
    from tenants.models import Membership

    return db.session.get(Membership, fx.memberships[key])


_seq = iter(range(1, 10_000))


def case(fx, manager: str = "case_manager", *, status: str = "active", review_on: date | None = None,
         opened_on: date | None = None, last_name: str = "Muster"):
    """A client and an open case of `manager` (a key of fx.users); returns the case (flushed)."""
    from cases.models import Case, Client
    from core.extensions import db

    n = next(_seq)
    client = Client(pseudonym=f"K-T-{n:04d}", first_name="Anna", last_name=last_name, birth_year=1990)
    db.session.add(client)
    db.session.flush()
    row = Case(client_id=client.id, case_manager_id=user_id(fx, manager), status=status,
               opened_on=opened_on or berlin_today() - timedelta(days=60), next_review_on=review_on)
    db.session.add(row)
    db.session.flush()
    return row


def contract(agency_id: int, *, status: str = "active", drafted_by: int | None = None, valid_from=None,
             valid_to=None, next_review_on=None, title: str = "Kinderbetreuung"):
    from contracts.models import Contract
    from core.extensions import db

    row = Contract(agency_id=agency_id, title=title, status=status, drafted_by_id=drafted_by,
                   valid_from=valid_from or berlin_today() - timedelta(days=400),
                   valid_to=valid_to or berlin_today() + timedelta(days=400), next_review_on=next_review_on)
    db.session.add(row)
    db.session.flush()
    return row


def items(app, fx, key: str) -> list[dict]:
    """The start page's items of member `key`, computed as the page does (in a request of the tenant)."""
    from flask import g

    from core.extensions import db
    from tenants.models import Tenant
    from tenants.today import items_for

    with app.test_request_context(f"/{fx.slug}/"), fx.context():
        g.tenant = db.session.get(Tenant, fx.tenant_id)
        return items_for(membership(fx, key))


def items_by_key(app, fx, key: str) -> dict:
    return {i["key"]: i for i in items(app, fx, key)}
