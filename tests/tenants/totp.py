"""Test helpers for the second factor: switch it on for a user, log in with it (for other tests too).

    secret = enable_totp(app, "admin@example.org")
    totp_login(client, "admin@example.org", PASSWORD, secret)            # → the response after the code
"""
import pyotp

from tests.conftest import csrf_from


def enable_totp(app, email: str, secret: str | None = None) -> str:
    """Switch the second factor on for the account `email` (committed); returns the secret."""
    from sqlalchemy import select

    from core.audit import Actor
    from core.extensions import db
    from tenants import second_factor
    from tenants.models import User

    secret = secret or pyotp.random_base32()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        second_factor.set_up_without_code(user, secret, Actor.system("test"))
        db.session.commit()
    return secret


def fresh_code(app, email: str, secret: str) -> str:
    """A code the server accepts now: a time step after the last one used (each works once); when the three
    steps around now are used up, the record of the last one is cleared (tests only)."""
    from sqlalchemy import select

    from core.clock import utcnow
    from core.extensions import db
    from tenants.models import User

    totp = pyotp.TOTP(secret)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        now = totp.timecode(utcnow())
        last = user.totp_last_step
        step = now - 1 if last is None or last < now - 1 else last + 1
        if step > now + 1:
            user.totp_last_step, step = None, now
            db.session.commit()
    return totp.generate_otp(step)


def totp_login(client, email: str, password: str, secret: str, tenant: str = "", next_url: str = ""):
    """Log in through both forms (password, then the code); returns the response to the code (302 when it
    worked). `client.application` is the app."""
    query = f"?next={next_url}" if next_url else ""
    page = client.get("/login" + query)
    first = client.post("/login" + query, data={"csrf_token": csrf_from(page.data), "tenant": tenant,
                                                "email": email, "password": password})
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/second-factor"), first.data[:300]
    page = client.get("/login/second-factor")
    return client.post("/login/second-factor", data={
        "csrf_token": csrf_from(page.data), "code": fresh_code(client.application, email, secret)})
