"""What the pages of a read-only alliance say and do (issue 12 review): the banner of a past-due subscription
without an unrelated old reason, with the way to the subscription and German dates without seconds; a past-due
alliance beyond its grace period read-only through the pages; the owners' export linked from the settings and the
banner of a suspended alliance."""
import re
from datetime import timedelta

from core.clock import utcnow
from core.extensions import db
from tenants.models import Tenant

SECONDS = re.compile(r"\d{2}:\d{2}:\d{2}")


def _set(app, fx, **values):
    with app.app_context():
        tenant = db.session.get(Tenant, fx.tenant_id)
        for key, value in values.items():
            setattr(tenant, key, value)
        db.session.commit()


def _banner(html: str) -> str:
    found = re.findall(r'<div class="flash flash-(?:error|warning)[^"]*banner".*?</div>\s*</div>', html, re.S)
    return " ".join(found)


def test_past_due_banner_shows_no_old_reason_and_links_the_subscription(app, client, tenant_a, login):
    """A past-due alliance that was once suspended (its reason still stored): does the owner's warning leave the
    old reason out, link to the subscription in the settings and show the date without seconds?"""
    _set(app, tenant_a, status_reason="Missbrauch im März", subscription_status="past_due",
         past_due_since=utcnow() - timedelta(hours=1))
    login(client, tenant_a, "owner")
    banner = _banner(client.get(f"/{tenant_a.slug}/").get_data(as_text=True))
    assert "Zahlung" in banner
    assert "Missbrauch" not in banner
    assert f'href="/{tenant_a.slug}/settings#subscription"' in banner
    assert re.search(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}", banner) and not SECONDS.search(banner)


def test_past_due_beyond_the_grace_period_is_read_only_through_the_pages(app, client, tenant_a, login, no_csrf,
                                                                         monkeypatch):
    """Past due longer than PAST_DUE_GRACE_DAYS: do page writes answer 403 while pages still read, and does the
    banner say why (without the old reason) and lead the owner to the subscription?"""
    monkeypatch.setitem(app.config, "PAST_DUE_GRACE_DAYS", 3)
    _set(app, tenant_a, status_reason="Alter Grund", subscription_status="past_due",
         past_due_since=utcnow() - timedelta(days=4))
    login(client, tenant_a, "owner")
    page = client.get(f"/{tenant_a.slug}/settings")
    assert page.status_code == 200
    banner = _banner(page.get_data(as_text=True))
    assert "überfällig" in banner and "nicht geändert" in banner
    assert "Alter Grund" not in banner
    assert f"/{tenant_a.slug}/settings#subscription" in banner
    assert client.post(f"/{tenant_a.slug}/settings", data={"name": "Neu"}).status_code == 403
    assert client.post(f"/{tenant_a.slug}/agencies/new", data={"name": "Jobcenter", "kind": "jobcenter"}
                       ).status_code == 403
    assert client.get(f"/{tenant_a.slug}/agencies/").status_code == 200
    assert client.get(f"/{tenant_a.slug}/agencies/new").status_code in (200, 403)
    with app.app_context():
        assert db.session.get(Tenant, tenant_a.tenant_id).name != "Neu"


def test_owner_finds_the_export_in_the_settings_and_the_suspended_banner(app, client, tenant_a, login):
    """Does the owner's settings page link the export, and the banner of a suspended alliance say that the export
    is still possible and link it? Others do not get the link."""
    login(client, tenant_a, "owner")
    export = f'href="/{tenant_a.slug}/export"'
    assert export in client.get(f"/{tenant_a.slug}/settings").get_data(as_text=True)
    _set(app, tenant_a, status="suspended", status_reason="Prüfung", suspended_by=None)
    banner = _banner(client.get(f"/{tenant_a.slug}/").get_data(as_text=True))
    assert "Prüfung" in banner and "Export" in banner and export in banner
    assert client.get(f"/{tenant_a.slug}/export").status_code == 200

    other = app.test_client()
    login(other, tenant_a, "admin")
    assert export not in other.get(f"/{tenant_a.slug}/settings").get_data(as_text=True)
    assert export not in _banner(other.get(f"/{tenant_a.slug}/").get_data(as_text=True))


def test_read_only_pages_hide_their_write_buttons(app, client, tenant_a, login):
    """Do the pages of a suspended alliance leave out their create and edit buttons (template `can` of a writing
    capability), while an active alliance's show them, and the owner keeps the subscription's and export's?"""
    login(client, tenant_a, "owner")
    new_agency = f'href="/{tenant_a.slug}/agencies/new"'
    assert new_agency in client.get(f"/{tenant_a.slug}/agencies/").get_data(as_text=True)
    _set(app, tenant_a, status="suspended", status_reason="Prüfung", suspended_by=None)
    assert new_agency not in client.get(f"/{tenant_a.slug}/agencies/").get_data(as_text=True)
    assert f'href="/{tenant_a.slug}/export"' in client.get(f"/{tenant_a.slug}/settings").get_data(as_text=True)
