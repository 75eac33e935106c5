"""Login, logout, rate limit, CSRF and password reset, as a user (or an attacker) would try them."""
import re

from tests.conftest import PASSWORD, csrf_from


def _login_post(client, slug, email, password, **extra):
    page = client.get(f"/login?tenant={slug}")
    return client.post(f"/login?tenant={slug}", data={"csrf_token": csrf_from(page.data), "tenant": slug,
                                                      "email": email, "password": password}, **extra)


def test_member_logs_in_and_lands_on_the_tenant_overview(client, tenant_a):
    """Does a member with the right password get to the alliance's overview?"""
    response = _login_post(client, "alpha", tenant_a.users["case_manager"], PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/alpha/")
    assert "Bündnis Alpha" in client.get("/alpha/").get_data(as_text=True)


def test_wrong_password_and_foreign_tenant_are_refused_alike(client, tenant_a, tenant_b):
    """Does a wrong password, or a right password for an alliance one is not a member of, fail the same way?"""
    wrong = _login_post(client, "alpha", tenant_a.users["owner"], "wrong password")
    foreign = _login_post(client, "beta", tenant_a.users["owner"], PASSWORD)
    assert wrong.status_code == foreign.status_code == 401
    assert client.get("/alpha/").status_code == 302  # still anonymous: sent to the login page


def test_logout_needs_post_with_csrf_and_ends_the_session(client, tenant_a, login):
    """Can a cross-site GET log a user out, and does a real logout end access?"""
    login(client, tenant_a)
    client.get("/logout")
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/alpha/").status_code == 200  # neither logged the user out
    token = csrf_from(client.get("/alpha/").data)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/alpha/").status_code == 302


def test_form_without_csrf_token_is_rejected(client, tenant_a, login):
    """Is a forged form post (no CSRF token) refused without changing anything?"""
    login(client, tenant_a)
    response = client.post("/alpha/agencies/new", data={"name": "Forged", "kind": "other"})
    assert response.status_code == 400
    assert "Forged" not in client.get("/alpha/agencies/").get_data(as_text=True)


def test_login_is_rate_limited(client, tenant_a):
    """Can someone try passwords without limit?"""
    statuses = [_login_post(client, "alpha", tenant_a.users["owner"], f"guess {i}").status_code for i in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[-1] == 429


def test_next_parameter_cannot_redirect_off_site(client, tenant_a):
    """Can a crafted login link send the user to another site after login?"""
    page = client.get("/login?tenant=alpha&next=https://evil.example.org/")
    response = client.post("/login?tenant=alpha&next=https://evil.example.org/", data={
        "csrf_token": csrf_from(page.data), "tenant": "alpha", "email": tenant_a.users["owner"], "password": PASSWORD})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_session_cookie_is_httponly_and_secure_outside_the_embedded_default(monkeypatch):
    """Are session cookies Secure by default on a real database, and always HttpOnly?"""
    from core.config import load_config

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app@db/bn")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = load_config()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_password_reset_by_mailed_link(client, tenant_a):
    """Can a user who forgot the password set a new one through the e-mailed link, exactly once?"""
    from core.mail import outbox

    page = client.get("/password/forgot")
    client.post("/password/forgot", data={"csrf_token": csrf_from(page.data), "email": tenant_a.users["viewer"]})
    assert len(outbox) == 1 and outbox[0]["To"] == tenant_a.users["viewer"]
    link = re.search(r"http://\S+/password/reset/\S+", outbox[0].get_content()).group(0)
    path = link.split("127.0.0.1:5000", 1)[1]
    form = client.get(path)
    response = client.post(path, data={"csrf_token": csrf_from(form.data), "password": "a brand new secret",
                                       "confirm": "a brand new secret"})
    assert response.status_code == 302
    assert _login_post(client, "alpha", tenant_a.users["viewer"], "a brand new secret").status_code == 302
    # the link is single-use: after the change it no longer works
    assert client.get(path).status_code == 302
    assert "/password/forgot" in client.get(path).headers["Location"]


def test_password_reset_does_not_reveal_unknown_addresses(client, tenant_a):
    """Does asking a reset for an unknown e-mail behave like for a known one (no account discovery)?"""
    from core.mail import outbox

    page = client.get("/password/forgot")
    unknown = client.post("/password/forgot", data={"csrf_token": csrf_from(page.data), "email": "nobody@example.org"})
    page = client.get("/password/forgot")
    known = client.post("/password/forgot", data={"csrf_token": csrf_from(page.data), "email": tenant_a.users["owner"]})
    assert unknown.status_code == known.status_code == 302
    assert [m["To"] for m in outbox] == [tenant_a.users["owner"]]


def test_too_short_new_password_gets_a_field_message(client, tenant_a):
    """Is a too-short new password refused with a message next to the field?"""
    from core.mail import outbox

    page = client.get("/password/forgot")
    client.post("/password/forgot", data={"csrf_token": csrf_from(page.data), "email": tenant_a.users["owner"]})
    path = "/password/reset/" + outbox[0].get_content().split("/password/reset/")[1].split()[0]
    form = client.get(path)
    response = client.post(path, data={"csrf_token": csrf_from(form.data), "password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert 'class="field-error"' in response.get_data(as_text=True)


def test_roles_limit_what_members_can_open(client, tenant_a, login):
    """May a viewer open members, audit log or settings, or create an agency?"""
    login(client, tenant_a, "viewer")
    for path in ("/alpha/members", "/alpha/audit", "/alpha/settings", "/alpha/agencies/new"):
        assert client.get(path).status_code == 403, path
    assert client.get("/alpha/agencies/").status_code == 200


def test_admin_changes_roles_and_cannot_remove_the_last_owner(client, tenant_a, login):
    """Can an admin change a member's role, and is removing the only owner refused with a message?"""
    login(client, tenant_a, "admin")
    page = client.get("/alpha/members")
    token = csrf_from(page.data)
    r = client.post(f"/alpha/members/{tenant_a.memberships['viewer']}/role",
                    data={"csrf_token": token, "role": "finance"}, follow_redirects=True)
    assert r.status_code == 200 and 'class="flash flash-success"' in r.get_data(as_text=True)
    r = client.post(f"/alpha/members/{tenant_a.memberships['owner']}/delete",
                    data={"csrf_token": token, "confirmed": "1"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert 'class="flash flash-error"' in html and tenant_a.users["owner"] in html
