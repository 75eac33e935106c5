"""Which alliances a user belongs to, and where a login without an alliance lands (one login, no slug to
remember): one alliance → its start page; several → a choice; a platform admin → the admin console."""
from flask import current_app, url_for
from sqlalchemy import select

from core.extensions import db
from core.tenancy.context import tenant_context
from tenants.models import Membership, Tenant, User
from tenants.navigation import start_endpoint


def alliances_of(user: User, *, only_requiring: bool = False) -> list[tuple[Tenant, str]]:
    """(tenant, role) of each alliance `user` is a member of, by name. Memberships are tenant-owned: outside a
    tenant's context the database's row-level security shows none, even `unscoped()`; so each tenant is asked in
    its own context (one small indexed query each)."""
    query = select(Tenant).order_by(Tenant.name, Tenant.id)
    if only_requiring:
        query = query.where(Tenant.require_second_factor.is_(True))
    found = []
    for tenant in db.session.scalars(query).all():
        with tenant_context(tenant.id, tenant.timezone):
            role = db.session.scalar(select(Membership.role).where(Membership.user_id == user.id))
        if role is not None:
            found.append((tenant, role))
    return found


def start_url(tenant: Tenant, role: str) -> str:
    """The page a member of `tenant` with `role` starts on."""
    return url_for(start_endpoint(role) or "tenants.dashboard", slug=tenant.slug)


def admin_console_url() -> str:
    """The admin console, or the public page while the console does not exist."""
    if "admin.index" in current_app.view_functions:
        return url_for("admin.index")
    return url_for("public.index")


def landing(user: User) -> str:
    """Where a login without an alliance and without `next` goes."""
    if user.is_platform_admin:
        return admin_console_url()
    alliances = alliances_of(user)
    if len(alliances) == 1:
        return start_url(*alliances[0])
    return url_for("account.choose")
