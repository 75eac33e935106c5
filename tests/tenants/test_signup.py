"""Online sign-up: the form, one round of errors, nothing half-created after any failure (a slug race, Stripe, the
mail server), the verification link through a real SMTP conversation (once), the login of unverified accounts,
and the accepted terms and data-processing agreement."""
import re

import pytest
from sqlalchemy import event, false, func, select
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD
from tests.mail_sink import free_port, link_in, smtp_sink, wait_for_mail  # noqa: F401 - fixture

EMAIL = "hanna@hamm.example.org"


def _data(**over) -> dict:
    data = {"name": "Bündnis für Familie Hamm", "slug": "hamm", "plan": "free", "owner_name": "Hanna Hamm",
            "email": EMAIL, "password": PASSWORD, "accept_terms": "y", "accept_dpa": "y"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def _sign_up(client, **over):
    return client.post("/signup", data=_data(**over))


def _counts(app, email: str = EMAIL, slug: str = "hamm") -> tuple[int, int]:
    """(users with `email`, tenants with `slug`): what a failed sign-up must not leave behind."""
    from core.extensions import db
    from tenants.models import Tenant, User

    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(User).where(User.email == email)),
                db.session.scalar(select(func.count()).select_from(Tenant).where(Tenant.slug == slug)))


def test_sign_up_creates_the_alliance_its_owner_and_the_acceptances(app, client, no_csrf):
    """Does a sign-up create tenant (on the plan), an unverified owner, both acceptances, and send the link?"""
    from core.extensions import db
    from core.mail import outbox
    from core.tenancy.context import tenant_context
    from tenants.models import Acceptance, Membership, Tenant, User

    r = _sign_up(client)
    assert r.status_code == 302 and r.headers["Location"].endswith("/signup/check-mail")
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "hamm"))
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        assert tenant.plan == "free" and tenant.name == "Bündnis für Familie Hamm"
        assert user.email_verified_at is None and user.name == "Hanna Hamm"
        with tenant_context(tenant.id):
            assert db.session.scalar(select(Membership.role).where(Membership.user_id == user.id)) == "owner"
            rows = db.session.scalars(select(Acceptance)).all()
            assert {(a.document, a.version, a.accepted_by) for a in rows} == {
                ("terms", "2026-12", EMAIL), ("dpa", "2026-12", EMAIL)}
    assert len(outbox) == 1 and outbox[0]["To"] == EMAIL
    assert "/signup/verify/" in outbox[0].get_content()
    assert "Check your e-mail" in client.get("/signup/check-mail?lang=en").get_data(as_text=True)


@pytest.mark.parametrize("slug, message", [
    ("A", "3-63"), ("-hamm", "3-63"), ("hamm_", "3-63"),
    ("admin", "reserved"), ("api", "reserved"), ("static", "reserved"), ("signup", "reserved"),
    ("invitations", "reserved"), ("account", "reserved"), ("choose", "reserved"), ("metrics", "reserved"),
    ("alpha", "taken"),
])
def test_slug_is_validated(app, client, no_csrf, tenant_a, slug, message):
    """Is a slug of the wrong format, a reserved word or a taken one refused at its field, with nothing made?"""
    r = client.post("/signup?lang=en", data=_data(slug=slug))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert message in page and 'id="slug-error"' in page
    assert _counts(app)[0] == 0


def test_every_first_path_segment_of_the_app_is_reserved(app):
    """Is every fixed first segment of the app's routes (now and of routes added later) refused as a slug?"""
    from flask import Flask

    from tenants.services import validate_slug

    with app.app_context():
        segments = {rule.rule.lstrip("/").split("/")[0] for rule in app.url_map.iter_rules()}
        segments = {s for s in segments if s and "<" not in s and len(s) >= 3}
        assert {"invitations", "account", "choose", "metrics", "legal", "login", "stripe"} <= segments
        for segment in segments:
            assert validate_slug(segment), segment
        assert validate_slug("newsroom") == []
    other = Flask("other")
    other.add_url_rule("/newsroom/<int:id>", "news", lambda id: "")
    with other.app_context():
        assert validate_slug("newsroom")


def test_every_field_error_comes_in_one_round(app, client, no_csrf):
    """Does one submission show every problem at its field (not one after another)?"""
    r = client.post("/signup?lang=en", data=_data(name="", slug="x", plan="platinum", owner_name="",
                                                   email="no-address", password="short",
                                                   accept_terms=None, accept_dpa=None))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    for field in ("name", "slug", "owner_name", "email", "password", "accept_terms", "accept_dpa"):
        assert f'id="{field}-error"' in page, field
    assert "Choose one of the plans offered." in page
    assert _counts(app, "no-address", "x") == (0, 0)


def test_an_existing_account_signs_up_with_its_own_password(app, client, no_csrf, tenant_a):
    """May someone with an account sign up a second alliance only with that account's password, and no second
    account is made?"""
    from core.extensions import db
    from core.mail import outbox
    from core.tenancy.context import tenant_context
    from tenants.models import Membership, Tenant, User

    owner = tenant_a.users["owner"]
    r = client.post("/signup?lang=en", data=_data(email=owner, password="not-the-password-123"))
    new = client.post("/signup?lang=en", data=_data(email="nobody@hamm.example.org", slug="hamm-2"))
    # the same answer as for an address without an account: nothing tells that this one has one
    assert r.status_code == new.status_code == 302
    assert r.headers["Location"] == new.headers["Location"]
    assert _counts(app, owner) == (1, 0)
    told = [m for m in outbox if m["To"] == owner]
    assert len(told) == 1 and "has an account already" in told[0].get_content()
    assert "/signup/verify/" not in told[0].get_content()
    r = _sign_up(client, email=owner)
    assert r.status_code == 302
    assert _counts(app, owner) == (1, 1)
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "hamm"))
        user = db.session.scalar(select(User).where(User.email == owner))
        with tenant_context(tenant.id):
            assert db.session.scalar(select(Membership.role).where(Membership.user_id == user.id)) == "owner"


def test_a_slug_race_leaves_nothing_and_says_taken(app, client, no_csrf, owner_engine):
    """When a parallel sign-up commits the same slug between our check and our insert, does the unique
    constraint turn it into "taken" with nothing of ours left?"""
    from tenants.models import Tenant

    with Session(owner_engine) as other:  # the other sign-up, committed already
        other.add(Tenant(slug="hamm", name="Other alliance"))
        other.commit()

    def blind_to_tenants(state):  # our checks ran before the other commit: they do not see it
        if state.is_select and any(getattr(f, "name", None) == "tenants" for f in state.statement.get_final_froms()):
            state.statement = state.statement.where(false())

    event.listen(Session, "do_orm_execute", blind_to_tenants)
    try:
        r = client.post("/signup?lang=en", data=_data())
    finally:
        event.remove(Session, "do_orm_execute", blind_to_tenants)
    assert r.status_code == 422
    assert "This address is taken already" in r.get_data(as_text=True)
    assert _counts(app) == (0, 1)  # only the other one's tenant


def test_mail_server_down_leaves_nothing(app, client, no_csrf, monkeypatch):
    """When the verification mail cannot be sent (SMTP down), is everything rolled back with a clear message?"""
    from core.mail import outbox

    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(), "MAIL_USE_TLS": False}.items():
        monkeypatch.setitem(app.config, key, value)  # nobody listens on that port
    r = client.post("/signup?lang=en", data=_data())
    assert r.status_code == 422
    assert "could not be sent, so nothing has been saved" in r.get_data(as_text=True)
    assert _counts(app) == (0, 0) and not outbox


@pytest.fixture
def stripe_configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_fake")
    monkeypatch.setitem(app.config, "STRIPE_PRICE_STANDARD", "price_standard")


def test_stripe_down_leaves_nothing(app, client, no_csrf, stripe_configured, monkeypatch):
    """When Stripe Checkout cannot be started for a paid plan, is everything rolled back with a clear message?"""
    from core.mail import outbox
    from tenants import subscriptions

    def down(tenant, owner_email):
        raise subscriptions.StripeUnavailable("connection refused")

    monkeypatch.setattr(subscriptions, "start_checkout", down)
    r = client.post("/signup?lang=en", data=_data(plan="standard"))
    assert r.status_code == 422
    assert "payment service cannot be reached" in r.get_data(as_text=True)
    assert _counts(app) == (0, 0) and not outbox


def test_a_paid_plan_goes_on_to_checkout(app, client, no_csrf, stripe_configured, monkeypatch):
    """Does a paid plan store the plan and send the newcomer to the Checkout URL (the mail is sent too)?"""
    from core.extensions import db
    from core.mail import outbox
    from tenants import subscriptions
    from tenants.models import Tenant

    seen = []
    monkeypatch.setattr(subscriptions, "start_checkout",
                        lambda tenant, email: seen.append((tenant.slug, email)) or "https://checkout.test/cs_1")
    r = _sign_up(client, plan="standard")
    assert r.status_code == 302 and r.headers["Location"] == "https://checkout.test/cs_1"
    assert seen == [("hamm", EMAIL)] and len(outbox) == 1
    with app.app_context():
        assert db.session.scalar(select(Tenant.plan).where(Tenant.slug == "hamm")) == "standard"
    for url in ("/signup/checkout/done", "/signup/checkout/canceled"):
        assert client.get(url).status_code == 200


def test_a_paid_plan_is_not_offered_without_stripe(app, client, no_csrf):
    """Without Stripe keys (the embedded default), is a paid plan refused, the free one offered?"""
    r = client.post("/signup?lang=en", data=_data(plan="standard"))
    assert r.status_code == 422 and "Choose one of the plans offered." in r.get_data(as_text=True)
    page = client.get("/signup").get_data(as_text=True)
    assert 'value="free"' in page and 'value="standard"' not in page


def test_verification_link_from_a_real_mail_works_once(app, client, no_csrf, smtp_sink):  # noqa: F811
    """Does the link in the mail the SMTP sink received confirm the address, log in and land in the alliance,
    and does it fail (with a way to a new link) the second time?"""
    from core.extensions import db
    from tenants.models import User

    assert _sign_up(client).status_code == 302
    wait_for_mail(smtp_sink)
    assert smtp_sink[0]["To"] == EMAIL
    link = link_in(smtp_sink[0], "/signup/verify/")
    r = client.get(link)
    assert r.status_code == 302 and r.headers["Location"].endswith("/hamm/")
    assert client.get("/hamm/").status_code == 200  # logged in as the owner
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at).where(User.email == EMAIL)) is not None
    client.post("/logout")
    r = client.get(link)
    assert r.status_code == 302 and r.headers["Location"].endswith("/signup/resend")
    assert client.get("/hamm/").status_code == 302  # not logged in by the used link


def test_an_expired_or_forged_link_is_refused(app, client, no_csrf, monkeypatch):
    """Is a link past EMAIL_VERIFICATION_MAX_AGE_SECONDS, or a tampered one, refused without verifying?"""
    from core.extensions import db
    from core.mail import outbox
    from tenants.models import User

    _sign_up(client)
    link = link_in(outbox[0], "/signup/verify/")
    assert client.get(link[:-3] + "xyz").headers["Location"].endswith("/signup/resend")
    monkeypatch.setitem(app.config, "EMAIL_VERIFICATION_MAX_AGE_SECONDS", -1)
    r = client.get(link)
    assert r.status_code == 302 and r.headers["Location"].endswith("/signup/resend")
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at).where(User.email == EMAIL)) is None


def test_unverified_account_cannot_log_in_and_gets_a_new_link(app, client, no_csrf):
    """Can an unverified owner log in? (No: a message with the way to a new link; the new link works.) Does the
    resend page answer the same for an unknown address?"""
    from core.mail import outbox

    _sign_up(client)
    outbox.clear()
    r = client.post("/login?lang=en", data={"tenant": "hamm", "email": EMAIL, "password": PASSWORD})
    assert r.status_code == 401
    page = r.get_data(as_text=True)
    assert "Please confirm your e-mail address first" in page and "/signup/resend?" in page
    assert client.get("/hamm/").status_code == 302  # not logged in
    unknown = client.post("/signup/resend?lang=en", data={"email": "nobody@example.org"})
    known = client.post("/signup/resend?lang=en", data={"email": EMAIL, "tenant": "hamm"})
    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"]
    assert [m["To"] for m in outbox] == [EMAIL]
    r = client.get(link_in(outbox[0], "/signup/verify/"))
    assert r.headers["Location"].endswith("/hamm/")
    client.post("/logout")
    r = client.post("/login", data={"tenant": "hamm", "email": EMAIL, "password": PASSWORD})
    assert r.status_code == 302


def test_sign_up_is_rate_limited(app, client, no_csrf, monkeypatch):
    """Are sign-ups from one address limited (SIGNUP_RATE_LIMIT), counting only those that passed the checks
    (a mistyped field does not count), and does the refusal name the real wait (an hour, not a minute)?"""
    monkeypatch.setitem(app.config, "SIGNUP_RATE_LIMIT", "2 per hour")
    codes = [client.post("/signup", data=_data(slug="x")).status_code for _ in range(3)]
    assert codes == [422, 422, 422]
    codes = [client.post("/signup", data=_data(slug=f"hamm-{n}", email=f"h{n}@hamm.example.org")).status_code
             for n in range(3)]
    assert codes == [302, 302, 429]
    refused = client.post("/signup", data=_data(slug="hamm-9", email="h9@hamm.example.org"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert re.search(r"in (59|60|61) Minuten", page)
    assert "eine Minute" not in page


def test_invitation_link_from_a_real_mail_works_once(app, client, tenant_a, login, no_csrf,
                                                     smtp_sink):  # noqa: F811
    """Does the link of an invitation mail (received by the SMTP sink) let the invitee join, once?"""
    login(client, tenant_a, "owner")
    r = client.post("/alpha/members", data={"email": "neu@example.org", "name": "Neu", "role": "viewer"})
    assert r.status_code == 302
    wait_for_mail(smtp_sink)
    link = link_in(smtp_sink[0], "/invitations/")
    client.post("/logout")
    assert client.get(link).status_code == 200
    r = client.post(link, data={"name": "Neu", "password": PASSWORD, "confirm": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith("/alpha/")
    client.post("/logout")
    r = client.get(link)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_owner_downloads_the_accepted_texts(app, client, no_csrf):
    """Does the owner see the accepted versions in the settings and download each text, headed by alliance,
    accepter and time?"""
    from core.mail import outbox

    _sign_up(client)
    client.get(link_in(outbox[0], "/signup/verify/"))
    page = client.get("/hamm/settings?lang=en").get_data(as_text=True)
    assert 'id="acceptances"' in page and EMAIL in page and "2026-12" in page
    import re

    urls = re.findall(r'href="(/hamm/legal/\d+)"', page)
    assert len(urls) == 2
    bodies = [client.get(url) for url in urls]
    assert all(b.status_code == 200 and "attachment" in b.headers["Content-Disposition"] for b in bodies)
    texts = [b.get_data(as_text=True) for b in bodies]
    assert all("Bündnis für Familie Hamm" in t and EMAIL in t and "UTC" in t for t in texts)
    assert any("Nutzungsbedingungen" in t for t in texts) and any("Art. 28 DSGVO" in t for t in texts)


def test_only_owners_download_acceptances(app, client, tenant_a, login):
    """May an admin (not an owner) download the alliance's acceptances? (No.)"""
    from core.audit import Actor
    from core.extensions import db
    from tenants import legal
    from tenants.models import User

    with app.app_context(), tenant_a.context():
        owner = db.session.scalar(select(User).where(User.email == tenant_a.users["owner"]))
        row_id = legal.record_acceptances(owner, Actor.system("test"))[0].id
        db.session.commit()
    login(client, tenant_a, "admin")
    assert client.get(f"/alpha/legal/{row_id}").status_code == 403
    assert 'id="acceptances"' not in client.get("/alpha/settings").get_data(as_text=True)


def test_public_pages_show_the_platform_plans_and_legal_texts(client):
    """Does the landing page explain the platform, list every plan with its price, and link sign-up; are the
    current legal texts readable?"""
    page = client.get("/?lang=de").get_data(as_text=True)
    for words in ("XRechnung", "49,00 €", "149,00 €", "/signup"):
        assert words in page, words
    terms = client.get("/legal/terms").get_data(as_text=True)
    dpa = client.get("/legal/dpa").get_data(as_text=True)
    assert "Haftung" in terms and "Kündigung" in terms
    assert "Unterauftragsverarbeiter" in dpa and "Technische und organisatorische Maßnahmen" in dpa
