"""Online sign-up of an alliance and the verification of its owner's e-mail address.

Sign-up is one transaction: the owner's account (or an existing account, proven by its password), the tenant on
the chosen plan, the accepted terms and data-processing agreement, the audit events, the Stripe Checkout of a
paid plan and the verification mail. Whatever fails (a slug taken by a parallel sign-up, Stripe, the mail server)
raises, and the caller rolls everything back: there is never a half-created alliance.

The verification link is signed and expires (EMAIL_VERIFICATION_MAX_AGE_SECONDS); it carries the state of the
address (`email_verified_at`), which opening it changes, so that it works once.
"""
import smtplib
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.audit import Actor
from core.extensions import db
from core.mail import send_mail
from core.models import utcnow
from core.problems import Conflict, ServiceError, ValidationFailed
from core.tenancy.context import tenant_context
from tenants import legal, services, subscriptions
from tenants.models import Membership, Tenant, User
from tenants.passwords import password_problems, verify_password
from tenants.plans import PLANS, offered_plans

ACTOR = Actor.system("sign-up")


class MailUnavailable(ServiceError):
    status = 503
    title = "Service unavailable"


@dataclass
class SignUp:
    tenant: Tenant | None  # None: the address has an account and the password was not its (a mail tells how)
    user: User | None
    checkout_url: str | None  # a paid plan: where the owner goes next (Stripe Checkout)


def slug_taken(slug: str) -> bool:
    return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None


def _check(data: dict) -> tuple[dict[str, list], User | None]:
    """Every field error at once, and the existing account of the address (if any)."""
    errors: dict[str, list] = {}
    name = (data.get("name") or "").strip()
    slug = (data.get("slug") or "").strip().lower()
    email = services.normalize_email(data.get("email"))
    password = data.get("password") or ""
    if not name:
        errors["name"] = [_l("Required.")]
    if problems := services.validate_slug(slug):
        errors["slug"] = problems
    elif slug_taken(slug):
        errors["slug"] = [_l("This address is taken already. Please choose another one.")]
    if data.get("plan") not in {plan.code for plan in offered_plans()}:
        errors["plan"] = [_l("Choose one of the plans offered.")]
    if not (data.get("owner_name") or "").strip():
        errors["owner_name"] = [_l("Required.")]
    user = None
    if "@" not in email or len(email) > 254:
        errors["email"] = [_l("Not a valid e-mail address.")]
    else:
        user = db.session.scalar(select(User).where(User.email == email))
    # the same rules for every address, so that the answer never tells whether an address has an account; an
    # existing account proves it is the person's with its password (no second account), see sign_up()
    if (user is None or not verify_password(user.password_hash, password)) and (
            problems := password_problems(password)):
        errors["password"] = problems
    if not data.get("accept_terms"):
        errors["accept_terms"] = [_l("Please accept the terms of service.")]
    if not data.get("accept_dpa"):
        errors["accept_dpa"] = [_l("Please accept the data-processing agreement.")]
    return errors, user


def sign_up(data: dict) -> SignUp:
    """Create the alliance of `data` (name, slug, plan, owner_name, email, password, accept_terms, accept_dpa)
    with its owner, or raise with every field error at once. The caller commits, or rolls back on any error."""
    errors, user = _check(data)
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors)
    if user is not None and (not user.active or not verify_password(user.password_hash, data["password"])):
        # answered like a sign-up (check your mail): the address's owner learns by mail how to go on
        _tell_existing_account(user)
        return SignUp(None, None, None)
    plan = PLANS[data["plan"]]
    try:
        if user is None:
            user = services.create_user(data["email"], data["password"], data["owner_name"].strip(), verified=False)
        tenant = services.create_tenant(data["slug"], data["name"], user, ACTOR, email=user.email,
                                        contact_name=data["owner_name"])
        tenant.plan = plan.code
        with tenant_context(tenant.id):
            legal.record_acceptances(user, ACTOR)
            audit.record(ACTOR, "tenant.signup", tenant, diff={"plan": [None, plan.code], "owner": [None, user.email]})
            db.session.flush()
    except IntegrityError as exc:
        # a parallel sign-up won the race between the check above and this insert (the unique constraint decides)
        field = "slug" if "slug" in str(exc.orig) else "email"
        message = (_l("This address is taken already. Please choose another one.") if field == "slug"
                   else _l("Already registered."))
        raise Conflict(_l("Please correct the marked fields."), {field: [message]}) from exc
    checkout_url = None
    if plan.paid:
        with tenant_context(tenant.id):
            checkout_url = subscriptions.start_checkout(tenant, user.email)  # StripeUnavailable: caller rolls back
    try:
        send_verification(user, tenant, created=True)
    except MailUnavailable:
        if tenant.stripe_customer_id:  # the rollback forgets it; Stripe would keep an orphan customer
            subscriptions.delete_customer(tenant.stripe_customer_id)
        raise
    return SignUp(tenant, user, checkout_url)


def _tell_existing_account(user: User) -> None:
    """The mail to an address that has an account, when a sign-up with it came without that account's password."""
    login = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("auth.login")
    signup_page = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("signup.signup_form")
    body = _("Someone wanted to sign up an alliance on Bündnisnetz with this e-mail address. The address has an "
             "account already, so nothing was created.\n\nIf it was you: sign up again at %(signup)s with the "
             "password of your account, and the new alliance is added to it. Forgot the password? Reset it on "
             "the login page: %(login)s\n\nIf it was not you, ignore this e-mail.", signup=signup_page,
             login=login)
    try:
        send_mail(user.email, _("Your sign-up on Bündnisnetz"), body)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailUnavailable(_l("The confirmation e-mail could not be sent, so nothing has been saved. Please try "
                                 "again in a few minutes.")) from exc


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-verification")


def _state(user: User) -> str:
    """What opening the link changes: a link made before the last verification no longer works."""
    stamp = user.email_verified_at
    return stamp.isoformat(timespec="microseconds") if stamp else ""


def verification_token(user: User, tenant_id: int | None = None) -> str:
    return _serializer().dumps({"u": user.id, "e": user.email, "v": _state(user), "t": tenant_id})


def verification_link(user: User, tenant_id: int | None = None) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(
        "signup.verify", token=verification_token(user, tenant_id))


def send_verification(user: User, tenant: Tenant | None, *, created: bool = False) -> None:
    """Send the verification link now (not after the commit: a mail server that is down fails the sign-up);
    after it, the person lands in `tenant`. `created`: the mail also says that the alliance was created."""
    hours = current_app.config["EMAIL_VERIFICATION_MAX_AGE_SECONDS"] // 3600
    body = _("Please confirm your e-mail address for Bündnisnetz by opening this link within %(hours)d hours:"
             "\n\n%(link)s\n\nIf you did not sign up, ignore this e-mail: nothing happens without the "
             "confirmation.", hours=hours, link=verification_link(user, tenant.id if tenant else None))
    if created and tenant is not None:
        body = _("Your alliance “%(alliance)s” has been created on Bündnisnetz.", alliance=tenant.name) + "\n\n" + body
    try:
        send_mail(user.email, _("Confirm your e-mail address for Bündnisnetz"), body)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailUnavailable(_l("The confirmation e-mail could not be sent, so nothing has been saved. Please try "
                                 "again in a few minutes.")) from exc


def verify(token: str) -> tuple[User, Tenant | None] | None:
    """Mark the address of a valid, unused, unexpired link as verified: (user, the alliance it was for), else
    None."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["EMAIL_VERIFICATION_MAX_AGE_SECONDS"])
        user_id, email, state, tenant_id = int(payload["u"]), payload["e"], payload["v"], payload.get("t")
    except (BadSignature, KeyError, TypeError, ValueError):  # SignatureExpired is a BadSignature
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.email != email or _state(user) != state:
        return None
    user.email_verified_at = utcnow()
    tenant = db.session.get(Tenant, tenant_id) if isinstance(tenant_id, int) else None
    if tenant is not None:
        with tenant_context(tenant.id):
            if db.session.scalar(select(Membership.id).where(Membership.user_id == user.id)) is None:
                tenant = None
            else:
                audit.record(Actor(user_id=user.id, role=None, ip=None, label=user.email), "user.verify_email", user)
                db.session.flush()
    return user, tenant


def resend(email: str, slug: str | None = None) -> None:
    """A new link for an unverified account (silently nothing otherwise: the answer never tells whether an
    address has an account). `slug`: the alliance to land in afterwards, if the person is a member."""
    user = db.session.scalar(select(User).where(User.email == services.normalize_email(email)))
    if user is None or not user.active or user.email_verified_at is not None:
        return
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug.strip().lower())) if slug else None
    if tenant is not None:
        with tenant_context(tenant.id):
            if db.session.scalar(select(Membership.id).where(Membership.user_id == user.id)) is None:
                tenant = None
    send_verification(user, tenant)
