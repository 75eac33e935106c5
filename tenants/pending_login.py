"""Between the password and the second factor: a short-lived signed marker in the session (user id, session
version, time and where to go afterwards). Nobody is logged in until the code is right."""
from flask import current_app, session
from flask_login import logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.extensions import db
from tenants.models import User

MAX_AGE_SECONDS = 300
MAX_FAILURES = 5
_KEY, _FAILURES = "pending_second_factor", "pending_second_factor_failures"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pending-second-factor")


def begin(user: User, target: str | None) -> None:
    """The password was right: end whatever session there was and wait for the second factor."""
    language = session.get("lang")
    logout_user()
    session.clear()
    if language:
        session["lang"] = language
    session[_KEY] = _serializer().dumps({"user": user.id, "version": user.session_version, "to": target})
    session[_FAILURES] = 0


def pending() -> tuple[User, str | None] | None:
    """(user, target) while the marker is fresh and the user's sessions were not ended since; else None."""
    token = session.get(_KEY)
    if not token:
        return None
    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # also SignatureExpired
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data.get("user"), int) else None
    if user is None or not user.active or user.session_version != data.get("version") or not user.has_second_factor:
        return None
    return user, data.get("to")


def failed() -> bool:
    """Count a wrong code; True when that was one too many (the marker is gone: back to the password)."""
    session[_FAILURES] = int(session.get(_FAILURES) or 0) + 1
    if session[_FAILURES] >= MAX_FAILURES:
        clear()
        return True
    return False


def clear() -> None:
    session.pop(_KEY, None)
    session.pop(_FAILURES, None)
