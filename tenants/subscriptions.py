"""The Stripe subscription of each alliance (apart from the invoicing of agencies, which is billing/).

STUB — the Stripe work fills this in. The contract the rest of the code relies on:
- `class StripeUnavailable(ServiceError)`: Stripe could not be reached or refused; the caller rolls back.
- `start_checkout(tenant, owner_email) -> str`: creates the Stripe customer (stored on the tenant) and a
  Checkout Session for the tenant's paid plan with the configured trial; returns the Checkout URL.
- `portal_url(tenant) -> str`: a Billing Portal session for the owner's settings page.
"""
from core.problems import ServiceError


class StripeUnavailable(ServiceError):
    status = 503
    title = "Service unavailable"


def start_checkout(tenant, owner_email: str) -> str:
    raise StripeUnavailable("Stripe is not configured.")


def portal_url(tenant) -> str:
    raise StripeUnavailable("Stripe is not configured.")
