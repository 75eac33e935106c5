"""Leitweg-ID (routing id of German public buyers, KoSIT spec 2.0.1): structure and ISO 7064 MOD 97-10 check digits."""
import re

from flask_babel import lazy_gettext as _l

# Grobadressierung (2-12 digits) - optional Feinadressierung (1-30 alphanumerics) - check digits (2)
LEITWEG_RE = re.compile(r"^(\d{2,12})(?:-([A-Za-z0-9]{1,30}))?-(\d{2})$")


def leitweg_problems(value: str) -> list[str]:
    if not value:
        return []
    match = LEITWEG_RE.match(value)
    if not match:
        return [_l("Format: 2–12 digits, optionally '-' and up to 30 letters/digits, then '-' and 2 check digits.")]
    body = (match.group(1) + (match.group(2) or "")).upper()
    # Letters count as 10..35 (A=10); check digits make the whole number ≡ 1 (mod 97).
    numeric = "".join(str(int(c, 36)) for c in body + match.group(3))
    if int(numeric) % 97 != 1:
        return [_l("The check digits do not match.")]
    return []


def leitweg_check_digits(body: str) -> str:
    """Check digits for a Leitweg-ID without them (`04011000-1234512345`), for tests and the demo."""
    numeric = "".join(str(int(c, 36)) for c in body.replace("-", "").upper())
    return f"{98 - (int(numeric) * 100) % 97:02d}"
