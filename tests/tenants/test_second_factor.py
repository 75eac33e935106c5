"""The second factor (TOTP and recovery codes), as a member, a platform admin or an attacker would try it."""
import re

import pyotp
import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_from
from tests.tenants.totp import enable_totp, fresh_code, totp_login

ADMIN = "root@example.org"


def _user(email):
    from core.extensions import db
    from tenants.models import User

    return db.session.scalar(select(User).where(User.email == email))


def _cookie(client, app) -> str:
    return client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")).value


def _with_cookie(app, value):
    other = app.test_client()
    other.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), value)
    return other


def _post(client, path, **data):
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_from(page.data), **data})


def _wrong_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    now = totp.timecode(__import__("datetime").datetime.now())
    valid = {totp.generate_otp(s) for s in (now - 1, now, now + 1)}
    return next(c for c in ("123456", "654321", "111111", "222222") if c not in valid)


def _enrol(client):
    """Set up the second factor through the pages; returns (secret, recovery codes)."""
    page = client.get("/account/second-factor")
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.get_data(as_text=True))[1]
    r = client.post("/account/second-factor", data={"csrf_token": csrf_from(page.data),
                                                    "code": pyotp.TOTP(secret).now()})
    assert r.status_code == 200, r.data[:500]
    return secret, re.findall(r"<li><code>([a-z0-9-]{11})</code></li>", r.get_data(as_text=True))


def _console_path(app) -> str | None:
    """The admin console's path, while it is being built elsewhere (None: not there yet)."""
    if "admin.index" not in app.view_functions:
        return None
    with app.test_request_context():
        from flask import url_for

        return url_for("admin.index")


@pytest.fixture
def platform_admin(app):
    from tenants import services

    with app.app_context():
        from core.extensions import db

        services.create_user(ADMIN, PASSWORD, "Root", platform_admin=True)
        db.session.commit()
    return ADMIN


def test_enrolment_needs_the_right_code_and_stores_the_secret_encrypted(app, client, tenant_a, login):
    """Does a wrong code leave the factor off, does the right one switch it on, with 10 recovery codes shown once,
    and is the secret unreadable in the database?"""
    login(client, tenant_a, "case_manager")
    page = client.get("/account/second-factor")
    html = page.get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', html)[1]
    assert 'src="data:image/svg+xml' in html and "<svg" not in html  # the QR code is an image, CSP-safe
    wrong = client.post("/account/second-factor", data={"csrf_token": csrf_from(page.data),
                                                        "code": _wrong_code(secret)})
    assert wrong.status_code == 422 and 'class="error-summary"' in wrong.get_data(as_text=True)
    with app.app_context():
        assert not _user(tenant_a.users["case_manager"]).has_second_factor
    right = client.post("/account/second-factor", data={"csrf_token": csrf_from(page.data),
                                                        "code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([a-z0-9-]{11})</code></li>", right.get_data(as_text=True))
    assert right.status_code == 200 and len(set(codes)) == 10
    with app.app_context():
        from tenants import second_factor

        user = _user(tenant_a.users["case_manager"])
        assert user.has_second_factor and user.totp_secret_encrypted
        assert secret not in user.totp_secret_encrypted
        assert second_factor.decrypt(user.totp_secret_encrypted) == secret
    # the recovery codes are not shown again
    assert not any(code in client.get("/account/second-factor").get_data(as_text=True) for code in codes)


def test_enabling_ends_other_sessions_but_not_this_one(app, client, tenant_a, login):
    """After switching the factor on, does a copied cookie of an older session stop working, while the current
    session goes on (now with the second factor)?"""
    login(client, tenant_a, "admin")
    copied = _cookie(client, app)
    assert _with_cookie(app, copied).get("/alpha/").status_code == 200
    _enrol(client)
    assert _with_cookie(app, copied).get("/alpha/").status_code == 302
    assert client.get("/alpha/").status_code == 200
    with client.session_transaction() as session:
        assert session["second_factor"] is True


def test_login_asks_for_the_code_and_a_code_works_once(app, client, tenant_a):
    """Is a user with a second factor not logged in by the password alone, and is a used code refused the
    second time?"""
    email = tenant_a.users["viewer"]
    secret = enable_totp(app, email)
    page = client.get("/login")
    r = client.post("/login", data={"csrf_token": csrf_from(page.data), "tenant": "alpha", "email": email,
                                    "password": PASSWORD})
    assert r.headers["Location"].endswith("/login/second-factor")
    assert client.get("/alpha/").status_code == 302  # not logged in yet
    code = fresh_code(app, email, secret)
    page = client.get("/login/second-factor")
    r = client.post("/login/second-factor", data={"csrf_token": csrf_from(page.data), "code": code})
    assert r.status_code == 302 and r.headers["Location"].endswith("/alpha/")
    assert client.get("/alpha/").status_code == 200
    with client.session_transaction() as session:
        assert session["second_factor"] is True
    # the same code again, in a new login: refused
    other = app.test_client()
    page = other.get("/login")
    other.post("/login", data={"csrf_token": csrf_from(page.data), "tenant": "alpha", "email": email,
                               "password": PASSWORD})
    page = other.get("/login/second-factor")
    again = other.post("/login/second-factor", data={"csrf_token": csrf_from(page.data), "code": code})
    assert again.status_code == 401
    assert other.get("/alpha/").status_code == 302


def test_a_recovery_code_works_once(app, tenant_a):
    """Can a user who lost the phone log in with a recovery code, and only once with the same code?"""
    from core.audit import Actor
    from core.extensions import db
    from tenants import second_factor

    email = tenant_a.users["finance"]
    with app.app_context():
        codes = second_factor.set_up_without_code(_user(email), pyotp.random_base32(), Actor.system("test"))
        db.session.commit()

    def log_in_with(code):
        c = app.test_client()
        page = c.get("/login")
        c.post("/login", data={"csrf_token": csrf_from(page.data), "tenant": "alpha", "email": email,
                               "password": PASSWORD})
        page = c.get("/login/second-factor")
        return c.post("/login/second-factor", data={"csrf_token": csrf_from(page.data), "code": codes[3].upper()})

    assert log_in_with(codes[3]).status_code == 302
    assert log_in_with(codes[3]).status_code == 401
    with app.app_context():
        assert second_factor.unused_recovery_codes(_user(email)) == 9


def test_five_wrong_codes_send_back_to_the_password(app, client, tenant_a):
    """Can someone who knows the password try codes without end in one pending login?"""
    email = tenant_a.users["viewer"]
    secret = enable_totp(app, email)
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_from(page.data), "tenant": "alpha", "email": email,
                                "password": PASSWORD})
    token = csrf_from(client.get("/login/second-factor").data)
    statuses = [client.post("/login/second-factor", data={"csrf_token": token, "code": _wrong_code(secret)})
                .status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 302]
    r = client.post("/login/second-factor", data={"csrf_token": token, "code": fresh_code(app, email, secret)})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert client.get("/alpha/").status_code == 302


def test_the_pending_login_expires(app, client, tenant_a, monkeypatch):
    """Does a password entered more than five minutes ago still open the account with a code?"""
    import time

    email = tenant_a.users["viewer"]
    secret = enable_totp(app, email)
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_from(page.data), "tenant": "alpha", "email": email,
                                "password": PASSWORD})
    token = csrf_from(client.get("/login/second-factor").data)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 301)
    r = client.post("/login/second-factor", data={"csrf_token": token, "code": fresh_code(app, email, secret)})
    monkeypatch.setattr(time, "time", real)
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert client.get("/alpha/").status_code == 302


def test_platform_admin_without_second_factor_reaches_only_the_enrolment(app, client, tenant_a, platform_admin):
    """Is a platform admin who has no second factor yet kept on the enrolment page until it is set up?"""
    page = client.get("/login")
    r = client.post("/login", data={"csrf_token": csrf_from(page.data), "email": ADMIN, "password": PASSWORD})
    assert r.status_code == 302
    console = _console_path(app)
    paths = ["/account", "/choose", "/"] + ([console] if console else [])
    for path in paths:
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].endswith("/account/second-factor"), path
    assert client.get("/account/second-factor").status_code == 200
    _enrol(client)
    assert client.get("/account").status_code == 200
    if console:
        assert client.get(console).status_code == 200


def test_disabling_is_refused_for_platform_admins(app, client, platform_admin):
    """Can a platform admin switch the required second factor off?"""
    secret = enable_totp(app, ADMIN)
    assert totp_login(client, ADMIN, PASSWORD, secret).status_code == 302
    r = _post(client, "/account/second-factor/disable", password=PASSWORD, code=fresh_code(app, ADMIN, secret))
    assert r.status_code == 403
    with app.app_context():
        assert _user(ADMIN).has_second_factor


def test_disabling_needs_password_and_code_and_ends_other_sessions(app, client, tenant_a):
    """Does switching off need the password and a code, and does it end the user's other sessions?"""
    email = tenant_a.users["case_manager"]
    secret = enable_totp(app, email)
    assert totp_login(client, email, PASSWORD, secret, tenant="alpha").status_code == 302
    other = app.test_client()
    assert totp_login(other, email, PASSWORD, secret, tenant="alpha").status_code == 302
    wrong = _post(client, "/account/second-factor/disable", password="not it", code=fresh_code(app, email, secret))
    assert wrong.status_code == 422
    r = _post(client, "/account/second-factor/disable", password=PASSWORD, code=fresh_code(app, email, secret))
    assert r.status_code == 302
    with app.app_context():
        assert not _user(email).has_second_factor
    assert client.get("/alpha/").status_code == 200
    assert other.get("/alpha/").status_code == 302


def test_new_recovery_codes_need_a_code_and_replace_the_old(app, client, tenant_a):
    """Do new recovery codes need a current code, and do the old ones stop working?"""
    from core.audit import Actor
    from core.extensions import db
    from tenants import second_factor

    email = tenant_a.users["owner"]
    secret = pyotp.random_base32()
    with app.app_context():
        old = second_factor.set_up_without_code(_user(email), secret, Actor.system("test"))
        db.session.commit()
    assert totp_login(client, email, PASSWORD, secret, tenant="alpha").status_code == 302
    page = client.get("/account/second-factor")
    refused = client.post("/account/second-factor/recovery-codes",
                          data={"csrf_token": csrf_from(page.data), "code": _wrong_code(secret)})
    assert refused.status_code == 422
    r = client.post("/account/second-factor/recovery-codes",
                    data={"csrf_token": csrf_from(page.data), "code": fresh_code(app, email, secret)})
    new = re.findall(r"<li><code>([a-z0-9-]{11})</code></li>", r.get_data(as_text=True))
    assert r.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    with app.app_context():
        user = _user(email)
        assert second_factor.use_recovery_code(user, old[0]) is False
        assert second_factor.use_recovery_code(user, new[0]) is True
        db.session.rollback()


def test_alliance_requirement_is_enforced_and_keeps_the_factor_on(app, client, tenant_a, login):
    """When the owner requires a second factor, is a member without one sent to set it up before any page of
    the alliance, and refused to switch it off afterwards?"""
    owner = app.test_client()
    email = tenant_a.users["owner"]
    refused = _post(login(owner, tenant_a, "owner"), "/alpha/settings/second-factor", require_second_factor="y")
    assert refused.status_code == 302
    with app.app_context():
        from core.extensions import db
        from tenants.models import Tenant

        assert not db.session.get(Tenant, tenant_a.tenant_id).require_second_factor  # the owner has none yet
    secret = enable_totp(app, email)
    owner = app.test_client()
    assert totp_login(owner, email, PASSWORD, secret, tenant="alpha").status_code == 302
    assert _post(owner, "/alpha/settings/second-factor", require_second_factor="y").status_code == 302
    settings = owner.get("/alpha/settings").get_data(as_text=True)
    assert "4" in re.search(r"<p>[^<]*: (\d+)</p>", settings)[0]  # admin, case manager, finance, viewer
    login(client, tenant_a, "viewer")
    r = client.get("/alpha/clients/")
    assert r.status_code == 302 and "/account/second-factor" in r.headers["Location"]
    _enrol(client)
    assert client.get("/alpha/clients/").status_code == 200
    page = client.get("/account/second-factor/disable")
    assert page.status_code == 403 and "Bündnis Alpha" in page.get_data(as_text=True)


def test_cli_sets_up_the_second_factor_of_the_first_admin(app, client, platform_admin):
    """Does `platform totp-setup` print a secret and recovery codes that work for logging in?"""
    r = app.test_cli_runner().invoke(args=["platform", "totp-setup", ADMIN])
    assert r.exit_code == 0, r.output
    secret = re.search(r"Secret:\s+([A-Z2-7]+)", r.output)[1]
    assert "otpauth://totp/" in r.output and len(re.findall(r"^  [a-z0-9]{5}-[a-z0-9]{5}$", r.output, re.M)) == 10
    assert totp_login(client, ADMIN, PASSWORD, secret).status_code == 302
    assert client.get("/account").status_code == 200
    missing = app.test_cli_runner().invoke(args=["platform", "totp-setup", "nobody@example.org"])
    assert missing.exit_code != 0 and "No account" in missing.output
