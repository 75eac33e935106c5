"""Sign-ups that were never confirmed: an alliance whose only member is its owner from the sign-up, whose e-mail
address was never confirmed. Such an owner cannot log in, so nothing can be in the alliance but what sign-up
made; after SIGNUP_UNCONFIRMED_DAYS the daily task removes it (tenants.admin.purge, which leaves a tombstone in the
console) and frees its slug for someone else. The console marks such alliances ("not confirmed")."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from core import audit, clock
from core.audit import Actor
from core.extensions import db
from core.tenancy.context import tenant_context
from tenants.models import Membership, Tenant, User

ACTOR = Actor.system("removal of unconfirmed sign-ups")


def is_unconfirmed(tenant: Tenant) -> bool:
    """Is the alliance's only member an owner whose address was never confirmed?"""
    if tenant.status != "active":
        return False
    with tenant_context(tenant.id, tenant.timezone):
        rows = db.session.execute(select(Membership.role, User.email_verified_at)
                                  .join(User, User.id == Membership.user_id).limit(2)).all()
    return len(rows) == 1 and rows[0][0] == "owner" and rows[0][1] is None


def unconfirmed_of(tenants) -> set[int]:
    """The ids among `tenants` (a page of the console's list) that are unconfirmed sign-ups."""
    return {tenant.id for tenant in tenants if is_unconfirmed(tenant)}


def due_for_removal(now=None) -> list[int]:
    """Ids of the unconfirmed sign-ups older than SIGNUP_UNCONFIRMED_DAYS, without a paid subscription."""
    now = now or clock.utcnow()
    cutoff = now - timedelta(days=current_app.config["SIGNUP_UNCONFIRMED_DAYS"])
    candidates = db.session.scalars(select(Tenant).where(
        Tenant.status == "active", Tenant.created_at <= cutoff,
        func.coalesce(Tenant.subscription_status, "incomplete").in_(("incomplete", "canceled"))).order_by(Tenant.id))
    return [tenant.id for tenant in candidates if is_unconfirmed(tenant)]


def remove(tenant: Tenant, actor: Actor = ACTOR) -> bool:
    """Delete an unconfirmed sign-up for good (as a purge, leaving its tombstone) and free its slug; False when
    it is no longer one (confirmed or joined meanwhile)."""
    from tenants.admin import purge

    if not is_unconfirmed(tenant):
        return False
    now = clock.utcnow()
    with tenant_context(tenant.id, tenant.timezone):
        audit.record(actor, "tenant.unconfirmed_removed", tenant, object_type="tenant",
                     diff={"slug": [tenant.slug, None]})
        db.session.flush()
    tenant.status, tenant.closes_at, tenant.status_changed_at = "closing", now, now
    tenant.status_reason = "unconfirmed sign-up"
    db.session.flush()
    purge(tenant, actor)
    tenant.slug = f"removed-{tenant.id}"[:63]  # the tombstone keeps no slug that someone else may want
    db.session.flush()
    return True
