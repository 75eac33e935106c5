"""Time-limited, audited impersonation of an alliance by a platform admin (with a second factor).

The contract the rest of the code relies on:
- `membership_for(tenant)` → a stand-in membership (role admin) when the logged-in platform admin impersonates
  `tenant` right now, else None; tenants.web uses it when the user is not a member.
- `write_block()` → a reason (lazy string) when the current request is an impersonation that may not write.
- `banner()` → what the layout shows the impersonator (a tenants.banners.Banner), or None.

The session holds {"tenant_id", "until", "started" (POSIX seconds), "reason"}; nothing is written to the
database except the audit events "impersonation.started" and "impersonation.ended" in the tenant's own log.
"""
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, g, has_request_context, session, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tenants import second_factor

SESSION_KEY = "impersonation"


@dataclass(frozen=True)
class StandIn:
    """What a platform admin acts as while impersonating: an administrator of the alliance that exists only in
    the session (never a row, so no flush can write it)."""

    user: object
    tenant_id: int
    role: str = "admin"
    agency_id: int | None = None
    id: int | None = None

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def actor_label(self) -> str:
        """How audit entries name the impersonator (tenants.web.current_actor)."""
        return f"{self.user.email} [impersonating]"  # a stable mark, shown translated (core.labels.actor_text)


def entry() -> dict | None:
    """The impersonation entry of the session, if well-formed."""
    data = session.get(SESSION_KEY) if has_request_context() else None
    if not isinstance(data, dict) or not isinstance(data.get("tenant_id"), int):
        return None
    if not isinstance(data.get("until"), int | float):
        return None
    return data


def is_expired(data: dict) -> bool:
    return time.time() >= data["until"]


def allowed() -> bool:
    """Only a logged-in platform admin who passed the second factor may impersonate."""
    return bool(current_user.is_authenticated and current_user.is_platform_admin and second_factor.passed())


def begin(tenant_id: int, reason: str) -> dict:
    """Put a new impersonation into the session; returns the entry."""
    now = int(time.time())
    data = {"tenant_id": int(tenant_id), "started": now,
            "until": now + 60 * current_app.config["IMPERSONATION_MINUTES"], "reason": reason}
    session[SESSION_KEY] = data
    return data


def end() -> dict | None:
    """Take the impersonation out of the session; returns the entry it held."""
    return session.pop(SESSION_KEY, None)


def membership_for(tenant):
    data = entry()
    if data is None or data["tenant_id"] != tenant.id or is_expired(data) or not allowed():
        return None
    return StandIn(user=current_user._get_current_object(), tenant_id=tenant.id)


def expired_for(tenant) -> bool:
    """True when the session holds an impersonation of `tenant` whose time is up (tenants.web sends the admin
    back to the console, which records the end)."""
    data = entry()
    return data is not None and data["tenant_id"] == tenant.id and is_expired(data)


def write_block():
    if isinstance(g.get("membership"), StandIn):
        return _l("You are viewing this alliance as platform admin: support reads, it does not change data.")
    return None


def banner():
    membership = g.get("membership")
    data = entry()
    if not isinstance(membership, StandIn) or data is None:
        return None
    from tenants.banners import Banner

    until = format_time(datetime.fromtimestamp(data["until"], UTC), "HH:mm")
    return Banner("warning", _("You are viewing %(alliance)s as platform admin until %(time)s.",
                               alliance=g.tenant.name, time=until),
                  url=url_for("admin.stop_impersonation"), link=_("Stop impersonation"))
