"""Sign-ups never confirmed (issue 12 review): marked "nicht bestätigt" in the console; removed by the daily task
after SIGNUP_UNCONFIRMED_DAYS, which frees their slug; a confirmed one, or one too young, stays."""
from datetime import timedelta

from sqlalchemy import select

from core.clock import utcnow
from core.extensions import db
from tenants.models import Tenant
from tests.conftest import PASSWORD
from tests.tenants import admin_fixtures

platform_admin = admin_fixtures.platform_admin
admin_client = admin_fixtures.admin_client


def _sign_up(app, slug: str) -> int:
    other = app.test_client()
    response = other.post("/signup", data={"name": f"Bündnis {slug}", "slug": slug, "plan": "free",
                                           "owner_name": "Hanna", "email": f"{slug}@example.org",
                                           "password": PASSWORD, "accept_terms": "y", "accept_dpa": "y"})
    assert response.status_code == 302
    with app.app_context():
        return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def _age(app, tenant_id: int, days: int):
    with app.app_context():
        db.session.get(Tenant, tenant_id).created_at = utcnow() - timedelta(days=days)
        db.session.commit()


def test_unconfirmed_sign_ups_are_marked_and_removed_after_the_days(app, admin_client, tenant_a, no_csrf):
    from tenants.tasks import remove_unconfirmed_signups

    old, young = _sign_up(app, "alt-hamm"), _sign_up(app, "neu-hamm")
    _age(app, old, app.config["SIGNUP_UNCONFIRMED_DAYS"] + 1)
    _age(app, tenant_a.tenant_id, 400)  # confirmed members: never removed
    listing = admin_client.get("/admin/?q=hamm").get_data(as_text=True)
    assert listing.count("nicht bestätigt") == 2
    assert "nicht bestätigt" not in admin_client.get("/admin/?q=alpha").get_data(as_text=True)

    assert remove_unconfirmed_signups.delay().get() == [old]
    with app.app_context():
        removed = db.session.get(Tenant, old)
        assert removed.status == "closed" and removed.slug != "alt-hamm"
        assert db.session.get(Tenant, young).status == "active"
        assert db.session.get(Tenant, tenant_a.tenant_id).status == "active"
    assert remove_unconfirmed_signups.delay().get() == []
    # the slug is free again
    assert _sign_up(app, "alt-hamm") != old
