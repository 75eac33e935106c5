"""The Stripe subscription of each alliance (apart from the invoicing of agencies, which is billing/).

The contract the rest of the code relies on:
- `class StripeUnavailable(ServiceError)`: Stripe could not be reached or refused; the caller rolls back.
- `start_checkout(tenant, owner_email, plan=None) -> str`: creates the Stripe customer (stored on the tenant) and a
  Checkout Session for the tenant's paid plan (or `plan`) with the configured trial; returns the Checkout URL.
- `portal_url(tenant) -> str`: a Billing Portal session for the owner's settings page.
- `handle_event(event) -> str`: applies one verified webhook event (tenants.stripe_views) to its tenant.

Subscription status and what the alliance may do: `incomplete` (Checkout not finished yet) and `trialing`/`active`
allow everything, so that a new alliance works at once while the owner enters the payment details; `past_due` and
`unpaid` show the owner a banner and make the alliance read-only after PAST_DUE_GRACE_DAYS (tenants.lifecycle);
`canceled` suspends it (read-only, data kept, export possible) until a new subscription is paid.
"""
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import stripe
from flask import current_app
from flask_babel import force_locale, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from core import audit
from core.audit import Actor
from core.clock import utcnow
from core.extensions import db
from core.money import format_cents
from core.problems import ServiceError, ValidationFailed
from core.tenancy.context import tenant_context
from tenants.models import StripeEvent, Tenant
from tenants.plans import PLANS, plan_of

# Stripe answers in well under a second; a page (sign-up, settings) must not hang on it
TIMEOUT_SECONDS = 8
STRIPE_ACTOR = Actor.system("stripe")
HANDLED_EVENTS = frozenset({
    "checkout.session.completed", "customer.subscription.created", "customer.subscription.updated",
    "customer.subscription.deleted", "invoice.payment_failed", "invoice.paid",
})
ENDED_STATUSES = frozenset({"canceled", "incomplete_expired"})


class StripeUnavailable(ServiceError):
    status = 503
    title = "Service unavailable"


def _client() -> stripe.StripeClient:
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        raise StripeUnavailable(_l("Paid plans are not available: Stripe is not configured."))
    base = config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"], base_addresses={"api": base} if base else {},
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS), max_network_retries=0,
    )


def _call(action):
    try:
        return action()
    except stripe.StripeError as exc:
        current_app.logger.warning("Stripe refused or was unreachable: %s", exc.__class__.__name__)
        raise StripeUnavailable(_l("The payment service Stripe cannot be reached right now. Nothing was changed; "
                                   "please try again in a few minutes.")) from exc


def _public_url(endpoint: str, **values) -> str:
    """An absolute URL on PUBLIC_BASE_URL for Stripe to send the owner back to ("/" while the page is missing)."""
    try:
        # the URL map itself: sign-up calls this in a request, a task or the shell outside of one
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    except BuildError:
        path = "/"
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def _ensure_customer(client, tenant, email: str) -> str:
    if not tenant.stripe_customer_id:
        customer = _call(lambda: client.v1.customers.create(params={
            "email": email, "name": tenant.name,
            "metadata": {"tenant_id": str(tenant.id), "tenant_slug": tenant.slug},
        }))
        tenant.stripe_customer_id = customer.id
    return tenant.stripe_customer_id


def start_checkout(tenant, owner_email: str, plan: str | None = None) -> str:
    """Create (or reuse) the tenant's Stripe customer and a Checkout Session for its paid plan (or `plan`), with
    the configured trial; returns the Checkout URL. The subscription is `incomplete` until a webhook says more."""
    chosen = PLANS.get(plan) if plan is not None else plan_of(tenant)
    if chosen is None or not chosen.paid or not chosen.stripe_price_id:
        raise ValidationFailed(_l("This plan cannot be booked."), {"plan": [_l("Choose one of the paid plans.")]})
    client = _client()
    if tenant.id is None:
        db.session.flush()
    customer = _ensure_customer(client, tenant, owner_email)
    params = {
        "mode": "subscription", "customer": customer, "client_reference_id": str(tenant.id),
        "line_items": [{"price": chosen.stripe_price_id, "quantity": 1}],
        "subscription_data": {"metadata": {"tenant_slug": tenant.slug}},
        "metadata": {"tenant_slug": tenant.slug, "plan": chosen.code},
        "success_url": _public_url("signup.checkout_done", slug=tenant.slug),
        "cancel_url": _public_url("signup.checkout_canceled", slug=tenant.slug),
    }
    trial_days = current_app.config["SUBSCRIPTION_TRIAL_DAYS"]
    if trial_days > 0 and tenant.trial_ends_at is None:  # one trial per alliance, not one per checkout
        params["subscription_data"]["trial_period_days"] = trial_days
    session = _call(lambda: client.v1.checkout.sessions.create(params=params))
    with tenant_context(tenant.id, zone=tenant.timezone):
        diff = audit.changes(tenant, {"subscription_status": tenant.subscription_status or "incomplete"})
        audit.record(STRIPE_ACTOR, "subscription.checkout", tenant, object_type="tenant",
                     diff={**diff, "plan": [tenant.plan, chosen.code]})
        db.session.flush()
    return session.url


def delete_customer(customer_id: str) -> bool:
    """Delete a Stripe customer that nothing of ours refers to any more (a sign-up rolled back after Checkout
    was prepared); best effort: False when Stripe refuses or cannot be reached (the orphan is then logged)."""
    try:
        _call(lambda: _client().v1.customers.delete(customer_id))
    except StripeUnavailable:
        current_app.logger.warning("Stripe customer %s of a rolled-back sign-up could not be deleted", customer_id)
        return False
    return True


def portal_url(tenant) -> str:
    """A Billing Portal session of the tenant's Stripe customer (payment method, invoices, plan, cancelation)."""
    if not tenant.stripe_customer_id:
        raise ValidationFailed(_l("This alliance has no subscription yet; choose a paid plan first."))
    client = _client()
    session = _call(lambda: client.v1.billing_portal.sessions.create(params={
        "customer": tenant.stripe_customer_id, "return_url": _public_url("tenants.settings", slug=tenant.slug),
    }))
    return session.url


# --- webhooks ---------------------------------------------------------------------------------------------------

def verify_event(payload: bytes, signature: str | None) -> dict:
    """The event of a webhook request, as plain data, if its signature is valid and at most 300 s old; raises
    ValueError or stripe.SignatureVerificationError otherwise."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise stripe.SignatureVerificationError("no webhook secret configured", signature)
    stripe.Webhook.construct_event(payload, signature, secret, tolerance=300)
    return json.loads(payload)


def handle_event(event: dict) -> str:
    """Apply one verified event to its tenant (flush and audit, no commit). Returns what happened: "applied",
    "replay" (the id was handled before: nothing changes), "stale" (older than the last applied one),
    "ignored" (an event type or a customer that is not ours)."""
    created = datetime.fromtimestamp(int(event.get("created") or 0), UTC)
    obj = (event.get("data") or {}).get("object") or {}
    customer = obj.get("customer") if isinstance(obj.get("customer"), str) else None
    try:
        # the primary key makes this race-safe: a concurrent delivery of the same id fails here and answers 200
        with db.session.begin_nested():
            db.session.add(StripeEvent(id=str(event["id"]), type=str(event.get("type", ""))[:100],
                                       customer=customer, created=created, received_at=utcnow()))
    except IntegrityError:
        return "replay"
    if event.get("type") not in HANDLED_EVENTS:
        return "ignored"
    tenant = _tenant_of(event["type"], obj, customer)
    if tenant is None:
        current_app.logger.warning("Stripe event %s for an unknown customer", event["id"])
        return "ignored"
    if tenant.subscription_event_at is not None and created < tenant.subscription_event_at:
        return "stale"
    changes = _changes_of(event["type"], obj, tenant)
    if changes is None:
        return "ignored"  # about a subscription that is not (or no longer) the alliance's current one
    with tenant_context(tenant.id, zone=tenant.timezone):
        data = {"subscription_event_at": created, **changes}
        diff = audit.changes(tenant, data)
        diff.pop("subscription_event_at", None)
        if diff:
            audit.record(STRIPE_ACTOR, "subscription.update", tenant, object_type="tenant",
                         diff={**diff, "stripe_event": [None, f"{event['type']} {event['id']}"]})
        db.session.flush()
    return "applied"


def _tenant_of(kind: str, obj: dict, customer: str | None):
    if kind == "checkout.session.completed" and str(obj.get("client_reference_id") or "").isdigit():
        tenant = db.session.get(Tenant, int(obj["client_reference_id"]))
        if tenant is not None and (tenant.stripe_customer_id in (None, customer)):
            return tenant
    if customer:
        return db.session.scalar(select(Tenant).where(Tenant.stripe_customer_id == customer))
    return None


LIVE_STATUSES = frozenset({"trialing", "active"})


def _changes_of(kind: str, obj: dict, tenant) -> dict | None:
    """The tenant's columns after the event, or None when the event is about another subscription than the
    alliance's current one (a customer can have several: an old, canceled one keeps sending events)."""
    if kind == "checkout.session.completed":
        return {key: value for key, value in (("stripe_customer_id", obj.get("customer")),
                                              ("stripe_subscription_id", obj.get("subscription")))
                if isinstance(value, str)}
    if kind.startswith("customer.subscription."):
        status = "canceled" if kind.endswith(".deleted") else str(obj.get("status") or "")
        if not _is_current(tenant, obj.get("id"), status):
            return None
        if status in ENDED_STATUSES and (successor := _live_successor(tenant, obj.get("id"))) is not None:
            # the current one ended while the customer has another live subscription: that one is current now
            obj, status = successor, str(successor.get("status") or "")
        data = {"stripe_subscription_id": obj.get("id") or tenant.stripe_subscription_id,
                "trial_ends_at": _time(obj.get("trial_end")),
                "current_period_end": _time(_period_end(obj)) or tenant.current_period_end}
        plan = _plan_of_price(obj)
        if plan is not None:
            data["plan"] = plan
        return {**data, **_status_changes(tenant, status)}
    subscription = obj.get("subscription")
    if (isinstance(subscription, str) and tenant.stripe_subscription_id
            and subscription != tenant.stripe_subscription_id):
        return None  # an invoice of an old subscription
    if kind == "invoice.payment_failed":
        return _status_changes(tenant, "past_due")
    if kind == "invoice.paid" and tenant.subscription_status in ("past_due", "unpaid"):
        return _status_changes(tenant, "active")
    return {}


def _is_current(tenant, subscription_id, status: str) -> bool:
    """Is a subscription event about the alliance's current subscription, or about a new one that takes over
    (a live subscription while the current one has ended, failed or never started)?"""
    if not tenant.stripe_subscription_id or subscription_id == tenant.stripe_subscription_id:
        return True
    return status not in ENDED_STATUSES and tenant.subscription_status not in LIVE_STATUSES


def _live_successor(tenant, ended_id) -> dict | None:
    """Another trialing or active subscription of the tenant's customer at Stripe (best effort: None when Stripe
    is not configured or cannot be reached; then the event's word counts)."""
    if not tenant.stripe_customer_id or not current_app.config.get("STRIPE_SECRET_KEY"):
        return None
    try:
        found = _client().v1.subscriptions.list(params={"customer": tenant.stripe_customer_id, "limit": 10})
    except (stripe.StripeError, StripeUnavailable):
        current_app.logger.warning("Stripe: could not look for another subscription of %s", tenant.stripe_customer_id)
        return None
    for subscription in found.data:
        data = subscription.to_dict()
        if data.get("id") != ended_id and data.get("status") in LIVE_STATUSES:
            return data
    return None


def _status_changes(tenant, status: str) -> dict:
    """The tenant's columns for a subscription in Stripe's `status`."""
    if status in ("trialing", "active"):
        data = {"subscription_status": status, "past_due_since": None}
        if tenant.is_suspended and tenant.suspended_by == "subscription":
            # only a suspension the subscription caused ends with it; a platform admin's stays
            data.update(status="active", status_reason="", suspended_by=None, status_changed_at=utcnow())
        return data
    if status in ("past_due", "unpaid"):
        return {"subscription_status": status, "past_due_since": tenant.past_due_since or utcnow()}
    if status in ENDED_STATUSES:
        data = {"subscription_status": "canceled", "past_due_since": None}
        if tenant.status == "active":
            with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
                reason = str(_l("The subscription has ended. The data is kept and can be exported; a new "
                                "subscription makes the alliance writable again."))
            data.update(status="suspended", status_reason=reason, suspended_by="subscription",
                        status_changed_at=utcnow())
        return data
    if status == "incomplete":
        return {"subscription_status": status}
    return {}


def _plan_of_price(subscription: dict) -> str | None:
    items = ((subscription.get("items") or {}).get("data") or [])
    first = items[0] if items else subscription
    price = first.get("price") or first.get("plan") or {}
    price_id = price.get("id") if isinstance(price, dict) else price
    for plan in PLANS.values():
        if plan.paid and price_id and plan.stripe_price_id == price_id:
            return plan.code
    return None


def _period_end(subscription: dict):
    if subscription.get("current_period_end"):
        return subscription["current_period_end"]
    items = ((subscription.get("items") or {}).get("data") or [])  # newer API versions: on the item
    return items[0].get("current_period_end") if items else None


def _time(value):
    return datetime.fromtimestamp(int(value), UTC) if value else None


# --- the owner's view -------------------------------------------------------------------------------------------

STATUS_LABELS = {
    None: _l("No subscription (free plan)"), "incomplete": _l("Payment details pending"),
    "trialing": _l("Trial"), "active": lazy_pgettext("status", "Active"), "past_due": _l("Payment failed"),
    "unpaid": _l("Unpaid"), "canceled": _l("Ended"),
}


@dataclass(frozen=True)
class Summary:
    plan: object
    status: object
    trial_ends_at: datetime | None
    current_period_end: datetime | None
    can_open_portal: bool
    bookable_plans: list  # (code, label) of the paid plans the owner can book through Checkout


def summary(tenant) -> Summary:
    """What the owner's settings page shows about the subscription, and which buttons it offers."""
    from tenants.plans import offered_plans

    has_subscription = tenant.subscription_status not in (None, "canceled")
    bookable = [] if has_subscription else [
        (plan.code, _("%(plan)s, %(price)s net per month", plan=plan.name, price=format_cents(plan.monthly_cents)))
        for plan in offered_plans() if plan.paid]
    return Summary(plan_of(tenant).name, STATUS_LABELS.get(tenant.subscription_status, tenant.subscription_status),
                   tenant.trial_ends_at, tenant.current_period_end,
                   bool(tenant.stripe_customer_id) and bool(current_app.config.get("STRIPE_SECRET_KEY")), bookable)
