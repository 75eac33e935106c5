"""The per-tenant navigation: each domain package registers its entries; the layout shows those the role may use."""
from dataclasses import dataclass

from flask import current_app, g, url_for
from flask_babel import lazy_gettext

from tenants.roles import can


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string
    capability: str
    order: int


NAV_ITEMS: list[NavItem] = []
# role -> endpoint of its start page, where login and the tenant's overview send it (default: the overview)
START_PAGES: dict[str, str] = {}


def nav_item(endpoint: str, label: str, capability: str, order: int) -> None:
    NAV_ITEMS.append(NavItem(endpoint, lazy_gettext(label), capability, order))


def start_page(role: str, endpoint: str) -> None:
    """Members with `role` start on `endpoint` (registered by the package that owns the page)."""
    START_PAGES[str(role)] = endpoint


def start_endpoint(role: str | None) -> str | None:
    """The start page registered for `role`, if any (and if its blueprint is registered)."""
    endpoint = START_PAGES.get(str(role)) if role else None
    return endpoint if endpoint in current_app.view_functions else None


def navigation() -> list[dict]:
    membership = g.get("membership")
    if membership is None or g.get("tenant") is None:
        return []
    items = []
    for item in sorted(NAV_ITEMS, key=lambda i: i.order):
        if item.endpoint in current_app.view_functions and can(membership.role, item.capability):
            items.append({"url": url_for(item.endpoint), "label": item.label, "endpoint": item.endpoint})
    return items
