"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendation).

`PASSWORD_HASH_PROFILE=cheapest` (the test suite only) hashes with argon2-cffi's cheapest parameters, so that
hundreds of test users do not cost minutes; production always uses the default profile.
"""
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
PROFILES = {"default": profiles.RFC_9106_LOW_MEMORY, "cheapest": profiles.CHEAPEST}


@cache
def _hasher_for(profile: str) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher.from_parameters(PROFILES[profile])
    # a hash to verify against when the e-mail is unknown, so that timing does not reveal which e-mails exist
    return hasher, hasher.hash("not-a-real-password")


def _hasher() -> tuple[PasswordHasher, str]:
    profile = current_app.config.get("PASSWORD_HASH_PROFILE", "default") if has_app_context() else "default"
    return _hasher_for(profile)


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher, dummy = _hasher()
    try:
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher()[0].check_needs_rehash(password_hash)


def password_problems(password: str) -> list[str]:
    if len(password or "") < MIN_LENGTH:
        return [_l("At least %(n)d characters.", n=MIN_LENGTH)]
    return []
