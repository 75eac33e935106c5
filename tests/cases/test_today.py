"""The case manager's start page items: reviews and measures due, consents expiring, no service this week."""
from datetime import timedelta

import pytest

from tests import today_rows as rows
from tests.conftest import berlin_today


def _items(app, fx, key):
    return rows.items_by_key(app, fx, key)


@pytest.fixture
def second_manager(app, tenant_a):
    rows.add_member(app, tenant_a, "case_manager", "colleague")
    return "colleague"


def test_a_review_due_tomorrow_is_on_its_case_managers_start_page_only(app, tenant_a, tenant_b, second_manager):
    """Does a review due tomorrow appear for its case manager (and admins, who see every case), and for no
    colleague, finance member, viewer or member of another alliance?"""
    with app.app_context(), tenant_a.context() as s:
        rows.case(tenant_a, review_on=berlin_today() + timedelta(days=1))
        rows.case(tenant_a, review_on=berlin_today() + timedelta(days=30))  # not yet
        rows.case(tenant_a, status="closed", review_on=berlin_today())  # closed: nothing to review
        s.commit()
    own = _items(app, tenant_a, "case_manager")
    assert own["cases.reviews_due"]["count"] == 1
    assert own["cases.reviews_due"]["url"] == f"/{tenant_a.slug}/cases/?due=review"
    assert _items(app, tenant_a, "owner")["cases.reviews_due"]["count"] == 1
    for key in (second_manager, "finance", "viewer"):
        assert "cases.reviews_due" not in _items(app, tenant_a, key), key
    assert "cases.reviews_due" not in _items(app, tenant_b, "owner")


def test_the_review_list_shows_what_the_start_page_counted(app, client, login, tenant_a, second_manager):
    """Does the link of the item list exactly the counted cases (and not a colleague's)?"""
    with app.app_context(), tenant_a.context() as s:
        rows.case(tenant_a, review_on=berlin_today(), last_name="Krüger")
        rows.case(tenant_a, second_manager, review_on=berlin_today(), last_name="Colleaguecase")
        rows.case(tenant_a, review_on=None, last_name="Nodue")
        s.commit()
    login(client, tenant_a, "case_manager")
    page = client.get(f"/{tenant_a.slug}/cases/?due=review").get_data(as_text=True)
    assert "Krüger" in page and "Colleaguecase" not in page and "Nodue" not in page


def test_measures_due_count_open_goals_within_a_week(app, tenant_a):
    """Are open goals due within 7 days (overdue ones too) counted, and done or later ones not?"""
    from cases.models import Goal

    today = berlin_today()
    with app.app_context(), tenant_a.context() as s:
        c = rows.case(tenant_a)
        s.add_all([Goal(case_id=c.id, title="Kita-Platz", status="planned", due_on=today + timedelta(days=3)),
                   Goal(case_id=c.id, title="Bewerbung", status="in_progress", due_on=today - timedelta(days=2)),
                   Goal(case_id=c.id, title="Erledigt", status="done", due_on=today),
                   Goal(case_id=c.id, title="Später", status="planned", due_on=today + timedelta(days=20))])
        s.commit()
    assert _items(app, tenant_a, "case_manager")["cases.goals_due"]["count"] == 2


def test_consents_expiring_within_30_days_unless_renewed(app, client, login, tenant_a):
    """Is a given consent that expires in 10 days on the list, a renewed one or one expiring later not?"""
    from cases.models import Consent

    today = berlin_today()
    with app.app_context(), tenant_a.context() as s:
        c = rows.case(tenant_a, last_name="Ablauf")
        old = Consent(client_id=c.client_id, status="given", given_on=today - timedelta(days=700),
                      expires_on=today + timedelta(days=10))
        renewed = Consent(client_id=c.client_id, status="given", given_on=today - timedelta(days=700),
                          expires_on=today + timedelta(days=5))
        s.add_all([old, renewed, Consent(client_id=c.client_id, status="given", expires_on=today + timedelta(days=90))])
        s.flush()
        s.add(Consent(client_id=c.client_id, status="requested", replaces_id=renewed.id))
        s.commit()
    assert _items(app, tenant_a, "case_manager")["cases.consents_expiring"]["count"] == 1
    login(client, tenant_a, "case_manager")
    page = client.get(f"/{tenant_a.slug}/clients/?due=consents").get_data(as_text=True)
    assert "Ablauf" in page


def test_active_cases_without_a_service_this_week(app, tenant_a):
    """Is an active case without an entry since Monday counted, and one with an entry today not?"""
    from cases.models import ServiceEntry
    from network.models import ServiceArea

    today = berlin_today()
    with app.app_context(), tenant_a.context() as s:
        quiet = rows.case(tenant_a)
        busy = rows.case(tenant_a)
        rows.case(tenant_a, status="intake")  # not active yet
        area = s.scalar(__import__("sqlalchemy").select(ServiceArea.id).limit(1))
        if area is None:
            area_row = ServiceArea(code="childcare", name="Kinderbetreuung")
            s.add(area_row)
            s.flush()
            area = area_row.id
        s.add(ServiceEntry(case_id=busy.id, on=today, minutes=30, service_area_id=area))
        s.add(ServiceEntry(case_id=quiet.id, on=today - timedelta(days=today.weekday() + 1), minutes=30,
                           service_area_id=area))  # last Sunday: last week
        s.commit()
    assert _items(app, tenant_a, "case_manager")["cases.no_service_this_week"]["count"] == 1
