"""The Stripe subscription of an alliance, against localstripe and a stand-in for Checkout and the Billing Portal
(tests/stripe_fake.py): checkout, signed webhooks, replays, past due, cancelation, Stripe down."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.clock import utcnow
from core.extensions import db
from core.tenancy.context import tenant_context
from tenants import subscriptions
from tenants.models import StripeEvent, Tenant
from tests import stripe_fake
from tests.conftest import csrf_from
from tests.stripe_fake import PRICES, WEBHOOK_SECRET, event, sign

# the fake Stripe's fixtures, used by name
localstripe = stripe_fake.localstripe
stripe_stand_in = stripe_fake.stripe_stand_in
stripe_configured = stripe_fake.stripe_configured
live_server = stripe_fake.live_server

CHECKOUT = "/v1/checkout/sessions"
PORTAL = "/v1/billing_portal/sessions"
AGENCY = {"name": "Jobcenter Kiel", "kind": "jobcenter"}


def _tenant(app, fx) -> Tenant:
    return db.session.get(Tenant, fx.tenant_id)


def _update(app, fx, **values):
    with app.app_context():
        tenant = _tenant(app, fx)
        for key, value in values.items():
            setattr(tenant, key, value)
        db.session.commit()


def _read(app, fx, *names):
    with app.app_context():
        tenant = _tenant(app, fx)
        return tuple(getattr(tenant, name) for name in names) if len(names) > 1 else getattr(tenant, names[0])


def _audit_count(app, fx) -> int:
    with app.app_context(), tenant_context(fx.tenant_id):
        return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "subscription.update"))


def _post_event(client, body: bytes, signature: str | None = None):
    headers = {"Content-Type": "application/json", "Stripe-Signature": signature or sign(body)}
    return client.post("/stripe/webhook", data=body, headers=headers)


def _wait_for(predicate, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def customer_of(app, stripe_configured, localstripe):
    """Give a tenant fixture a real localstripe customer; returns its id."""

    def make(fx) -> str:
        customer = localstripe.post("/v1/customers", {"email": fx.users["owner"]})["id"]
        _update(app, fx, stripe_customer_id=customer, plan="standard", subscription_status="active")
        return customer

    return make


def test_sign_up_flow_reaches_an_active_subscription(app, tenant_a, stripe_configured, localstripe, live_server):
    """Does start_checkout create the Stripe customer and a Checkout Session for the plan's price with the trial,
    leave the alliance usable ("incomplete"), and does the subscription's webhook from localstripe make it
    active with the plan, subscription id and period end?"""
    localstripe.post("/_config/webhooks/buendnisnetz", {"url": f"{live_server}/stripe/webhook",
                                                        "secret": WEBHOOK_SECRET})
    with app.app_context():
        tenant = _tenant(app, tenant_a)
        tenant.plan = "standard"
        url = subscriptions.start_checkout(tenant, tenant_a.users["owner"])
        db.session.commit()
        customer = tenant.stripe_customer_id
    assert url.startswith("https://checkout.stripe.test/c/pay/cs_test_")
    sent = stripe_configured.last(CHECKOUT)
    assert sent["mode"] == "subscription"
    assert sent["customer"] == customer
    assert sent["line_items[0][price]"] == PRICES["standard"]
    assert sent["subscription_data[trial_period_days]"] == str(app.config["SUBSCRIPTION_TRIAL_DAYS"])
    assert sent["client_reference_id"] == str(tenant_a.tenant_id)
    assert sent["metadata[tenant_slug]"] == tenant_a.slug
    assert sent["success_url"].startswith(app.config["PUBLIC_BASE_URL"])
    assert localstripe.get(f"/v1/customers/{customer}")["email"] == tenant_a.users["owner"]
    assert _read(app, tenant_a, "subscription_status", "status") == ("incomplete", "active")

    # the owner pays in Checkout: a card and a subscription at (local) Stripe, whose webhook comes to the app
    method = localstripe.post("/v1/payment_methods", {"type": "card", "card[number]": "4242424242424242",
                                                      "card[exp_month]": "12", "card[exp_year]": "2034",
                                                      "card[cvc]": "123"})["id"]
    localstripe.post(f"/v1/payment_methods/{method}/attach", {"customer": customer})
    localstripe.post(f"/v1/customers/{customer}", {"invoice_settings[default_payment_method]": method})
    subscription = localstripe.post("/v1/subscriptions", {"customer": customer,
                                                          "items[0][plan]": PRICES["network"]})
    assert subscription["status"] == "active"

    assert _wait_for(lambda: _read(app, tenant_a, "subscription_status") == "active"), "no webhook arrived"
    status, plan, subscription_id, period_end = _read(app, tenant_a, "status", "plan", "stripe_subscription_id",
                                                      "current_period_end")
    assert (status, plan, subscription_id) == ("active", "network", subscription["id"])
    assert period_end is not None and period_end > utcnow()
    assert _audit_count(app, tenant_a) >= 1


def test_checkout_session_completed_is_mapped_by_client_reference(app, client, tenant_a, stripe_configured):
    """Is checkout.session.completed mapped to the alliance by client_reference_id (customer and subscription
    stored)?"""
    body = event("checkout.session.completed", {"object": "checkout.session", "client_reference_id":
                                                str(tenant_a.tenant_id), "customer": "cus_new",
                                                "subscription": "sub_new"})
    assert _post_event(client, body).status_code == 200
    assert _read(app, tenant_a, "stripe_customer_id", "stripe_subscription_id") == ("cus_new", "sub_new")


@pytest.mark.parametrize("signature", [
    "t={now},v1=" + "0" * 64,  # wrong HMAC
    "stale",  # correct HMAC, but 301 seconds old
    "wrong-secret",
    "",
])
def test_webhook_refuses_invalid_or_stale_signatures(app, client, tenant_a, customer_of, signature):
    """Is a webhook with a wrong, stale or missing signature refused with a 400 problem, changing nothing?"""
    customer = customer_of(tenant_a)
    body = event("customer.subscription.deleted", {"object": "subscription", "id": "sub_1", "customer": customer,
                                                   "status": "canceled"})
    now = int(time.time())
    header = {"stale": sign(body, at=now - 301), "wrong-secret": sign(body, secret="whsec_other")}.get(
        signature, signature.format(now=now))
    response = client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": header} if header else {})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert _read(app, tenant_a, "status") == "active"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_replayed_event_changes_nothing(app, client, tenant_a, customer_of):
    """Does the same event id delivered twice change the alliance once, with one audit event?"""
    customer = customer_of(tenant_a)
    body = event("invoice.payment_failed", {"object": "invoice", "customer": customer}, event_id="evt_replay")
    first = _post_event(client, body)
    assert first.status_code == 200 and first.json["outcome"] == "applied"
    since = _read(app, tenant_a, "past_due_since")
    assert since is not None
    _update(app, tenant_a, past_due_since=since - timedelta(days=1))
    replay = _post_event(client, body)
    assert replay.status_code == 200 and replay.json["outcome"] == "replay"
    assert _read(app, tenant_a, "past_due_since") == since - timedelta(days=1)
    assert _audit_count(app, tenant_a) == 1


def test_unknown_events_and_customers_are_ignored(app, client, tenant_a, customer_of):
    """Are events of another type or of a customer that is no alliance's answered 200 and ignored?"""
    customer = customer_of(tenant_a)
    other = _post_event(client, event("charge.refunded", {"object": "charge", "customer": customer}))
    stranger = _post_event(client, event("invoice.payment_failed", {"object": "invoice", "customer": "cus_x"}))
    assert (other.status_code, other.json["outcome"]) == (200, "ignored")
    assert (stranger.status_code, stranger.json["outcome"]) == (200, "ignored")
    assert _read(app, tenant_a, "subscription_status") == "active"


def test_older_event_does_not_overwrite_a_newer_status(app, client, tenant_a, customer_of):
    """Does a late-arriving older event (by its `created`) leave the newer status alone?"""
    customer = customer_of(tenant_a)
    now = int(time.time())
    _post_event(client, event("invoice.payment_failed", {"object": "invoice", "customer": customer}, created=now))
    late = _post_event(client, event("customer.subscription.updated", {
        "object": "subscription", "id": "sub_1", "customer": customer, "status": "active"}, created=now - 60))
    assert late.json["outcome"] == "stale"
    assert _read(app, tenant_a, "subscription_status") == "past_due"


def test_past_due_banner_then_read_only_then_paid_again(app, client, tenant_a, customer_of, login, api_token,
                                                         monkeypatch):
    """past_due: a banner for the owner and writes still allowed; after the grace period read-only (API 403);
    paid again: past_due_since cleared and writable."""
    customer = customer_of(tenant_a)
    headers = api_token(tenant_a)
    assert _post_event(client, event("invoice.payment_failed", {"object": "invoice", "customer": customer,
                                                                 "subscription": "sub_1"})).status_code == 200
    assert _read(app, tenant_a, "subscription_status") == "past_due"
    assert client.post("/api/v1/agencies", json=AGENCY, headers=headers).status_code == 201
    login(client, tenant_a, "owner")
    page = client.get(f"/{tenant_a.slug}/")
    assert "Zahlungsmethode" in page.get_data(as_text=True) or "payment method" in page.get_data(as_text=True)

    monkeypatch.setitem(app.config, "PAST_DUE_GRACE_DAYS", 0)
    refused = client.post("/api/v1/agencies", json=AGENCY | {"name": "Jugendamt"}, headers=headers)
    assert refused.status_code == 403
    assert client.get("/api/v1/agencies", headers=headers).status_code == 200

    assert _post_event(client, event("invoice.paid", {"object": "invoice", "customer": customer})).status_code == 200
    assert _read(app, tenant_a, "subscription_status", "past_due_since") == ("active", None)
    assert client.post("/api/v1/agencies", json=AGENCY | {"name": "Sozialamt"}, headers=headers).status_code == 201


def test_canceled_subscription_suspends_until_a_new_one_is_paid(app, client, tenant_a, customer_of, login,
                                                                 api_token, no_csrf):
    """canceled → suspended (reason stated): writes 403 through a page and the API, reads 200; the owner can
    still open the Billing Portal; a new active subscription reactivates the alliance."""
    customer = customer_of(tenant_a)
    headers = api_token(tenant_a)
    body = event("customer.subscription.deleted", {"object": "subscription", "id": "sub_1", "customer": customer,
                                                   "status": "canceled"})
    assert _post_event(client, body).status_code == 200
    status, reason, by = _read(app, tenant_a, "status", "status_reason", "suspended_by")
    assert (status, by) == ("suspended", "subscription") and "Abonnement" in reason
    assert _read(app, tenant_a, "subscription_status") == "canceled"

    assert client.post("/api/v1/agencies", json=AGENCY, headers=headers).status_code == 403
    assert client.get("/api/v1/agencies", headers=headers).status_code == 200
    login(client, tenant_a, "owner")
    assert client.get(f"/{tenant_a.slug}/settings").status_code == 200
    assert client.post(f"/{tenant_a.slug}/settings", data={"name": "Neu"}).status_code == 403
    portal = client.post(f"/{tenant_a.slug}/subscription/portal")
    assert portal.status_code == 302 and portal.location.startswith("https://billing.stripe.test/p/bps_test_")

    again = event("customer.subscription.created", {"object": "subscription", "id": "sub_2", "customer": customer,
                                                    "status": "active"})
    assert _post_event(client, again).status_code == 200
    assert _read(app, tenant_a, "status", "status_reason", "stripe_subscription_id") == ("active", "", "sub_2")
    assert client.post("/api/v1/agencies", json=AGENCY, headers=headers).status_code == 201


def test_payment_never_undoes_a_platform_admins_suspension(app, client, tenant_a, customer_of):
    """Does an active subscription leave an alliance suspended by a platform admin suspended?"""
    customer = customer_of(tenant_a)
    _update(app, tenant_a, status="suspended", status_reason="Missbrauch", suspended_by=None)
    body = event("customer.subscription.updated", {"object": "subscription", "id": "sub_1", "customer": customer,
                                                   "status": "active"})
    assert _post_event(client, body).status_code == 200
    assert _read(app, tenant_a, "status", "status_reason") == ("suspended", "Missbrauch")


def test_owner_opens_the_portal_and_only_the_owner(app, client, tenant_a, customer_of, login, stripe_configured):
    """Does the owner's button lead to a Billing Portal session of the alliance's customer (returning to the
    settings), shown with plan and status on the settings page, while an admin may not?"""
    customer = customer_of(tenant_a)
    login(client, tenant_a, "owner")
    settings = client.get(f"/{tenant_a.slug}/settings").get_data(as_text=True)
    assert "Abonnement verwalten" in settings and "Bündnis" in settings
    response = client.post(f"/{tenant_a.slug}/subscription/portal", data={"csrf_token": csrf_from(settings.encode())})
    assert response.status_code == 302
    assert response.location.startswith("https://billing.stripe.test/p/")
    sent = stripe_configured.last(PORTAL)
    assert sent["customer"] == customer
    assert sent["return_url"].endswith(f"/{tenant_a.slug}/settings")

    other = app.test_client()
    login(other, tenant_a, "admin")
    assert "Abonnement verwalten" not in other.get(f"/{tenant_a.slug}/settings").get_data(as_text=True)
    assert other.post(f"/{tenant_a.slug}/subscription/portal", data={"csrf_token": "x"}).status_code in (400, 403)


def test_free_plan_owner_books_a_paid_plan(app, client, tenant_a, stripe_configured, login, no_csrf):
    """Can the owner of a free alliance pick a paid plan in the settings and go to Checkout for its price, and is
    an unknown plan refused with a message?"""
    login(client, tenant_a, "owner")
    page = client.get(f"/{tenant_a.slug}/settings").get_data(as_text=True)
    assert 'value="standard"' in page and 'value="network"' in page
    response = client.post(f"/{tenant_a.slug}/subscription/checkout", data={"plan": "network"})
    assert response.status_code == 302 and response.location.startswith("https://checkout.stripe.test/")
    assert stripe_configured.last(CHECKOUT)["line_items[0][price]"] == PRICES["network"]
    assert _read(app, tenant_a, "stripe_customer_id").startswith("cus_")

    refused = client.post(f"/{tenant_a.slug}/subscription/checkout", data={"plan": "free"}, follow_redirects=True)
    assert "kann nicht gebucht werden" in refused.get_data(as_text=True)


def test_stripe_down_raises_stripe_unavailable(app, tenant_a, stripe_configured, monkeypatch):
    """With Stripe unreachable, does start_checkout raise StripeUnavailable and store no customer?"""
    from tests.stripe_fake import free_port

    monkeypatch.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{free_port()}")
    with app.app_context():
        tenant = _tenant(app, tenant_a)
        tenant.plan = "standard"
        with pytest.raises(subscriptions.StripeUnavailable):
            subscriptions.start_checkout(tenant, tenant_a.users["owner"])
        assert tenant.stripe_customer_id is None
        tenant.stripe_customer_id = "cus_known"
        with pytest.raises(subscriptions.StripeUnavailable):
            subscriptions.portal_url(tenant)
        db.session.rollback()


def _card_customer(localstripe, customer: str) -> None:
    method = localstripe.post("/v1/payment_methods", {"type": "card", "card[number]": "4242424242424242",
                                                      "card[exp_month]": "12", "card[exp_year]": "2034",
                                                      "card[cvc]": "123"})["id"]
    localstripe.post(f"/v1/payment_methods/{method}/attach", {"customer": customer})
    localstripe.post(f"/v1/customers/{customer}", {"invoice_settings[default_payment_method]": method})


def test_events_of_an_older_subscription_leave_the_current_one_alone(app, client, tenant_a, customer_of,
                                                                      localstripe, live_server):
    """With localstripe's webhooks: a canceled subscription suspends; a new active one replaces it and
    reactivates; a late deletion or update of the old one neither suspends nor takes back the stored id; a
    further subscription created while the current one is active does not take over, but when the current one is
    deleted while that one is still active, the alliance follows it instead of being suspended."""
    localstripe.post("/_config/webhooks/buendnisnetz", {"url": f"{live_server}/stripe/webhook",
                                                        "secret": WEBHOOK_SECRET})
    customer = customer_of(tenant_a)
    _update(app, tenant_a, subscription_status=None)
    _card_customer(localstripe, customer)
    old = localstripe.post("/v1/subscriptions", {"customer": customer, "items[0][plan]": PRICES["standard"]})
    assert _wait_for(lambda: _read(app, tenant_a, "stripe_subscription_id") == old["id"])
    localstripe.request("DELETE", f"/v1/subscriptions/{old['id']}")
    assert _wait_for(lambda: _read(app, tenant_a, "status") == "suspended"), "the cancelation did not arrive"

    new = localstripe.post("/v1/subscriptions", {"customer": customer, "items[0][plan]": PRICES["network"]})
    assert _wait_for(lambda: _read(app, tenant_a, "stripe_subscription_id") == new["id"])
    assert _read(app, tenant_a, "status", "subscription_status", "plan") == ("active", "active", "network")

    # late events about the old subscription (newer `created`, so not stale): ignored
    canceled = localstripe.get(f"/v1/subscriptions/{old['id']}")
    for kind in ("customer.subscription.deleted", "customer.subscription.updated"):
        answer = _post_event(client, event(kind, canceled, created=int(time.time()) + 1))
        assert answer.json["outcome"] == "ignored", kind
    failed = _post_event(client, event("invoice.payment_failed", {"object": "invoice", "customer": customer,
                                                                   "subscription": old["id"]}))
    assert failed.json["outcome"] == "ignored"
    assert _read(app, tenant_a, "status", "subscription_status", "stripe_subscription_id") == (
        "active", "active", new["id"])

    # a third subscription while the current one is active: not taken over ...
    third = localstripe.post("/v1/subscriptions", {"customer": customer, "items[0][plan]": PRICES["standard"]})
    time.sleep(1.5)
    assert _read(app, tenant_a, "stripe_subscription_id") == new["id"]
    # ... until the current one is deleted: then the live one is current, and the alliance stays writable
    localstripe.request("DELETE", f"/v1/subscriptions/{new['id']}")
    assert _wait_for(lambda: _read(app, tenant_a, "stripe_subscription_id") == third["id"])
    assert _read(app, tenant_a, "status", "subscription_status", "plan") == ("active", "active", "standard")


def test_sign_up_through_the_page_to_an_active_subscription(app, client, no_csrf, stripe_configured, localstripe,
                                                            live_server):
    """The whole way in one: /signup with a paid plan sends the newcomer to Checkout (the stand-in) with a real
    localstripe customer and the confirmation mail; the owner pays; localstripe's signed webhook makes the new
    alliance's subscription active."""
    from core.mail import outbox
    from tests.conftest import PASSWORD

    localstripe.post("/_config/webhooks/buendnisnetz", {"url": f"{live_server}/stripe/webhook",
                                                        "secret": WEBHOOK_SECRET})
    email = "paula@paid.example.org"
    response = client.post("/signup", data={"name": "Bündnis Bezahlt", "slug": "bezahlt", "plan": "standard",
                                            "owner_name": "Paula", "email": email, "password": PASSWORD,
                                            "accept_terms": "y", "accept_dpa": "y"})
    assert response.status_code == 302
    assert response.location.startswith("https://checkout.stripe.test/c/pay/cs_test_")
    assert [m["To"] for m in outbox][-1] == email
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "bezahlt"))
        tenant_id, customer = tenant.id, tenant.stripe_customer_id
        assert (tenant.plan, tenant.subscription_status) == ("standard", "incomplete")
    sent = stripe_configured.last(CHECKOUT)
    assert sent["customer"] == customer and sent["client_reference_id"] == str(tenant_id)
    assert sent["line_items[0][price]"] == PRICES["standard"]
    assert localstripe.get(f"/v1/customers/{customer}")["email"] == email

    _card_customer(localstripe, customer)
    subscription = localstripe.post("/v1/subscriptions", {"customer": customer, "items[0][plan]": PRICES["standard"]})

    def state():
        with app.app_context():
            row = db.session.get(Tenant, tenant_id)
            return row.subscription_status, row.stripe_subscription_id, row.status

    assert _wait_for(lambda: state()[0] == "active"), "no webhook arrived"
    assert state() == ("active", subscription["id"], "active")


def test_mail_down_after_checkout_deletes_the_stripe_customer(app, client, no_csrf, stripe_configured, localstripe,
                                                              monkeypatch):
    """A paid sign-up whose confirmation mail cannot be sent: nothing is saved, and the Stripe customer made for
    its Checkout is deleted again (no orphan at Stripe)."""
    from tests.conftest import PASSWORD

    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": stripe_fake.free_port(), "MAIL_USE_TLS": False,
                       "MAIL_USE_SSL": False}.items():
        monkeypatch.setitem(app.config, key, value)
    response = client.post("/signup", data={"name": "Bündnis Ohne Post", "slug": "ohne-post", "plan": "standard",
                                            "owner_name": "Olga", "email": "olga@example.org", "password": PASSWORD,
                                            "accept_terms": "y", "accept_dpa": "y"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Tenant.id).where(Tenant.slug == "ohne-post")) is None
    customer = stripe_configured.last(CHECKOUT)["customer"]
    with pytest.raises(Exception) as gone:  # noqa: PT011 - urllib's HTTPError for the 404
        localstripe.get(f"/v1/customers/{customer}")
    assert "404" in str(gone.value) or getattr(gone.value, "code", None) == 404
