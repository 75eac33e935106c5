"""The owners' and admins' contract items: approvals waiting for them, contracts and funding approvals ending,
efficiency reviews due."""
from datetime import timedelta

from tests import today_rows as rows
from tests.conftest import berlin_today


def _items(app, fx, key):
    return rows.items_by_key(app, fx, key)


def test_a_contract_in_review_waits_for_everyone_but_its_author(app, tenant_a, make_agency):
    """Four eyes: is a contract in review on the owner's list when the admin drafted it, and not on the admin's?"""
    agency = make_agency(tenant_a)
    with app.app_context(), tenant_a.context() as s:
        rows.contract(agency, status="in_review", drafted_by=rows.user_id(tenant_a, "admin"))
        s.commit()
    assert _items(app, tenant_a, "owner")["contracts.approval"]["count"] == 1
    assert "contracts.approval" not in _items(app, tenant_a, "admin")
    assert "contracts.approval" not in _items(app, tenant_a, "finance")  # owners and admins only
    assert "contracts.approval" not in _items(app, tenant_a, "viewer")


def test_an_editor_of_the_terms_is_an_author_too(app, tenant_a, make_agency):
    """Is a contract the owner edited (audit contract.update) left off the owner's approvals?"""
    from core import audit
    from core.audit import Actor

    agency = make_agency(tenant_a)
    with app.app_context(), tenant_a.context() as s:
        c = rows.contract(agency, status="in_review", drafted_by=rows.user_id(tenant_a, "admin"))
        audit.record(Actor(user_id=rows.user_id(tenant_a, "owner"), role="owner"), "contract.update", c)
        s.commit()
    assert "contracts.approval" not in _items(app, tenant_a, "owner")


def test_ending_contracts_reviews_and_funding_approvals(app, client, login, tenant_a, make_agency):
    """Are an active contract ending in 20 days, a review due in 10 days and an enrolment ending in a week
    counted, and do the links list them?"""
    from contracts.models import Enrolment

    today = berlin_today()
    agency = make_agency(tenant_a)
    with app.app_context(), tenant_a.context() as s:
        ending = rows.contract(agency, valid_to=today + timedelta(days=20), title="Endet bald")
        rows.contract(agency, next_review_on=today + timedelta(days=10), title="Prüfung fällig")
        rows.contract(agency, status="draft", valid_to=today + timedelta(days=5), title="Nur Entwurf")
        c = rows.case(tenant_a)
        s.add(Enrolment(case_id=c.id, contract_id=ending.id, from_on=today - timedelta(days=100),
                        to_on=today + timedelta(days=7)))
        s.commit()
    items = _items(app, tenant_a, "owner")
    assert items["contracts.ending"]["count"] == 1
    assert items["contracts.review"]["count"] == 1
    assert items["contracts.enrolments_ending"]["count"] == 1
    login(client, tenant_a, "owner")
    page = client.get(items["contracts.ending"]["url"]).get_data(as_text=True)
    assert "Endet bald" in page and "Prüfung fällig" not in page and "Nur Entwurf" not in page
    page = client.get(items["contracts.review"]["url"]).get_data(as_text=True)
    assert "Prüfung fällig" in page and "Endet bald" not in page
