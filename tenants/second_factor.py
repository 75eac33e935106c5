"""The second factor: TOTP (pyotp) with single-use recovery codes.

STUB — the second-factor work fills this in. The contract the rest of the code relies on:
- `passed()` → True when the current session was started with a second factor (password + TOTP or recovery
  code). The admin console requires it; so does impersonation.
"""
from flask import session


def passed() -> bool:
    return session.get("second_factor") is True
