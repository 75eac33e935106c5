"""What the independent review of the security work found: more 500s from out-of-range input, a removal that
ended sessions elsewhere, an admin undoing an owner's invitation, ended tokens still listed."""
from sqlalchemy import select

from core.audit import Actor


def test_out_of_range_numbers_in_queries_and_forms_are_not_500s(client, tenant_a, api_token, login, no_csrf,
                                                               make_agency):
    login(client, tenant_a, "admin")
    assert client.get(f"/{tenant_a.slug}/cases/?case_manager_id=9223372036854775808").status_code == 200
    assert client.get(f"/{tenant_a.slug}/audit?page=99999999999999999999").status_code == 200
    r = client.post(f"/{tenant_a.slug}/members", data={"email": "a@example.org", "role": "agency",
                                                       "agency_id": "abc"})
    assert r.status_code == 200 and 'class="field-error"' in r.get_data(as_text=True)


def test_absurd_approved_hours_are_a_field_error(app, client, tenant_a, api_token, make_agency):
    from core.extensions import db
    from tests.contracts.test_enrolments import _cases, _contract

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract = _contract(tenant_a, agency_id)
        [case_id] = _cases(1)
        contract_id = contract.id
        db.session.commit()
    for hours in (1e20, 1e308, 10_001):
        r = client.post(f"/api/v1/cases/{case_id}/enrolments", headers=api_token(tenant_a, "admin"), json={
            "contract_id": contract_id, "from_on": "2027-01-01", "to_on": "2027-03-31",
            "approved_hours": {"childcare": hours}})
        assert r.status_code == 422 and any(k.startswith("approved_hours") for k in r.json["errors"]), hours


def test_removal_from_one_alliance_keeps_the_sessions_in_another(app, client, tenant_a, tenant_b, login, no_csrf,
                                                                 api_token):
    from core.extensions import db
    from tenants import services
    from tenants.models import Tenant, User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == tenant_a.users["viewer"]))
        user_id = user.id
        with tenant_b.context():
            services.add_member(db.session.get(Tenant, tenant_b.tenant_id), user, "viewer", Actor.system("test"))
        db.session.commit()
    login(client, tenant_a, "viewer")
    token = api_token(tenant_a, "viewer")
    owner_b = app.test_client()
    login(owner_b, tenant_b, "owner")
    with app.app_context(), tenant_b.context():
        from tenants.models import Membership

        membership_b = db.session.scalar(select(Membership.id).where(Membership.user_id == user_id))
    assert owner_b.post(f"/{tenant_b.slug}/members/{membership_b}/delete", data={"confirmed": "1"}).status_code == 302
    assert client.get(f"/{tenant_a.slug}/clients/").status_code == 200  # still a member of alpha
    assert client.get("/api/v1/tenant", headers=token).status_code == 200
    assert client.get(f"/{tenant_b.slug}/clients/").status_code == 404  # but no longer of beta


def test_an_admin_cannot_undo_an_owners_owner_invitation(client, tenant_a, login, no_csrf):
    login(client, tenant_a, "owner")
    assert client.post(f"/{tenant_a.slug}/members", data={"email": "chefin@example.org", "role": "owner"}
                       ).status_code == 302
    client.post("/logout")
    login(client, tenant_a, "admin")
    r = client.post(f"/{tenant_a.slug}/members", data={"email": "chefin@example.org", "role": "viewer"})
    assert r.status_code == 200 and "Nur Inhaber" in r.get_data(as_text=True)
    assert "chefin@example.org" in client.get(f"/{tenant_a.slug}/members").get_data(as_text=True)


def test_ended_tokens_are_not_listed(app, client, tenant_a, api_token, no_csrf, login):
    viewer = api_token(tenant_a, "viewer")
    admin = api_token(tenant_a, "admin")
    login(client, tenant_a, "viewer")
    client.post("/logout")  # ends the viewer's sessions and tokens
    assert client.get("/api/v1/tenant", headers=viewer).status_code == 401
    users = {t["user"] for t in client.get("/api/v1/tokens", headers=admin).json["items"]}
    assert users == {tenant_a.users["admin"]}
