"""Finding 5: sessions and tokens end — logout, a new password, deactivation, removal and an absolute lifetime;
tokens are listed and revocable."""
import re
import time

NEW = "Ganz-neues-Passwort-789"


def _cookie(client, app) -> str:
    return client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")).value


def _with_cookie(app, value):
    other = app.test_client()
    other.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), value)
    return other


def _opens_clients(c, fx) -> bool:
    return c.get(f"/{fx.slug}/clients/").status_code == 200


def test_a_copied_cookie_dies_with_logout(app, client, tenant_a, login, no_csrf):
    login(client, tenant_a, "admin")
    copied = _cookie(client, app)
    assert _opens_clients(_with_cookie(app, copied), tenant_a)
    client.post("/logout")
    assert not _opens_clients(_with_cookie(app, copied), tenant_a)


def test_a_password_reset_ends_old_sessions_and_tokens(app, client, tenant_a, login, api_token, no_csrf):
    from core.mail import outbox

    login(client, tenant_a, "admin")
    copied = _cookie(client, app)
    token = api_token(tenant_a, "admin")
    assert client.get("/api/v1/tenant", headers=token).status_code == 200
    fresh = app.test_client()
    fresh.post("/password/forgot", data={"email": tenant_a.users["admin"]})
    link = re.search(r"https?://[^/\s]+(/password/reset/\S+)", outbox[-1].get_content())[1]
    assert fresh.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert not _opens_clients(_with_cookie(app, copied), tenant_a)
    assert client.get("/api/v1/tenant", headers=token).status_code == 401


def test_a_deactivated_users_token_and_session_stop(app, client, tenant_a, login, api_token):
    from sqlalchemy import select

    from core.audit import Actor
    from core.extensions import db
    from tenants import services
    from tenants.models import User

    login(client, tenant_a, "case_manager")
    token = api_token(tenant_a, "case_manager")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == tenant_a.users["case_manager"]))
        services.set_active(user, False, Actor.system("test"))
        db.session.commit()
    assert client.get("/api/v1/cases", headers=token).status_code == 401
    assert not _opens_clients(client, tenant_a)


def test_removal_from_the_alliance_ends_the_session(app, client, tenant_a, login, no_csrf):
    login(client, tenant_a, "viewer")
    copied = _cookie(client, app)
    owner = app.test_client()
    login(owner, tenant_a, "owner")
    assert owner.post(f"/{tenant_a.slug}/members/{tenant_a.memberships['viewer']}/delete",
                      data={"confirmed": "1"}).status_code == 302
    assert not _opens_clients(_with_cookie(app, copied), tenant_a)


def test_using_a_session_does_not_extend_it(app, client, tenant_a, login):
    """No Set-Cookie on ordinary requests (a stolen cookie is not refreshed), and a session older than its
    absolute lifetime is over however recently it was used."""
    login(client, tenant_a, "admin")
    client.get(f"/{tenant_a.slug}/clients/")  # the fresh session gets its CSRF token once
    r = client.get(f"/{tenant_a.slug}/clients/")
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    with client.session_transaction() as session:
        session["login_at"] = int(time.time()) - app.permanent_session_lifetime.total_seconds() - 5
    assert not _opens_clients(client, tenant_a)


def test_tokens_are_listed_and_revocable(client, tenant_a, api_token):
    """Does a member see (only) their own tokens, an admin all, and does a revoked token answer 401?"""
    viewer, admin = api_token(tenant_a, "viewer"), api_token(tenant_a, "admin")
    mine = client.get("/api/v1/tokens", headers=viewer).json["items"]
    assert [t["user"] for t in mine] == [tenant_a.users["viewer"]]
    everyone = client.get("/api/v1/tokens", headers=admin).json["items"]
    assert {t["user"] for t in everyone} == {tenant_a.users["viewer"], tenant_a.users["admin"]}
    admins_token = next(t["id"] for t in everyone if t["user"] == tenant_a.users["admin"])
    assert client.delete(f"/api/v1/tokens/{admins_token}", headers=viewer).status_code == 404
    assert client.delete(f"/api/v1/tokens/{mine[0]['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/tokens", headers=viewer).status_code == 401
    assert client.get("/api/v1/tokens", headers=admin).status_code == 200
    assert client.delete(f"/api/v1/tokens/{10**12}", headers=admin).status_code == 404
