"""Plan limits (tenants.plans): members (with open invitations) and active cases are refused with a clear 409 at
the limit, through pages and API; nothing existing is hidden or lost."""
import pytest
from sqlalchemy import select

from tests.cases.conftest import api_token, make_client, user_id  # noqa: F401 - fixtures
from tests.conftest import PASSWORD


@pytest.fixture
def small_plan(app, monkeypatch):
    """Tenant fixtures are on the network plan; this puts one on a free plan with tiny limits."""
    from tenants import plans

    monkeypatch.setitem(plans.PLANS, "free", plans.Plan("free", "Start", 0, 1, 6, "tiny"))

    def on_free(fx):
        from core.extensions import db
        from tenants.models import Tenant

        with app.app_context():
            db.session.get(Tenant, fx.tenant_id).plan = "free"
            db.session.commit()

    return on_free


def test_invitations_count_against_the_member_limit(app, client, tenant_a, login, no_csrf, small_plan):
    """With 5 members and a limit of 6, is one invitation possible, a second refused with the reason, and may the
    open one be renewed and accepted?"""
    small_plan(tenant_a)
    login(client, tenant_a, "owner")
    r = client.post("/alpha/members?lang=en", data={"email": "one@example.org", "role": "viewer"})
    assert r.status_code == 302
    r = client.post("/alpha/members?lang=en", data={"email": "two@example.org", "role": "viewer"})
    text = r.get_data(as_text=True)
    assert "allows 6 members, and open invitations count as well; this alliance has 5 members and 1 open " \
        "invitations." in text
    assert "change the plan in the settings" not in text  # no Stripe: the plan cannot be changed there
    assert "Withdraw an open invitation" in text
    # renewing the invitation of the same address is no further member
    r = client.post("/alpha/members?lang=en", data={"email": "one@example.org", "role": "viewer"})
    assert r.status_code == 302
    from core.extensions import db
    from tenants import invitations
    from tenants.models import Invitation, Membership

    with app.app_context(), tenant_a.context():
        assert db.session.scalar(select(Invitation.id).where(Invitation.email == "two@example.org")) is None
        row = db.session.scalar(select(Invitation).where(Invitation.revoked_at.is_(None)))
        invitations.accept(row, None, {"name": "One", "password": PASSWORD})
        db.session.commit()
        assert db.session.query(Membership).count() == 6


def test_the_limit_message_offers_a_plan_change_only_with_stripe(app, tenant_a, small_plan, monkeypatch):
    """With Stripe configured, does the refusal point to the plan in the settings (and without it not)?"""
    from core.extensions import db
    from core.problems import Conflict
    from tenants.models import Tenant
    from tenants.plans import check_limit

    small_plan(tenant_a)
    with app.test_request_context("/?lang=en"), tenant_a.context():
        tenant = db.session.get(Tenant, tenant_a.tenant_id)
        with pytest.raises(Conflict) as refused:
            check_limit(tenant, "members", 6)
        assert "allows 6 members; this alliance has 6." in str(refused.value.detail)
        assert "settings" not in str(refused.value.detail)
        monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_x")
        with pytest.raises(Conflict) as refused:
            check_limit(tenant, "members", 6)
        assert "change the plan in the settings" in str(refused.value.detail)


def test_add_member_refuses_beyond_the_limit(app, tenant_a, small_plan):
    """Does the service refuse a seventh member (409)?"""
    from core.audit import Actor
    from core.extensions import db
    from core.problems import Conflict
    from tenants import services
    from tenants.models import Membership, Tenant

    small_plan(tenant_a)
    with app.app_context(), tenant_a.context():
        tenant = db.session.get(Tenant, tenant_a.tenant_id)
        services.add_member(tenant, services.create_user("six@example.org", PASSWORD), "viewer", Actor.system("t"))
        with pytest.raises(Conflict, match="6 Mitglieder; dieses Bündnis hat 6"):
            services.add_member(tenant, services.create_user("seven@example.org", PASSWORD), "viewer",
                                Actor.system("t"))
        db.session.rollback()
        assert db.session.query(Membership).count() == 5


def test_active_case_limit_through_the_api(app, client, tenant_a, small_plan, api_token, make_client,  # noqa: F811
                                           user_id):  # noqa: F811
    """With a limit of one active case: is a second case refused with problem+json 409, allowed once the first
    is closed, and is reopening the closed one refused?"""
    small_plan(tenant_a)
    headers = api_token(tenant_a, "case_manager")
    manager = user_id(tenant_a, "case_manager")
    first, second = make_client(tenant_a), make_client(tenant_a, first_name="Berta")
    r = client.post("/api/v1/cases", json={"client_id": first["id"], "case_manager_id": manager}, headers=headers)
    assert r.status_code == 201
    case_id = r.json["id"]
    r = client.post("/api/v1/cases", json={"client_id": second["id"], "case_manager_id": manager}, headers=headers)
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    assert "allows 1 active cases" in r.json["detail"]
    r = client.patch(f"/api/v1/cases/{case_id}", json={"status": "closed", "outcome": "employment"},
                     headers=headers)
    assert r.status_code == 200, r.json
    r = client.post("/api/v1/cases", json={"client_id": second["id"], "case_manager_id": manager}, headers=headers)
    assert r.status_code == 201
    r = client.patch(f"/api/v1/cases/{case_id}", json={"status": "intake"}, headers=headers)
    assert r.status_code == 409
    assert client.get(f"/api/v1/cases/{case_id}", headers=headers).json["status"] == "closed"  # nothing hidden


def test_active_case_limit_on_the_page(app, client, tenant_a, small_plan, login, no_csrf, api_token,  # noqa: F811
                                       make_client, user_id):  # noqa: F811
    """Does the case form show the limit as a message (not a 500), and create nothing?"""
    small_plan(tenant_a)
    headers = api_token(tenant_a, "case_manager")
    manager = user_id(tenant_a, "case_manager")
    first, second = make_client(tenant_a), make_client(tenant_a, first_name="Berta")
    assert client.post("/api/v1/cases", json={"client_id": first["id"], "case_manager_id": manager},
                       headers=headers).status_code == 201
    login(client, tenant_a, "case_manager")
    r = client.post("/alpha/cases/new?lang=en", data={"client_id": second["id"], "case_manager_id": manager,
                                                      "opened_on": "2026-01-05"})
    assert r.status_code == 200  # the form again, with the message
    assert "allows 1 active cases" in r.get_data(as_text=True)
    assert len(client.get("/api/v1/cases", headers=headers).json["items"]) == 1
