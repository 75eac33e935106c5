"""Banners the layout shows above every page of an alliance: why it is read-only (suspended, closing, a
subscription past due) with its reason, and the impersonation of a platform admin. No logic in templates."""
from dataclasses import dataclass

from flask import g, url_for
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


def _when(moment) -> str:
    return format_datetime(moment, "short")  # "03.12.2026, 08:00": German, without seconds


def banners() -> list[Banner]:
    tenant = g.get("tenant")
    membership = g.get("membership")
    if tenant is None or membership is None:
        return []
    found = []
    owner = getattr(membership, "role", None) == "owner"
    blocked = write_block(tenant)
    if blocked:
        text = str(blocked)
        # the reason belongs to a suspension or a closing (a past-due alliance may keep an old one)
        if tenant.status_reason and (tenant.is_suspended or tenant.is_closing):
            text += " " + _("Reason: %(reason)s", reason=tenant.status_reason)
        if tenant.is_closing and tenant.closes_at:
            text += " " + _("Its data will be deleted for good on %(when)s.", when=_when(tenant.closes_at))
        url = link = None
        if owner:
            text += " " + _("Exporting the data is still possible.")
            if not tenant.is_suspended and not tenant.is_closing or tenant.suspended_by == "subscription":
                url, link = url_for("tenants.settings") + "#subscription", _("To the subscription")
            else:
                url, link = url_for("tenant_export.owner_export"), _("Export the data")
        found.append(Banner("error", text, url, link))
    elif past_due_read_only_at(tenant) is not None and getattr(membership, "role", None) in ("owner", "admin"):
        text = _("The subscription payment failed. Please update the payment method before %(when)s, or the "
                 "alliance becomes read-only.", when=_when(past_due_read_only_at(tenant)))
        url = link = None
        if owner:
            url, link = url_for("tenants.settings") + "#subscription", _("To the subscription")
        found.append(Banner("warning", text, url, link))
    stand_in = impersonation.banner()
    if stand_in:
        found.append(stand_in)
    return found
