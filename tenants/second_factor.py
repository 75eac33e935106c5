"""The second factor: TOTP (pyotp) with single-use recovery codes.

The contract the rest of the code relies on:
- `passed()` → True when the current session was started with a second factor (password + TOTP or recovery
  code). The admin console requires it; so does impersonation. The login flow (tenants.account_views) sets it.

The secret is stored encrypted (Fernet, key derived from SECRET_KEY with HKDF/SHA-256); a time step is accepted
once (`User.totp_last_step`), one step either side of now (clock drift); recovery codes are kept as SHA-256.
"""
import base64
import hashlib
import hmac
import secrets

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from core import audit
from core.audit import Actor
from core.clock import utcnow
from core.extensions import db
from core.problems import Forbidden, ValidationFailed
from core.tenancy.context import tenant_context
from tenants.models import RecoveryCode, User
from tenants.passwords import verify_password

ISSUER = "Bündnisnetz"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper
SESSION_FLAG = "second_factor"


def passed() -> bool:
    return session.get(SESSION_FLAG) is True


def mark_passed() -> None:
    """Note in the (freshly started) session that it was started with a second factor."""
    session[SESSION_FLAG] = True


# --- the secret -------------------------------------------------------------------------------------------------

def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"buendnisnetz totp secret").derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    return pyotp.random_base32()


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str | None) -> str | None:
    """The secret, or None when there is none or it was encrypted with another SECRET_KEY."""
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as a QR code: an SVG data URI for an <img> (the CSP allows data: images, no inline SVG
    styles)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


# --- checking codes ---------------------------------------------------------------------------------------------

def _clean(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (now, or one either side) whose code is `code`."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    found = None
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _use_step(user: User, step: int) -> bool:
    """Claim `step` for `user`: False when it (or a later one) was used already. One UPDATE, so two requests
    racing with the same code cannot both win."""
    result = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)  # written by the UPDATE already
    return True


def check_totp(user: User, code: str | None) -> bool:
    """Is `code` a current TOTP code of `user` not used before? Uses it up."""
    secret = decrypt(user.totp_secret_encrypted) if user.has_second_factor else None
    step = _matching_step(secret, _clean(code)) if secret else None
    return step is not None and _use_step(user, step)


def _hash(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def use_recovery_code(user: User, code: str | None) -> bool:
    """Is `code` an unused recovery code of `user`? Uses it up (one UPDATE: it works once, also in a race)."""
    if not user.has_second_factor or len(_clean(code)) != 10:
        return False
    result = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount == 1


def check(user: User, code: str | None) -> str | None:
    """A TOTP code or a recovery code, each accepted once: "totp", "recovery", or None when wrong."""
    if check_totp(user, code):
        return "totp"
    if use_recovery_code(user, code):
        return "recovery"
    return None


def unused_recovery_codes(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
                       .values(used_at=utcnow()).execution_options(synchronize_session=False))
    codes = []
    now = utcnow()
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(code), created_at=now))
    db.session.flush()
    return codes


# --- enabling, regenerating, disabling ---------------------------------------------------------------------------

_WRONG_CODE = _l("This code is not correct (or was used already). Enter the current code of your app.")


def enable(user: User, secret: str, code: str | None, actor: Actor) -> list[str]:
    """Switch the second factor on with `secret` once `code` proves the app has it; the recovery codes (shown
    once). Raises the session version: the caller starts the current session again."""
    step = _matching_step(secret, _clean(code))
    if step is None:
        raise ValidationFailed(_WRONG_CODE, {"code": [_WRONG_CODE]})
    user.totp_secret_encrypted = encrypt(secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step  # the confirming code cannot log anyone in
    codes = _new_recovery_codes(user)
    _end_sessions(user)
    _audit(user, actor, "user.second_factor.enable")
    return codes


def set_up_without_code(user: User, secret: str, actor: Actor) -> list[str]:
    """For the command line (the first admin of a fresh install): switch on with `secret`, no code to confirm."""
    user.totp_secret_encrypted = encrypt(secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    codes = _new_recovery_codes(user)
    _end_sessions(user)
    _audit(user, actor, "user.second_factor.enable")
    return codes


def regenerate_recovery_codes(user: User, code: str | None, actor: Actor) -> list[str]:
    """New recovery codes (the old ones stop working); needs a current TOTP code."""
    if not check_totp(user, code):
        raise ValidationFailed(_WRONG_CODE, {"code": [_WRONG_CODE]})
    codes = _new_recovery_codes(user)
    _audit(user, actor, "user.second_factor.recovery_codes")
    return codes


def disable_refusal(user: User):
    """Why `user` may not switch the second factor off (a lazy string), or None."""
    if user.is_platform_admin:
        return _l("Platform administrators must keep the second factor.")
    requiring = [t.name for t in requiring_alliances(user)]
    if requiring:
        return _l("Your alliance requires a second factor: %(names)s.", names=", ".join(requiring))
    return None


def disable(user: User, password: str, code: str | None, actor: Actor) -> None:
    """Switch the second factor off: needs the password and a code; refused for platform admins and members of
    an alliance that requires it."""
    if refusal := disable_refusal(user):
        raise Forbidden(refusal)
    errors = {}
    if not verify_password(user.password_hash, password or ""):
        errors["password"] = [_l("The password is not correct.")]
    if not errors and not check(user, code):
        errors["code"] = [_WRONG_CODE]
    if errors:
        raise ValidationFailed(_l("The second factor stays on."), errors)
    user.totp_secret_encrypted = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
                       .values(used_at=utcnow()).execution_options(synchronize_session=False))
    _end_sessions(user)
    _audit(user, actor, "user.second_factor.disable")


def _end_sessions(user: User) -> None:
    from tenants.services import end_sessions

    end_sessions(user)


def requiring_alliances(user: User) -> list:
    """The alliances of `user` that require a second factor of their members. Memberships are tenant-owned
    (row-level security hides them outside a tenant's context), so each requiring tenant is asked in its own."""
    from tenants.picker import alliances_of

    return [tenant for tenant, _role in alliances_of(user, only_requiring=True)]


def _audit(user: User, actor: Actor, action: str) -> None:
    """Users are platform-wide, the audit log is per alliance: the change is recorded in each alliance the user
    belongs to (a platform admin without memberships leaves none; the CLI prints what it did)."""
    from tenants.picker import alliances_of

    for tenant, _role in alliances_of(user):
        with tenant_context(tenant.id):
            audit.record(actor, action, user, diff={"user": [None, user.email]})
            db.session.flush()


# --- the alliance's requirement ---------------------------------------------------------------------------------

def set_required(tenant, required: bool, user: User, actor: Actor) -> None:
    """Require (or no longer require) a second factor of every member of `tenant` (the current tenant). The one
    who switches it on has one already, so that nobody locks themselves out by surprise."""
    if required and not user.has_second_factor:
        message = _l("Set up your own second factor first (on your account page).")
        raise ValidationFailed(message, {"require_second_factor": [message]})
    diff = audit.changes(tenant, {"require_second_factor": bool(required)})
    if diff:
        audit.record(actor, "tenant.update", tenant, diff=diff)


def members_without_second_factor() -> int:
    """How many members of the current tenant have no second factor yet."""
    from sqlalchemy import func

    from tenants.models import Membership

    return db.session.scalar(select(func.count()).select_from(Membership).join(User, User.id == Membership.user_id)
                             .where(User.totp_enabled_at.is_(None)))
