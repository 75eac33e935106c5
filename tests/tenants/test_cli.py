"""The command line of API.md: platform create-admin / create-tenant / add-member, demo seed."""
from sqlalchemy import select


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_platform_commands_create_admin_tenant_and_member(app):
    """Do the admin commands create what they say, and refuse bad input with a message instead of a traceback?"""
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants.models import Membership, Tenant, User

    assert _run(app, "platform", "create-admin", "root@example.org", "--password", "long enough pw").exit_code == 0
    r = _run(app, "platform", "create-tenant", "gamma", "--name", "Bündnis Gamma",
             "--owner-email", "o@gamma.example.org",
             "--owner-password", "long enough pw")
    assert r.exit_code == 0, r.output
    r = _run(app, "platform", "add-member", "gamma", "cm@gamma.example.org", "--role", "case_manager",
             "--password", "long enough pw")
    assert r.exit_code == 0, r.output
    bad = _run(app, "platform", "create-tenant", "Bad Slug!", "--name", "x", "--owner-email", "o@gamma.example.org")
    assert bad.exit_code != 0 and "slug" in bad.output
    weak = _run(app, "platform", "create-admin", "weak@example.org", "--password", "short")
    assert weak.exit_code != 0 and "password" in weak.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "root@example.org")).is_platform_admin
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "gamma"))
        with tenant_context(tenant.id):
            roles = sorted(db.session.scalars(select(Membership.role)))
    assert roles == ["case_manager", "owner"]


def test_demo_seed_is_idempotent_and_prints_logins(app, no_pdf):
    """Does `demo seed` create a usable demo alliance once and print how to log in?"""
    first = _run(app, "demo", "seed")
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:5000" in first.output and "demo-passwort-2026" in first.output
    second = _run(app, "demo", "seed")
    assert second.exit_code == 0 and "exists already" in second.output
    client = app.test_client()
    r = client.post("/api/v1/token", json={"email": "fallmanagerin@demo.buendnisnetz.de",
                                           "password": "demo-passwort-2026", "tenant": "demo"})
    assert r.status_code == 201
    agencies = client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {r.json['token']}"}).json["items"]
    assert "Jobcenter Musterstadt" in [a["name"] for a in agencies]
