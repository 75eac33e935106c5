"""Banners the layout shows above every page of an alliance: why it is read-only (suspended, closing, a
subscription past due) with its reason, and the impersonation of a platform admin. No logic in templates."""
from dataclasses import dataclass

from flask import g
from flask_babel import format_datetime
from flask_babel import gettext as _

from tenants import impersonation
from tenants.lifecycle import past_due_read_only_at, write_block


@dataclass(frozen=True)
class Banner:
    level: str  # error | warning | info
    text: str
    url: str | None = None
    link: str | None = None


def banners() -> list[Banner]:
    tenant = g.get("tenant")
    if tenant is None or g.get("membership") is None:
        return []
    found = []
    blocked = write_block(tenant)
    if blocked:
        text = str(blocked)
        if tenant.status_reason:
            text += " " + _("Reason: %(reason)s", reason=tenant.status_reason)
        if tenant.is_closing and tenant.closes_at:
            text += " " + _("Its data will be deleted for good on %(when)s.", when=format_datetime(tenant.closes_at))
        found.append(Banner("error", text))
    elif past_due_read_only_at(tenant) is not None and g.membership.role in ("owner", "admin"):
        found.append(Banner("warning", _("The subscription payment failed. Please update the payment method before "
                                         "%(when)s, or the alliance becomes read-only.",
                                         when=format_datetime(past_due_read_only_at(tenant)))))
    stand_in = impersonation.banner()
    if stand_in:
        found.append(stand_in)
    return found
