"""The platform admin console (/admin): who gets in, the tenant list with its usage, suspending and
reactivating."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import berlin_today, csrf_from
from tests.tenants import admin_fixtures
from tests.tenants.admin_fixtures import ADMIN_EMAIL, log_in_admin, post_form

admin_client = admin_fixtures.admin_client
platform_admin = admin_fixtures.platform_admin


def _admin_paths(app, tenant_ids):
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        for tenant_id in (tenant_ids if "tenant_id" in rule.arguments else [None]):
            path = adapter.build(rule.endpoint, {"tenant_id": tenant_id} if tenant_id else {})
            for method in sorted(set(rule.methods) & {"GET", "POST"}):
                yield method, path


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_tenant_owners_and_admins_get_404_on_every_admin_route(app, client, tenant_a, tenant_b, login, no_csrf,
                                                                role):
    """Can an alliance's owner or admin find the console, or any tenant's page in it, own tenant included?"""
    login(client, tenant_a, role)
    probed = 0
    for method, path in _admin_paths(app, [tenant_a.tenant_id, tenant_b.tenant_id]):
        response = client.open(path, method=method, data={"reason": "x"})
        probed += 1
        assert response.status_code == 404, (method, path, response.status_code)
        assert tenant_b.name not in response.get_data(as_text=True)
    assert probed >= 10


def test_anonymous_visitors_get_404_on_the_console(app, client, tenant_a):
    """Does the console exist for someone who is not logged in?"""
    for method, path in _admin_paths(app, [tenant_a.tenant_id]):
        assert client.open(path, method=method).status_code == 404, (method, path)


def test_a_platform_admin_without_second_factor_is_refused(app, client, platform_admin, tenant_a):
    """Does a platform admin whose session has no second factor get into the console or start impersonating?"""
    log_in_admin(client, second_factor=False)
    response = client.get("/admin/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/second-factor" in response.headers["Location"]
    response = client.post(f"/admin/tenants/{tenant_a.tenant_id}/impersonate", data={"reason": "support"})
    assert response.status_code in (302, 400, 403)
    with client.session_transaction() as session:
        assert "impersonation" not in session
    assert client.get(f"/{tenant_a.slug}/").status_code == 302  # not into the alliance either
    from core.audit import AuditEvent
    from core.extensions import db

    with app.app_context(), tenant_a.context():
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("impersonation"))).all()


def _usage_fixture(app, fx, make_agency, cases: int, closed: int, invoices: int):
    """`cases` open cases (plus `closed` closed ones) and `invoices` issued this year (plus a draft and one of
    last year, which do not count)."""
    from cases import services as case_services
    from core.audit import Actor
    from core.extensions import db
    from tests.billing.conftest import _contract

    actor = Actor(user_id=None, role="owner", label="test")
    agency_id = make_agency(fx)
    with app.test_request_context(), fx.context():
        from tenants.models import User

        manager = db.session.scalar(select(User.id).where(User.email == fx.users["case_manager"]))
        for n in range(cases + closed):
            client = case_services.create_client({"first_name": "Eva", "last_name": f"Muster{n}",
                                                  "birth_year": 1990}, actor)
            case = case_services.create_case({"client_id": client.id, "case_manager_id": manager}, actor)
            if n >= cases:
                case.status = "closed"
        contract = _contract(fx, agency_id)
        from billing.models import Invoice

        today = berlin_today()
        for n, (state, issued) in enumerate([("issued", today)] * invoices + [("draft", None),
                                             ("issued", date(today.year - 1, 12, 30))]):
            db.session.add(Invoice(kind="invoice", number=f"{(issued or today).year}-{n:04d}" if issued else None,
                                   agency_id=agency_id, contract_id=contract.id,
                                   period=f"{today.year}-{n % 12 + 1:02d}",
                                   period_start=date(today.year, 1, 1), period_end=date(today.year, 1, 31),
                                   state=state, issued_on=issued))
        db.session.flush()
        db.session.commit()


def test_the_list_shows_usage_and_searches_and_sorts(app, admin_client, tenant_a, tenant_b, make_agency):
    """Does the list give each alliance's members, active cases and invoices of this year, find by name or slug
    (case-insensitive) and sort by a column either way?"""
    from core import storage

    _usage_fixture(app, tenant_a, make_agency, cases=3, closed=1, invoices=2)
    _usage_fixture(app, tenant_b, make_agency, cases=1, closed=0, invoices=0)
    from tenants import admin

    # files of earlier tests may lie under a reused tenant id (SQLite restarts ids): compare with before
    with app.test_request_context():
        before = {r.tenant.slug: r.usage["storage_bytes"] for r in admin.list_tenants()[0]}
    extra = max(0, before["alpha"] - before["beta"]) + 2500
    with app.app_context():
        storage.store(tenant_b.tenant_id, "test", b"x" * extra, "bin")

    with app.test_request_context():
        rows, total = admin.list_tenants(sort="active_cases", descending=True)
        assert total == 2
        assert [(r.tenant.slug, r.usage["members"], r.usage["active_cases"], r.usage["invoices_this_year"])
                for r in rows] == [("alpha", 5, 3, 2), ("beta", 5, 1, 0)]
        # B has one file more, of `extra` bytes
        assert rows[1].usage["storage_bytes"] - before["beta"] == extra
        assert [r.tenant.slug for r in admin.list_tenants(sort="storage_bytes", descending=True)[0]] == ["beta",
                                                                                                          "alpha"]
        assert [r.tenant.slug for r in admin.list_tenants(sort="slug", descending=True)[0]] == ["beta", "alpha"]
        assert [r.tenant.slug for r in admin.list_tenants(search="BETA")[0]] == ["beta"]
        assert [r.tenant.slug for r in admin.list_tenants(search="bündnis alpha")[0]] == ["alpha"]
        assert admin.list_tenants(search="%")[1] == 0  # a wildcard is a character, not a pattern
    page = admin_client.get("/admin/?q=alp&sort=name&dir=desc")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bündnis Alpha" in html and "Bündnis Beta" not in html
    assert "Aktiv" in html  # German status label
    page = admin_client.get("/admin/?sort=storage_bytes&dir=desc&page=999")
    assert page.status_code == 200
    html = admin_client.get("/admin/?sort=drop+table").get_data(as_text=True)
    # sizes for people (decimal units); earlier tests' files under reused ids may make them MB on SQLite
    assert re.search(r"\d+,\d (KB|MB|GB)<", html) and html.index("Bündnis Alpha") < html.index("Bündnis Beta")


def test_tenant_page_shows_subscription_members_and_audit(app, admin_client, tenant_a):
    """Does a tenant's page show its subscription, its members with their second factor, and its audit log?"""
    from core.extensions import db
    from tenants.models import Tenant

    with app.app_context():
        tenant = db.session.get(Tenant, tenant_a.tenant_id)
        tenant.stripe_customer_id, tenant.subscription_status = "cus_TEST123", "past_due"
        db.session.commit()
    html = admin_client.get(f"/admin/tenants/{tenant_a.tenant_id}").get_data(as_text=True)
    assert "cus_TEST123" in html and "Zahlung fehlgeschlagen" in html
    assert tenant_a.users["viewer"] in html
    assert "Bündnis angelegt" in html  # events of the tenant's own log, by their labels
    assert admin_client.get("/admin/tenants/999999").status_code == 404


def _suspend(client, fx, reason="Zahlung seit drei Monaten offen"):
    return post_form(client, f"/admin/tenants/{fx.tenant_id}/suspend", {"reason": reason})


def test_suspend_needs_a_reason_and_is_audited_in_the_tenants_log(app, admin_client, tenant_a):
    """Is a suspension without a reason refused, and one with a reason recorded in the tenant's log naming the
    platform admin?"""
    from core.audit import AuditEvent
    from core.extensions import db
    from tenants.models import Tenant

    response = _suspend(admin_client, tenant_a, reason="   ")
    assert response.status_code == 422
    assert "Bitte geben Sie einen Grund an." in response.get_data(as_text=True)
    response = _suspend(admin_client, tenant_a)
    assert response.status_code == 302
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_a.tenant_id)
        assert (tenant.status, tenant.status_reason) == ("suspended", "Zahlung seit drei Monaten offen")
        assert tenant.status_changed_at is not None
        with tenant_a.context():
            event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tenant.suspend"))
            assert event.actor_label == f"{ADMIN_EMAIL} [platform_admin]"  # a stable mark, shown translated


def test_suspended_tenant_reads_but_cannot_write_until_reactivated(app, client, admin_client, tenant_a, tenant_b,
                                                                    login, api_token):
    """After a suspension: do the tenant's page and API writes answer 403, with a banner naming the reason,
    while reads work; and after reactivation can it write again? Another tenant is untouched."""
    member = app.test_client()
    login(member, tenant_a, "owner")
    headers = api_token(tenant_a, "owner")
    headers_b = api_token(tenant_b, "owner")
    assert _suspend(admin_client, tenant_a).status_code == 302

    page = member.get(f"/{tenant_a.slug}/settings")
    assert page.status_code == 200
    assert "Zahlung seit drei Monaten offen" in page.get_data(as_text=True)
    response = member.post(f"/{tenant_a.slug}/settings", data={"csrf_token": csrf_from(page.data), "name": "Neu"})
    assert response.status_code == 403
    agency = {"name": "Jobcenter Nord", "kind": "jobcenter", "address": "Weg 1\n12345 Stadt"}
    response = member.post("/api/v1/agencies", json=agency, headers=headers)
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert member.get("/api/v1/agencies", headers=headers).status_code == 200
    assert member.post("/api/v1/agencies", json=agency, headers=headers_b).status_code == 201

    assert post_form(admin_client, f"/admin/tenants/{tenant_a.tenant_id}/reactivate",
                     {"reason": "bezahlt"}).status_code == 302
    assert member.post("/api/v1/agencies", json=agency, headers=headers).status_code == 201
    assert "Zahlung seit" not in member.get(f"/{tenant_a.slug}/settings").get_data(as_text=True)


def test_status_changes_need_csrf(app, admin_client, tenant_a):
    """Can another site make the admin's browser suspend an alliance (no CSRF token)?"""
    from core.extensions import db
    from tenants.models import Tenant

    assert admin_client.post(f"/admin/tenants/{tenant_a.tenant_id}/suspend",
                             data={"reason": "x"}).status_code == 400
    with app.app_context():
        assert db.session.get(Tenant, tenant_a.tenant_id).status == "active"
