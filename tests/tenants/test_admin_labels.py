"""German words, not codes, in the platform admin console and the audit logs (issue 12 review): plans,
subscription and tenant status by their labels, audited actions, objects and changes as the tenant's own audit log
shows them, actors by stable codes shown translated (old English rows too), a purged alliance's page without
empty parentheses or "None"; and the words that mean different things in different packages ("Code", "Active",
the slug's "Address") in the meaning of the page that shows them."""
import re

from core.extensions import db
from tests.conftest import PASSWORD, csrf_from
from tests.tenants import admin_fixtures
from tests.tenants.admin_fixtures import ADMIN_EMAIL, post_form
from tests.tenants.totp import enable_totp

platform_admin = admin_fixtures.platform_admin
admin_client = admin_fixtures.admin_client


def _set(app, fx, **values):
    from tenants.models import Tenant

    with app.app_context():
        tenant = db.session.get(Tenant, fx.tenant_id)
        for key, value in values.items():
            setattr(tenant, key, value)
        db.session.commit()


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)]


def test_words_of_other_packages_do_not_leak_into_the_lifecycle(app, client, admin_client, tenant_a):
    """Does the second factor's "Code" stay "Code" (not cases' "Kürzel"), an active alliance read "Aktiv" (not
    contracts' "In Kraft") and the slug column not "Anschrift" (the postal address)?"""
    cells = _cells(admin_client.get("/admin/").get_data(as_text=True))
    assert "Aktiv" in cells and "In Kraft" not in cells
    assert "Anschrift" not in cells

    email = tenant_a.users["viewer"]
    enable_totp(app, email)
    other = app.test_client()
    page = other.get("/login")
    other.post("/login", data={"csrf_token": csrf_from(page.data), "tenant": "alpha", "email": email,
                               "password": PASSWORD})
    html = other.get("/login/second-factor").get_data(as_text=True)
    label = re.search(r'<label[^>]*for="code"[^>]*>(.*?)</label>', html, re.S)[1]
    assert "Code" in label and "Kürzel" not in label


def test_admin_pages_name_plans_statuses_actions_and_changes(app, admin_client, tenant_a):
    """List and tenant page: plan and subscription by their names; the audit log with actions, objects, changes
    and the platform admin by German labels, no raw codes."""
    _set(app, tenant_a, plan="network", subscription_status="canceled")
    cells = _cells(admin_client.get("/admin/").get_data(as_text=True))
    assert "Netzwerk" in cells and "Beendet" in cells
    assert "network" not in cells and "canceled" not in cells

    assert post_form(admin_client, f"/admin/tenants/{tenant_a.tenant_id}/suspend",
                     {"reason": "Prüfung", "confirmed": "1"}).status_code == 302
    html = admin_client.get(f"/admin/tenants/{tenant_a.tenant_id}").get_data(as_text=True)
    cells = _cells(html)
    assert any("gesperrt" in c for c in cells)
    assert "tenant.suspend" not in cells and not any(re.fullmatch(r"tenants? \d+", c) for c in cells)
    assert any(c.startswith(f"{ADMIN_EMAIL} (Plattform-Admin)") for c in cells)
    assert "<dt>Status</dt><dd>Aktiv → Gesperrt</dd>" in html
    assert "canceled" not in cells and "network" not in cells


def test_old_english_actor_labels_read_translated(app, admin_client, tenant_a):
    """Are audit rows written with the older English actor labels shown in German?"""
    from core.audit import AuditEvent

    with app.app_context(), tenant_a.context():
        for label in (f"{ADMIN_EMAIL} (platform admin)", "sign-up", "purge of closed alliances"):
            db.session.add(AuditEvent(actor_label=label, action="tenant.update", object_type="tenant",
                                      object_id=tenant_a.tenant_id))
        db.session.commit()
    cells = _cells(admin_client.get(f"/admin/tenants/{tenant_a.tenant_id}").get_data(as_text=True))
    assert f"{ADMIN_EMAIL} (Plattform-Admin)" in cells
    assert "Online-Registrierung" in cells and "Löschung geschlossener Bündnisse" in cells
    assert "sign-up" not in cells and "(platform admin)" not in " ".join(cells)


def test_purged_alliance_page_says_what_is_kept(app, admin_client, tenant_a):
    """A purged alliance that had nothing to keep: no "()" and no "None"; kept tables by their labels."""
    _set(app, tenant_a, status="closed", kept_after_purge={"tables": {}, "files": 0, "until": None, "reasons": []})
    html = admin_client.get(f"/admin/tenants/{tenant_a.tenant_id}").get_data(as_text=True)
    main = re.search(r"<main.*</main>", html, re.S)[0]
    assert "()" not in main and "None" not in main
    assert "Keine Rechnung musste aufbewahrt werden" in main
    _set(app, tenant_a, kept_after_purge={"tables": {"invoices": 2}, "files": 1, "until": "2036-12-31",
                                          "reasons": ["§ 147 AO"]})
    main = re.search(r"<main.*</main>", admin_client.get(f"/admin/tenants/{tenant_a.tenant_id}")
                     .get_data(as_text=True), re.S)[0]
    assert "31.12.2036" in main and "§ 147 AO" in main and "<code>invoices</code>" not in main


def test_platform_admins_have_a_header_link_to_the_console(app, admin_client, client, tenant_a, login):
    """Does a platform admin's header link the console, and a member's not?"""
    header = re.search(r'<nav class="user".*?</nav>', admin_client.get("/admin/").get_data(as_text=True), re.S)[0]
    assert 'href="/admin/"' in header and "Plattform-Konsole" in header
    member = app.test_client()
    login(member, tenant_a, "owner")
    assert 'href="/admin/"' not in member.get(f"/{tenant_a.slug}/").get_data(as_text=True)
