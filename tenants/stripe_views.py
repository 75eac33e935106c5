"""Stripe's webhook (`POST /stripe/webhook`, signed, no login) and the owner's buttons on the settings page: the
Billing Portal and, on the free plan, Checkout of a paid plan."""
import stripe
from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from core.extensions import csrf, db
from core.forms import problem_text
from core.problems import ServiceError, problem
from tenants import subscriptions
from tenants.access import requires
from tenants.web import current_actor, tenant_blueprint

webhook_bp = Blueprint("stripe", __name__)
bp = tenant_blueprint("subscription", __name__, "/subscription")


@webhook_bp.post("/stripe/webhook")
@csrf.exempt  # Stripe signs the request instead (STRIPE_WEBHOOK_SECRET)
def webhook():
    try:
        event = subscriptions.verify_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except (ValueError, stripe.SignatureVerificationError):
        return problem(400, "Bad request", _l("The Stripe signature is missing, invalid or too old."))
    if not isinstance(event, dict) or not event.get("id"):
        return problem(400, "Bad request", _l("This is not a Stripe event."))
    outcome = subscriptions.handle_event(event)
    return {"received": True, "outcome": outcome}


@bp.post("/portal")
@requires("subscription.manage", while_read_only=True)  # the way to pay again when the alliance is read-only
def portal():
    return _to_stripe(lambda: subscriptions.portal_url(g.tenant))


@bp.post("/checkout")
@requires("subscription.manage", while_read_only=True)
def checkout():
    email = current_actor().label
    return _to_stripe(lambda: subscriptions.start_checkout(g.tenant, email, request.form.get("plan", "")))


def _to_stripe(action):
    """Send the owner to the Stripe page `action` returns, or back to the settings with Stripe's refusal."""
    try:
        return redirect(action())
    except ServiceError as exc:
        db.session.rollback()
        flash(problem_text(exc), "error")
        return redirect(url_for("tenants.settings"))


@bp.app_template_global()
def subscription_summary():
    """The subscription of the current alliance for its settings page (tenants/_subscription.html)."""
    return subscriptions.summary(g.tenant)
