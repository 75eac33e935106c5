"""Tenants, users and memberships: the verbs that change them. Callers own nothing but the arguments."""
import re

from flask_babel import lazy_gettext as _l
from schwifty import BIC, IBAN
from schwifty.exceptions import InvalidChecksumDigits, InvalidCountryCode, InvalidLength, SchwiftyException
from sqlalchemy import func, select

from core import audit, signals
from core.audit import Actor
from core.converters import MAX_ID
from core.extensions import db
from core.models import utcnow
from core.problems import Conflict, Forbidden, NotFound, ValidationFailed
from core.tenancy.context import tenant_context
from core.validation import Errors, bounded_int, choice_message
from tenants.models import Membership, Tenant, User
from tenants.passwords import hash_password, needs_rehash, password_problems, verify_password
from tenants.roles import ROLE_LABELS, ROLES, Role, can

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")
# Slugs that would shadow platform URLs: these, and every fixed first path segment of the app's routes
# (reserved_slugs(), read from the URL map when a slug is checked).
RESERVED_SLUGS = {"api", "admin", "login", "logout", "static", "healthz", "readyz", "signup", "password", "lang",
                  "stripe", "docs", "help", "select", "legal", "invitations", "account", "choose", "metrics",
                  "www", "mail", "status", "support"}
TENANT_FIELDS = ("name", "legal_name", "address", "tax_number", "vat_id", "iban", "bic", "email",
                 "register_number", "contact_name", "phone", "payment_days")
PAYMENT_DAYS_DEFAULT, PAYMENT_DAYS_MAX = 30, 120


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def reserved_slugs() -> set[str]:
    """RESERVED_SLUGS and the first path segment of every route that does not start with a variable."""
    from flask import current_app, has_app_context

    found = set(RESERVED_SLUGS)
    if has_app_context():
        for rule in current_app.url_map.iter_rules():
            first = rule.rule.lstrip("/").split("/", 1)[0]
            if first and "<" not in first:
                found.add(first.lower())
    return found


def validate_slug(slug: str) -> list[str]:
    if not SLUG_RE.match(slug or ""):
        return [_l("3-63 characters: lower-case letters, digits and hyphens, not at the start or end.")]
    if slug in reserved_slugs():
        return [_l("This address is reserved.")]
    return []


def create_user(email: str, password: str, name: str = "", *, platform_admin: bool = False,
                verified: bool = True) -> User:
    """A new account. `verified`: the address is known to be the person's (command line, invitation); sign-up
    passes False until the verification link is opened."""
    email = normalize_email(email)
    errors = {}
    if "@" not in email:
        errors["email"] = [_l("Enter an e-mail address such as name@example.org.")]
    if problems := password_problems(password):
        errors["password"] = problems
    if errors:
        raise ValidationFailed(_l("Invalid user data."), errors)
    if db.session.scalar(select(User).where(User.email == email)) is not None:
        raise Conflict(_l("A user with this e-mail exists already."), {"email": [_l("Already registered.")]})
    user = User(email=email, name=name, password_hash=hash_password(password), is_platform_admin=platform_admin,
                email_verified_at=utcnow() if verified else None)
    db.session.add(user)
    db.session.flush()
    return user


def get_or_create_user(email: str, password: str | None, name: str = "") -> User:
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is not None:
        return user
    if not password:
        raise ValidationFailed(_l("A new user needs a password."), {"password": [_l("Required for a new user.")]})
    return create_user(email, password, name)


def create_tenant(slug: str, name: str, owner: User, actor: Actor, **issuer) -> Tenant:
    """A new alliance with `owner` as its first member; seeds what every tenant starts with."""
    slug = (slug or "").strip().lower()
    errors = {}
    if problems := validate_slug(slug):
        errors["slug"] = problems
    if not (name or "").strip():
        errors["name"] = [_l("Required.")]
    if errors:
        raise ValidationFailed(_l("Invalid alliance data."), errors)
    if db.session.scalar(select(Tenant).where(Tenant.slug == slug)) is not None:
        raise Conflict(_l("This address is taken."), {"slug": [_l("Already taken.")]})
    issuer = _issuer_data({k: v for k, v in issuer.items() if k in TENANT_FIELDS and k != "name"}, None)
    tenant = Tenant(slug=slug, name=name.strip(), **issuer)
    db.session.add(tenant)
    db.session.flush()
    with tenant_context(tenant.id):
        membership = Membership(user_id=owner.id, role=Role.OWNER.value)
        db.session.add(membership)
        db.session.flush()
        audit.record(actor, "tenant.create", tenant, diff={"slug": [None, slug], "name": [None, tenant.name]})
        signals.ask(signals.tenant_created, tenant, actor=actor)
        db.session.flush()
    return tenant


def _refuse_owner_change_by_non_owner(actor: Actor, *roles: str) -> None:
    """Only owners make owners or touch an owner's membership (an admin could otherwise make a new owner and
    demote the original one). The system (CLI, sign-up) may."""
    if Role.OWNER in roles and actor.role is not None and actor.role != Role.OWNER:
        raise Forbidden(_l("Only an owner can make someone an owner or change an owner's membership."),
                        {"role": [_l("Only owners may do this.")]})


def check_member_role(role: str, agency_id: int | None, actor: Actor) -> None:
    """May `actor` give someone `role` (with `agency_id` for an agency member) in the current tenant?"""
    _refuse_owner_change_by_non_owner(actor, role)
    if role not in ROLES:
        raise ValidationFailed(_l("Unknown role."), {"role": [choice_message(ROLES, ROLE_LABELS)]})
    if role == Role.AGENCY and agency_id is None:
        raise ValidationFailed(_l("An agency member needs an agency."),
                               {"agency_id": [_l("Required for role agency.")]})
    if role != Role.AGENCY and agency_id is not None:
        raise ValidationFailed(_l("Only agency members have an agency."), {"agency_id": [_l("Only for role agency.")]})
    if agency_id is not None:
        if agency_id not in dict(agency_choices()):
            raise ValidationFailed(_l("Unknown agency."), {"agency_id": [_l("No such agency in this alliance.")]})


def add_member(tenant: Tenant, user: User, role: str, actor: Actor, agency_id: int | None = None) -> Membership:
    """Give `user` a role in `tenant` (which must be the current tenant context). Pages and API invite instead
    (tenants.invitations); this is for accepted invitations, the CLI and the demo."""
    check_member_role(role, agency_id, actor)
    if db.session.scalar(select(Membership).where(Membership.user_id == user.id)) is not None:
        raise Conflict(_l("This user is a member already."), {"email": [_l("Already a member.")]})
    check_member_limit(tenant, user.email)
    membership = Membership(tenant_id=tenant.id, user_id=user.id, role=role, agency_id=agency_id)
    db.session.add(membership)
    db.session.flush()
    audit.record(actor, "membership.create", membership, diff={"user": [None, user.email], "role": [None, role]})
    return membership


def check_member_limit(tenant: Tenant, email: str) -> None:
    """409 when the plan allows no further member: members and open invitations count (the open invitation of
    `email` itself is the one being replaced or accepted, so it does not)."""
    from tenants.models import Invitation
    from tenants.plans import check_limit

    members = db.session.scalar(select(func.count()).select_from(Membership))
    invited = db.session.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow(),
        Invitation.email != normalize_email(email)))
    check_limit(tenant, "members", members, invited)


def change_member_role(membership: Membership, role: str, actor: Actor) -> Membership:
    if role not in ROLES or role == Role.AGENCY:
        raise ValidationFailed(_l("Unknown role."), {"role": [_l("Choose a staff role.")]})
    _refuse_owner_change_by_non_owner(actor, role, membership.role)
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count() <= 1:
        raise Conflict(_l("The last owner cannot be demoted."), {"role": [_l("The alliance needs an owner.")]})
    diff = audit.changes(membership, {"role": role})
    if diff:
        audit.record(actor, "membership.update", membership, diff=diff)
    return membership


def remove_member(membership: Membership, actor: Actor) -> None:
    _refuse_owner_change_by_non_owner(actor, membership.role)
    if membership.role == Role.OWNER and _owner_count() <= 1:
        raise Conflict(_l("The last owner cannot be removed."))
    audit.record(actor, "membership.delete", membership, diff={"user": [membership.user.email, None]})
    # the membership's API tokens go with it (ON DELETE CASCADE) and its pages answer 404 from the next request;
    # the person's sessions in other alliances are theirs and stay
    db.session.delete(membership)


def _owner_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Membership).where(Membership.role == Role.OWNER))


def update_tenant(tenant: Tenant, data: dict, actor: Actor) -> Tenant:
    data = _issuer_data(data, tenant)
    diff = audit.changes(tenant, data)
    if diff:
        audit.record(actor, "tenant.update", tenant, diff=diff)
    return tenant


def _issuer_data(data: dict, tenant: Tenant | None) -> dict:
    """The issuer fields of `data`, cleaned (IBAN and BIC compact upper-case), or one 422 with every field error.
    The BIC is checked against the IBAN it will stand next to: the new one, or `tenant`'s."""
    errors = Errors()
    clean = {}
    for key, value in data.items():
        if key not in TENANT_FIELDS:
            continue
        if key == "payment_days":
            days = bounded_int(errors, value, key, low=0, high=PAYMENT_DAYS_MAX, required=True)
            if days is not None:
                clean[key] = days
            continue
        clean[key] = "" if value is None else str(value).strip()
    if "name" in clean and not clean["name"]:
        errors.add("name", _l("Required."))
    if "iban" in clean:
        clean["iban"] = compact_iban(clean["iban"])
        if clean["iban"] and (problem := iban_problem(clean["iban"])):
            errors.add("iban", problem)
    if "bic" in clean:
        clean["bic"] = compact_bic(clean["bic"])
    if "iban" in clean or "bic" in clean:
        iban = clean.get("iban", tenant.iban if tenant is not None else "")
        bic = clean.get("bic", tenant.bic if tenant is not None else "")
        if bic and (problem := bic_problem(bic, "" if "iban" in errors else iban)):
            errors.add("bic", problem)
    if errors:
        detail = _l("Invalid IBAN.") if set(errors) == {"iban"} else _l("Invalid alliance data.")
        errors.raise_if_any(detail)
    return clean


def compact_iban(value: str) -> str:
    return "".join((value or "").split()).upper()


def compact_bic(value: str) -> str:
    return "".join((value or "").split()).upper()


def iban_problem(iban: str):
    """Why `iban` (compact or with spaces) is no IBAN (a translated message), or None when schwifty accepts it."""
    try:
        IBAN(compact_iban(iban))
    except InvalidChecksumDigits:
        return _l("Not a valid IBAN (check digits).")
    except InvalidLength:
        return _l("Not a valid IBAN (wrong length for its country).")
    except InvalidCountryCode:
        return _l("Not a valid IBAN (unknown country code).")
    except SchwiftyException:
        return _l("Not a valid IBAN.")
    return None


def iban_ok(iban: str) -> bool:
    return bool(iban) and iban_problem(iban) is None


def bic_problem(bic: str, iban: str = ""):
    """Why `bic` is no BIC, or does not fit `iban` (when schwifty knows the IBAN's bank); None when it is fine."""
    try:
        parsed = BIC(compact_bic(bic))
    except SchwiftyException:
        return _l("Not a valid BIC (8 or 11 characters: bank, country, place, branch).")
    if iban:
        try:
            bank_bic = IBAN(compact_iban(iban)).bic
        except SchwiftyException:
            return None  # the IBAN has its own message
        if bank_bic is not None and bank_bic.country_code != parsed.country_code:
            return _l("The BIC is of another country (%(country)s) than the IBAN's bank (%(expected)s).",
                      country=parsed.country_code, expected=bank_bic.country_code)
    return None


def issuer_problems(tenant: Tenant) -> dict[str, str]:
    """What is missing (or wrong) before `tenant` may issue its first invoice: {field: translated message}, empty
    when the issuer data is complete. The register number and the BIC are optional (a wrong BIC is a problem)."""
    problems: dict[str, str] = {}

    def blank(value) -> bool:
        return not (value or "").strip()

    if blank(tenant.legal_name) and blank(tenant.name):
        problems["legal_name"] = str(_l("The legal name of the issuer is missing."))
    if blank(tenant.address):
        problems["address"] = str(_l("The address is missing."))
    if blank(tenant.tax_number) and blank(tenant.vat_id):
        problems["tax_number"] = str(_l("Tax number or VAT id is missing."))
    if blank(tenant.iban):
        problems["iban"] = str(_l("The IBAN is missing."))
    elif problem := iban_problem(tenant.iban):
        problems["iban"] = str(problem)
    if not blank(tenant.bic) and (problem := bic_problem(tenant.bic, "" if "iban" in problems else tenant.iban)):
        problems["bic"] = str(problem)
    if blank(tenant.contact_name):
        problems["contact_name"] = str(_l("The contact person is missing."))
    if blank(tenant.phone):
        problems["phone"] = str(_l("The phone number is missing."))
    if blank(tenant.email):
        problems["email"] = str(_l("The e-mail address is missing."))
    return problems


def authenticate(email: str, password: str) -> User | None:
    """The user with these credentials, or None (same work either way, so timing tells nothing)."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def membership_of(user: User) -> Membership | None:
    """The user's membership in the current tenant."""
    return db.session.scalar(select(Membership).where(Membership.user_id == user.id))


def end_sessions(user: User) -> None:
    """End every session and API token of `user`, in every alliance (they carry the version raised here)."""
    user.session_version = (user.session_version or 0) + 1


def set_password(user: User, password: str) -> None:
    """A new password ends every session and token made with the old one."""
    if problems := password_problems(password):
        raise ValidationFailed(_l("Password too weak."), {"password": problems})
    user.password_hash = hash_password(password)
    end_sessions(user)


def live_tokens(actor: Actor):
    """The current tenant's API tokens that still work: all of them for admins, one's own for everyone else."""
    from tenants.models import ApiToken

    query = (select(ApiToken).join(Membership, Membership.id == ApiToken.membership_id)
             .join(User, User.id == Membership.user_id)
             .where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow(), User.active.is_(True),
                    ApiToken.session_version == User.session_version)  # ended by logout, a new password, …
             .order_by(ApiToken.created_at.desc()))
    if not can(actor.role, "members.manage"):
        query = query.where(Membership.user_id == actor.user_id)
    return query


def get_token(token_id, actor: Actor):
    from tenants.models import ApiToken

    row = db.session.scalar(live_tokens(actor).where(ApiToken.id == token_id)) if 0 < token_id <= MAX_ID else None
    if row is None:
        raise NotFound(_l("No such API token."))
    return row


def revoke_token(row, actor: Actor) -> None:
    row.revoked_at = utcnow()
    audit.record(actor, "api_token.revoke", row, diff={"user": [row.membership.user.email, None]})


def set_active(user: User, active: bool, actor: Actor) -> None:
    """Deactivate (or reactivate) an account; deactivation ends its sessions and tokens at once."""
    if user.active and not active:
        end_sessions(user)
    user.active = active


def agency_choices() -> list[tuple[int, str]]:
    """The current tenant's funding agencies as (id, name): the directory (network/) answers."""
    return [pair for answer in signals.ask(signals.agency_choices) for pair in answer]


def get_tenant_by_slug(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(_l("No alliance '%(slug)s'.", slug=slug))
    return tenant
