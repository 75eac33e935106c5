"""One login without an alliance's address: the picker sends a user to their alliance, lets them choose among
several, says so when there is none, and sends platform admins to the console."""
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_from
from tests.tenants.totp import enable_totp, totp_login

TWO = "two@example.org"


def _login(client, email, tenant="", next_url=""):
    query = f"?next={next_url}" if next_url else ""
    page = client.get("/login" + query)
    return client.post("/login" + query, data={"csrf_token": csrf_from(page.data), "tenant": tenant,
                                               "email": email, "password": PASSWORD})


def _member_of_both(app, tenant_a, tenant_b):
    from core.audit import Actor
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants import services
    from tenants.models import Tenant

    with app.app_context():
        user = services.create_user(TWO, PASSWORD, "Zwei")
        for fx, role in ((tenant_a, "finance"), (tenant_b, "viewer")):
            with tenant_context(fx.tenant_id):
                services.add_member(db.session.get(Tenant, fx.tenant_id), user, role, Actor.system("test"))
                db.session.flush()
        db.session.commit()


def test_one_alliance_goes_straight_there(client, tenant_a, tenant_b):
    """Does a member of one alliance who leaves the alliance field empty land on its overview?"""
    r = _login(client, tenant_a.users["viewer"])
    assert r.status_code == 302 and r.headers["Location"].endswith("/alpha/")
    assert client.get("/alpha/").status_code == 200


def test_several_alliances_are_listed_to_choose(app, client, tenant_a, tenant_b):
    """Does a member of two alliances choose between exactly those two, with the role in each?"""
    _member_of_both(app, tenant_a, tenant_b)
    r = _login(client, TWO)
    assert r.status_code == 302 and r.headers["Location"].endswith("/choose")
    html = client.get("/choose").get_data(as_text=True)
    assert "Bündnis Alpha" in html and "Bündnis Beta" in html
    assert 'href="/alpha/"' in html and 'href="/beta/"' in html
    assert "Finanzen" in html or "Finance" in html
    assert client.get("/beta/").status_code == 200


def test_no_alliance_is_said_plainly(app, client, tenant_a):
    """Does someone with an account but no membership get a page that says so (not an error)?"""
    from core.extensions import db
    from tenants import services

    with app.app_context():
        services.create_user("lonely@example.org", PASSWORD)
        db.session.commit()
    r = _login(client, "lonely@example.org")
    assert r.headers["Location"].endswith("/choose")
    page = client.get("/choose")
    assert page.status_code == 200 and 'id="no-alliance"' in page.get_data(as_text=True)
    assert "Bündnis Alpha" not in page.get_data(as_text=True)


def test_the_alliance_field_and_next_keep_working(app, client, tenant_a, tenant_b):
    """Does naming an alliance still go there, and a `next` path win over the picker?"""
    _member_of_both(app, tenant_a, tenant_b)
    assert _login(client, TWO, tenant="beta").headers["Location"].endswith("/beta/")
    other = app.test_client()
    assert _login(other, TWO, next_url="/alpha/agencies/").headers["Location"].endswith("/alpha/agencies/")
    wrong = app.test_client()
    assert _login(wrong, tenant_a.users["owner"], tenant="beta").status_code == 401


def test_platform_admin_lands_on_the_console(app, client):
    """Does a platform admin (with the second factor) land on the admin console, not the public page?"""
    from core.extensions import db
    from tenants import services

    with app.app_context():
        services.create_user("root@example.org", PASSWORD, platform_admin=True)
        db.session.commit()
    secret = enable_totp(app, "root@example.org")
    r = totp_login(client, "root@example.org", PASSWORD, secret)
    expected = "admin.index" if "admin.index" in app.view_functions else "public.index"
    with app.test_request_context():
        from flask import url_for

        assert r.status_code == 302 and r.headers["Location"].endswith(url_for(expected))


def test_picker_sees_memberships_through_the_database_wall(app, tenant_a, tenant_b):
    """Memberships are tenant-owned (row-level security on PostgreSQL): does the list of a user's alliances
    still find each one, and only theirs?"""
    from core.extensions import db
    from tenants.models import User
    from tenants.picker import alliances_of

    _member_of_both(app, tenant_a, tenant_b)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == TWO))
        assert [(t.slug, role) for t, role in alliances_of(user)] == [("alpha", "finance"), ("beta", "viewer")]
        owner = db.session.scalar(select(User).where(User.email == tenant_a.users["owner"]))
        assert [t.slug for t, _role in alliances_of(owner)] == ["alpha"]
