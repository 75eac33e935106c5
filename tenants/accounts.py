"""One's own account: name and language."""
from flask_babel import lazy_gettext as _l

from core.audit import Actor
from core.problems import ValidationFailed
from tenants.models import User

LOCALES = ("de", "en")


def update_account(user: User, data: dict, actor: Actor) -> User:
    """Change the user's own name and language (the e-mail and password have their own ways)."""
    locale = data.get("locale")
    if locale not in LOCALES:
        raise ValidationFailed(_l("Unknown language."), {"locale": [_l("Choose Deutsch or English.")]})
    user.name = (data.get("name") or "").strip()[:200]
    user.locale = locale
    return user
