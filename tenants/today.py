"""The start page's "what needs me today": each domain package registers its items (a count and the page where the
work is done); a member sees those their role may do that have something to count.

Like tenants.navigation, the registry lives here and the items live with the package that owns the data
(cases/today.py, contracts/today.py, billing/today.py), so tenants never imports a higher package.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for
from flask_babel import lazy_gettext
from sqlalchemy import func, select

from core import clock
from core.audit import Actor
from core.extensions import db
from tenants.models import Invitation
from tenants.roles import can

# count_fn(actor, today) -> int: ONE COUNT query, scoped like the list it links to
CountFn = Callable[[Actor, date], int]
# url_fn() -> str: the (filtered) list page where the work is done
UrlFn = Callable[[], str]


@dataclass(frozen=True)
class TodayItem:
    key: str
    label: object  # a lazy string, shown after the count: "Reviews due within 7 days"
    capability: str
    count_fn: CountFn
    url_fn: UrlFn
    order: int
    roles: frozenset[str] | None  # None: every role with the capability
    endpoint: str | None  # the page's endpoint: the item is left out while its blueprint is not registered


TODAY_ITEMS: dict[str, TodayItem] = {}


def today_item(key: str, label: str, capability: str, count_fn: CountFn, url_fn: UrlFn, order: int,
               roles=None, endpoint: str | None = None) -> None:
    """Register (or replace, on a second import) the item `key`; `label` is an English msgid shown after the count,
    `roles` narrows the capability to some roles (e.g. only owners and admins)."""
    TODAY_ITEMS[key] = TodayItem(key, lazy_gettext(label), capability, count_fn, url_fn, order,
                                 frozenset(str(r) for r in roles) if roles else None, endpoint)


def applies(item: TodayItem, role: str | None) -> bool:
    if role is None or not can(role, item.capability):
        return False
    if item.roles is not None and str(role) not in item.roles:
        return False
    return item.endpoint is None or item.endpoint in current_app.view_functions


def items_for(membership, on: date | None = None) -> list[dict]:
    """The items with something to do for this member, in order: key, label (with the count), count, url."""
    if membership is None:
        return []
    on = on or clock.today()
    actor = Actor(user_id=membership.user_id, role=membership.role)
    out = []
    for item in sorted(TODAY_ITEMS.values(), key=lambda i: (i.order, i.key)):
        if not applies(item, membership.role):
            continue
        count = int(item.count_fn(actor, on) or 0)
        if count:
            out.append({"key": item.key, "count": count, "url": item.url_fn(), "label": item.label})
    return out


# --- the tenant's own items --------------------------------------------------------------------------------------


def _count_invitations(actor: Actor, on: date) -> int:
    """Open invitations (as tenants.invitations.pending lists them on the members page)."""
    return int(db.session.scalar(select(func.count(Invitation.id)).where(
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > clock.utcnow())) or 0)


today_item("tenants.invitations", "Invitations not accepted yet", "members.manage", _count_invitations,
           lambda: url_for("tenants.members"), 40, endpoint="tenants.members")
