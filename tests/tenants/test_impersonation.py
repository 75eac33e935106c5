"""Impersonation by a platform admin: time-limited, read-only, shown in a banner and recorded in the
alliance's own audit log."""
from sqlalchemy import select

from tests.tenants import admin_fixtures
from tests.tenants.admin_fixtures import ADMIN_EMAIL, log_in_admin, post_form

admin_client = admin_fixtures.admin_client
platform_admin = admin_fixtures.platform_admin


def _events(app, fx, prefix):
    from core.audit import AuditEvent
    from core.extensions import db

    with app.app_context(), fx.context():
        return [(e.action, e.actor_label) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id))]


def _start(client, fx, reason="Ticket 4711: Rechnung fehlt"):
    return post_form(client, f"/admin/tenants/{fx.tenant_id}/impersonate", {"reason": reason})


def test_impersonation_needs_a_reason(app, admin_client, tenant_a):
    """Can an impersonation start without saying why?"""
    assert _start(admin_client, tenant_a, reason="").status_code == 422
    assert admin_client.get(f"/{tenant_a.slug}/").status_code == 404
    assert _events(app, tenant_a, "impersonation") == []


def test_impersonation_shows_a_banner_reads_and_is_audited_with_the_admins_email(app, admin_client, tenant_a,
                                                                                  tenant_b):
    """While impersonating: does every page show the banner, do reads work and name the admin in the tenant's
    log, and is another tenant still closed?"""
    response = _start(admin_client, tenant_a)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{tenant_a.slug}/")
    page = admin_client.get(f"/{tenant_a.slug}/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "als Plattform-Admin" in html and "Bündnis Alpha" in html and "/admin/impersonation/stop" in html
    assert admin_client.get(f"/{tenant_b.slug}/").status_code == 404
    events = _events(app, tenant_a, "")
    assert ("impersonation.started", f"{ADMIN_EMAIL} [platform_admin]") in events
    reads = [label for action, label in events if action == "audit_events.read"]
    assert reads and all(ADMIN_EMAIL in label and "impersonating" in label for label in reads)
    assert _events(app, tenant_b, "impersonation") == []


def test_impersonation_is_read_only(app, admin_client, tenant_a):
    """Can a platform admin change the alliance's data while impersonating it?"""
    from core.extensions import db
    from tenants.models import Tenant
    from tests.conftest import csrf_from

    _start(admin_client, tenant_a)
    page = admin_client.get(f"/{tenant_a.slug}/settings")
    assert page.status_code == 200
    response = admin_client.post(f"/{tenant_a.slug}/settings",
                                 data={"csrf_token": csrf_from(page.data), "name": "Gekapert"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Tenant, tenant_a.tenant_id).name == "Bündnis Alpha"


def test_stopping_ends_it_and_records_the_end(app, admin_client, tenant_a):
    """Does the banner's stop (a page with a button, no JavaScript needed) end the impersonation?"""
    _start(admin_client, tenant_a)
    response = post_form(admin_client, "/admin/impersonation/stop")
    assert response.status_code == 302
    assert admin_client.get(f"/{tenant_a.slug}/").status_code == 404
    assert [a for a, _label in _events(app, tenant_a, "impersonation")] == ["impersonation.started",
                                                                           "impersonation.ended"]


def test_impersonation_expires_after_its_time(app, admin_client, tenant_a):
    """After IMPERSONATION_MINUTES, is the alliance closed again and the end recorded?"""
    _start(admin_client, tenant_a)
    with admin_client.session_transaction() as session:
        data = dict(session["impersonation"])
        assert data["until"] - data["started"] == 60 * app.config["IMPERSONATION_MINUTES"]
        data["until"] = data["started"] - 1
        session["impersonation"] = data
    response = admin_client.get(f"/{tenant_a.slug}/")
    assert response.status_code == 302 and "/admin/impersonation/expired" in response.headers["Location"]
    assert admin_client.get(response.headers["Location"]).status_code == 302
    with admin_client.session_transaction() as session:
        assert "impersonation" not in session
    assert admin_client.get(f"/{tenant_a.slug}/").status_code == 404
    assert _events(app, tenant_a, "impersonation.ended") != []


def test_impersonation_cannot_start_or_continue_without_the_second_factor(app, client, platform_admin, tenant_a):
    """Without the second factor: can a platform admin start an impersonation, or use one from the session?"""
    log_in_admin(client, second_factor=False)
    response = client.post(f"/admin/tenants/{tenant_a.tenant_id}/impersonate", data={"reason": "support"})
    assert response.status_code != 302 or "/second-factor" in response.headers["Location"]
    assert _events(app, tenant_a, "impersonation") == []
    with client.session_transaction() as session:
        import time

        session["impersonation"] = {"tenant_id": tenant_a.tenant_id, "started": int(time.time()),
                                    "until": int(time.time()) + 600, "reason": "forged"}
    assert client.get(f"/{tenant_a.slug}/audit").status_code in (302, 404)
    assert "forged" not in str(_events(app, tenant_a, ""))
