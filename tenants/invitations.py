"""Invitations: how a person becomes a member of an alliance.

An admin names an e-mail address and a role; the address receives a signed, expiring, single-use link. A new
person sets their own password when accepting; a person who has an account already accepts while logged in
with that address. The inviting admin learns nothing about accounts elsewhere: the answer is the same whether
or not the address has one. The link is `<signed {tenant, invitation}>.<secret>` like an API token, so that the
tenant is known before its row can be read (row-level security), and only the secret's hash is stored.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from core import audit, transactions
from core import validation as v
from core.audit import Actor
from core.extensions import db
from core.mail import send_mail
from core.models import utcnow
from core.problems import Conflict
from tenants import services
from tenants.models import Invitation, Membership, Tenant, User
from tenants.roles import ROLES

VALID_DAYS = 7


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="invitation")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invite(tenant: Tenant, data: dict, actor: Actor) -> Invitation:
    """Invite `data["email"]` with `data["role"]` (and `agency_id` for role agency) into the current tenant; the
    mail goes out after the commit."""
    errors = v.Errors()
    email = services.normalize_email(data.get("email") or "")
    if "@" not in email or len(email) > 254:
        errors.add("email", _l("Not a valid e-mail address."))
    role = v.choice(errors, data.get("role"), "role", ROLES, required=True)
    agency_id = data.get("agency_id")
    errors.raise_if_any(_l("The invitation has invalid fields."))
    services.check_member_role(role, agency_id, actor)
    member = db.session.scalar(select(Membership).join(User).where(User.email == email))
    if member is not None:  # only members of this tenant are visible here: nothing leaks about other tenants
        raise Conflict(_l("This person is a member already."), {"email": [_l("Already a member.")]})
    services.check_member_limit(tenant, email)
    now = utcnow()
    for earlier in db.session.scalars(select(Invitation).where(
            Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))):
        services.check_member_role(earlier.role, earlier.agency_id, actor)  # an admin cannot undo an owner's
        earlier.revoked_at = now  # the newest invitation is the only one that works
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        tenant_id=tenant.id, email=email, name=v.text(data.get("name"), 200), role=role, agency_id=agency_id,
        secret_hash=_digest(secret), invited_by_id=actor.user_id, created_at=now,
        expires_at=now + timedelta(days=VALID_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "invitation.create", invitation, diff={"email": [None, email], "role": [None, role]})
    token = f"{_serializer().dumps({'t': tenant.id, 'i': invitation.id})}.{secret}"
    # built from PUBLIC_BASE_URL alone, so that the CLI and tasks can invite too (route: tenants.views.invitation)
    link = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/invitations/{token}"
    subject = _("Invitation to %(alliance)s on Bündnisnetz", alliance=tenant.name)
    body = _("You have been invited to join %(alliance)s on Bündnisnetz.\n\nOpen this link within %(days)d days "
             "to accept:\n\n%(link)s\n\nIf you did not expect this, ignore this e-mail.",
             alliance=tenant.name, days=VALID_DAYS, link=link)
    transactions.after_commit(lambda: send_mail(email, subject, body))
    return invitation


def parse(token: str) -> tuple[int, int, str] | None:
    """(tenant_id, invitation_id, secret) of a correctly signed link, else None."""
    signed, _sep, secret = (token or "").rpartition(".")
    try:
        payload = _serializer().loads(signed)
        return int(payload["t"]), int(payload["i"]), secret
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def open_invitation(invitation_id: int, secret: str) -> Invitation | None:
    """The invitation if it is still open (inside its tenant's context), else None."""
    row = db.session.get(Invitation, invitation_id)
    if row is None or not hmac.compare_digest(row.secret_hash, _digest(secret)):
        return None
    if row.accepted_at is not None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row


def account_exists(invitation: Invitation) -> bool:
    """Shown only to the holder of the link (the invitee), never to the inviting admin."""
    return db.session.scalar(select(User.id).where(User.email == invitation.email)) is not None


def accept(invitation: Invitation, user: User | None, data: dict | None = None) -> Membership:
    """Accept as the logged-in `user` (whose address must be the invited one), or, with no account yet, create
    it with the invitee's own password (`data`: name, password)."""
    if user is None:
        if account_exists(invitation):
            raise Conflict(_l("An account with this address exists: log in to accept."))
        data = data or {}
        user = services.create_user(invitation.email, data.get("password") or "",
                                    v.text(data.get("name"), 200) or invitation.name)
    elif services.normalize_email(user.email) != invitation.email:
        raise Conflict(_l("This invitation is for another e-mail address."), {"email": [invitation.email]})
    actor = Actor(user_id=user.id, role=None, ip=None, label=user.email)
    membership = services.add_member(db.session.get(Tenant, invitation.tenant_id), user, invitation.role,
                                     Actor.system("invitation"), agency_id=invitation.agency_id)
    invitation.accepted_at, invitation.accepted_by_id = utcnow(), user.id
    audit.record(actor, "invitation.accept", invitation)
    return membership


def pending() -> list[Invitation]:
    return list(db.session.scalars(select(Invitation).where(
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at.desc())))


def revoke(invitation: Invitation, actor: Actor) -> None:
    if invitation.accepted_at is not None:
        raise Conflict(_l("This invitation has been accepted already."))
    services.check_member_role(invitation.role, invitation.agency_id, actor)
    invitation.revoked_at = utcnow()
    audit.record(actor, "invitation.revoke", invitation)

