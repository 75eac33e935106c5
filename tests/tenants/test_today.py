"""The start page's registry (tenants.today): who sees which item, one COUNT per item, and the page itself."""
from datetime import timedelta

from sqlalchemy import event

from tests import today_rows as rows
from tests.conftest import berlin_today


def _items(app, fx, key):
    return rows.items(app, fx, key)


def _everything_due(app, fx, agency):
    """One of each kind of item, so that every registered item has something to count."""
    from billing.models import Invoice
    from cases.models import Consent, Goal
    from contracts.models import Enrolment
    from core.audit import Actor
    from tenants import invitations
    from tenants.models import Tenant

    today = berlin_today()
    with app.app_context(), fx.context() as s:
        c = rows.case(fx, review_on=today)
        s.add(Goal(case_id=c.id, title="Kita", status="planned", due_on=today))
        s.add(Consent(client_id=c.client_id, status="given", expires_on=today + timedelta(days=3)))
        contract = rows.contract(agency, valid_to=today + timedelta(days=10), next_review_on=today)
        rows.contract(agency, status="in_review", drafted_by=rows.user_id(fx, "admin"))
        s.add(Enrolment(case_id=c.id, contract_id=contract.id, from_on=today - timedelta(days=9), to_on=today))
        s.add(Invoice(kind="invoice", agency_id=agency, contract_id=contract.id, period="2026-01",
                      period_start=today.replace(day=1), period_end=today, state="issued",
                      due_on=today - timedelta(days=1)))
        s.add(Invoice(kind="invoice", agency_id=agency, contract_id=contract.id, period="2026-02",
                      period_start=today.replace(day=1), period_end=today, state="draft"))
        invitations.invite(s.get(Tenant, fx.tenant_id), {"email": "neu@example.org", "name": "Neu",
                                                         "role": "viewer"}, Actor.system("test"))
        s.commit()


def test_a_viewer_sees_nothing_that_needs_them(app, tenant_a, make_agency):
    """With something due of every kind, is the viewer's list empty (they may only read)?"""
    _everything_due(app, tenant_a, make_agency(tenant_a))
    assert _items(app, tenant_a, "viewer") == []


def test_each_role_sees_its_own_kinds_of_item(app, tenant_a, make_agency):
    """Owners see cases, contracts, billing and invitations; case managers only cases; finance only billing."""
    from tenants.today import TODAY_ITEMS

    _everything_due(app, tenant_a, make_agency(tenant_a))
    owner = {i["key"] for i in _items(app, tenant_a, "owner")}
    assert owner == set(TODAY_ITEMS) - {"cases.no_service_this_week"} | (
        {"cases.no_service_this_week"} & owner)  # the week may have a service, the rest must be there
    assert {"contracts.approval", "tenants.invitations", "billing.overdue", "cases.reviews_due"} <= owner
    manager = {i["key"] for i in _items(app, tenant_a, "case_manager")}
    assert manager and all(k.startswith("cases.") for k in manager)
    finance = {i["key"] for i in _items(app, tenant_a, "finance")}
    assert finance and all(k.startswith("billing.") for k in finance)


def test_each_item_costs_one_count_query(app, tenant_a, make_agency):
    """Is the owner's start page a bounded number of statements: one COUNT per item (plus the link of the
    periods to bill), whatever the data?"""
    from flask import g

    from core.extensions import db
    from tenants.models import Tenant
    from tenants.today import TODAY_ITEMS, items_for

    _everything_due(app, tenant_a, make_agency(tenant_a))

    seen = []
    with app.test_request_context(f"/{tenant_a.slug}/"), tenant_a.context():
        g.tenant = db.session.get(Tenant, tenant_a.tenant_id)
        membership = rows.membership(tenant_a, "owner")
        listener = lambda *args, **kwargs: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            items = items_for(membership)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(items) >= 10
    # one per item, plus the first period to bill for its link (and the tenant wall's set_config on PostgreSQL)
    assert len(seen) <= len(TODAY_ITEMS) + 2, seen
    heads = [q.split(" FROM ", 1)[0] for q in seen if "set_config" not in q]
    assert all("count(" in h.lower() or h.startswith("SELECT CASE") or h.startswith("SELECT ?") or
               h.startswith("SELECT %(") for h in heads), heads  # counts, no rows loaded


def test_the_start_page_lists_the_items_with_links(app, client, login, tenant_a, make_agency):
    """Does the owner's overview show the section with counts and links instead of the menu's tiles?"""
    _everything_due(app, tenant_a, make_agency(tenant_a))
    login(client, tenant_a, "owner")
    page = client.get(f"/{tenant_a.slug}/").get_data(as_text=True)
    assert "Was heute ansteht" in page
    assert f'href="/{tenant_a.slug}/contracts/?due=approval"' in page
    assert "Verträge, die auf Ihre Freigabe warten" in page
    assert 'class="tiles"' not in page


def test_with_nothing_due_the_page_says_so_and_keeps_a_short_link_list(client, login, tenant_a):
    login(client, tenant_a, "viewer")
    page = client.get(f"/{tenant_a.slug}/").get_data(as_text=True)
    assert "Heute steht für Sie nichts an." in page
    assert f'href="/{tenant_a.slug}/cases/"' in page  # the link list instead
