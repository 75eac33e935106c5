"""The plans an alliance can subscribe to, with their prices and limits. Prices are shown on the landing page;
Stripe charges them through the price ids from the configuration (STRIPE_PRICE_<PLAN>). Limits refuse new
active cases or members with a clear message; they never hide or delete what exists."""
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.problems import Conflict


@dataclass(frozen=True)
class Plan:
    code: str
    name: object  # a lazy string
    monthly_cents: int  # net, per month
    max_active_cases: int | None  # None: no limit
    max_members: int | None
    summary: object

    @property
    def paid(self) -> bool:
        return self.monthly_cents > 0

    @property
    def stripe_price_id(self) -> str | None:
        return current_app.config.get(f"STRIPE_PRICE_{self.code.upper()}") if self.paid else None


PLANS: dict[str, Plan] = {
    "free": Plan("free", _l("Start"), 0, 10, 3, _l("For trying the platform out and for very small alliances.")),
    "standard": Plan("standard", _l("Alliance"), 4900, 250, 25,
                     _l("For an alliance with its case management and a handful of agencies.")),
    "network": Plan("network", _l("Network"), 14900, None, None,
                    _l("For large networks: no limit on cases or members.")),
}

LIMIT_LABELS = {"active_cases": _l("active cases"), "members": _l("members")}


def plan_of(tenant) -> Plan:
    return PLANS.get(tenant.plan) or PLANS["free"]


def stripe_enabled() -> bool:
    """Paid plans need Stripe keys; without them (the embedded default) every alliance is on the free plan."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def offered_plans() -> list[Plan]:
    """The plans sign-up offers: the free one always, paid ones when Stripe is configured with their price."""
    return [plan for plan in PLANS.values() if not plan.paid or (stripe_enabled() and plan.stripe_price_id)]


def limit(tenant, what: str) -> int | None:
    return getattr(plan_of(tenant), f"max_{what}")


def check_limit(tenant, what: str, current: int, invited: int = 0) -> None:
    """Refuse (409) to add one more of `what` ("active_cases" or "members") when `current` (plus `invited`, the
    open invitations that count as members) already reaches the plan's limit; the message names the limit, what
    counts, and the way out (changing the plan only where it can be changed: with Stripe configured)."""
    maximum = limit(tenant, what)
    if maximum is None or current + invited < maximum:
        return
    values = {"plan": plan_of(tenant).name, "maximum": maximum, "what": LIMIT_LABELS[what]}
    if invited:
        message = _("The plan %(plan)s allows %(maximum)s %(what)s, and open invitations count as well; this "
                    "alliance has %(current)s members and %(invited)s open invitations.", current=current,
                    invited=invited, **values)
    else:
        message = _("The plan %(plan)s allows %(maximum)s %(what)s; this alliance has %(current)s.",
                    current=current, **values)
    if stripe_enabled():
        message += " " + _("An owner can change the plan in the settings; nothing existing is affected.")
    elif invited:
        message += " " + _("Withdraw an open invitation, or remove a member, to invite someone else.")
    raise Conflict(message)
