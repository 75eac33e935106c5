"""Fixtures of the platform admin console's tests: a platform admin, logged in with or without the second factor
(`passed()` reads the session flag that the real login with TOTP sets)."""
import pytest

from tests.conftest import PASSWORD, csrf_from

ADMIN_EMAIL = "root@platform.example.org"


@pytest.fixture
def platform_admin(app):
    from core.extensions import db
    from tenants import services

    with app.app_context():
        user = services.create_user(ADMIN_EMAIL, PASSWORD, "Platform Root", platform_admin=True)
        db.session.commit()
        return user.id


def log_in_admin(client, second_factor: bool = True):
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_from(page.data), "tenant": "", "email": ADMIN_EMAIL,
                                           "password": PASSWORD})
    assert response.status_code == 302, response.data[:500]
    if second_factor:
        with client.session_transaction() as session:
            session["second_factor"] = True
    return client


@pytest.fixture
def admin_client(client, platform_admin):
    return log_in_admin(client)


def post_form(client, path: str, data: dict | None = None):
    """GET the page, then POST it with its CSRF token (as a browser without JavaScript does)."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return client.post(path, data={"csrf_token": csrf_from(page.data), **(data or {})})
