"""API bearer tokens and password-reset tokens.

A bearer token is `<signed {tenant, token row}>.<secret>`: the signed part tells which tenant to enter before the
token row can be read at all (row-level security), the secret is checked against the stored SHA-256.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from core.extensions import db
from core.models import utcnow
from tenants.models import ApiToken, Membership, User


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_token(membership: Membership) -> tuple[str, ApiToken]:
    """Create a token row for `membership` (caller commits) and return the bearer string shown once."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        tenant_id=membership.tenant_id, membership_id=membership.id, secret_hash=_digest(secret), created_at=now,
        session_version=membership.user.session_version,
        expires_at=now + timedelta(seconds=current_app.config["API_TOKEN_TTL_SECONDS"]),
    )
    db.session.add(row)
    db.session.flush()
    signed = _serializer().dumps({"t": membership.tenant_id, "k": row.id})
    return f"{signed}.{secret}", row


def parse_bearer(value: str) -> tuple[int, int, str] | None:
    """(tenant_id, token_id, secret) of a well-formed, correctly signed token, else None."""
    signed, _, secret = (value or "").rpartition(".")
    if not signed or not secret:
        return None
    try:
        payload = _serializer().loads(signed)
        return int(payload["t"]), int(payload["k"]), secret
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def load_api_token(tenant_id: int, token_id: int, secret: str) -> ApiToken | None:
    """The live token row; must be called inside tenant_context(tenant_id). Its tenant comes along in the same
    query (the request needs it next: `db.session.get(Tenant, …)` then finds it in the session)."""
    from sqlalchemy import select

    from tenants.models import Tenant

    found = db.session.execute(select(ApiToken, Tenant).join(Tenant, Tenant.id == ApiToken.tenant_id)
                               .where(ApiToken.id == token_id)).first()
    row = found[0] if found else None
    if row is not None:
        row.tenant = found[1]  # held here: the session's identity map alone would let it go
    if row is None or row.tenant_id != tenant_id or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    if not hmac.compare_digest(row.secret_hash, _digest(secret)):
        return None
    user = row.membership.user
    if not user.active or row.session_version != user.session_version:  # ended with the user's sessions
        return None
    return row


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


RESET_MAX_AGE = 3600


def password_reset_token(user: User) -> str:
    # The hash fragment makes the token single-use: once the password changes, it no longer matches.
    return _reset_serializer().dumps({"u": user.id, "h": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or user.password_hash[-16:] != data.get("h"):
        return None
    return user


