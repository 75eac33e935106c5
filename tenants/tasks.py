"""Celery tasks of tenants/ (thin: they call services): the daily purge of alliances whose closing date passed,
one task (one transaction) per tenant."""
from core.celery import celery_app
from core.extensions import db


@celery_app.task(name="tenants.purge_closed_tenants", platform_wide=True)
def purge_closed_tenants() -> list[int]:
    """Beat, daily: one task per tenant whose grace period after closing is over."""
    from tenants.admin import due_for_purge
    from tenants.models import Tenant

    due = due_for_purge()
    for tenant_id in due:
        zone = db.session.get(Tenant, tenant_id).timezone
        purge_tenant.apply_async(args=[tenant_id], headers={"tenant_id": tenant_id, "tenant_zone": zone})
    return due


@celery_app.task(name="tenants.purge_tenant")
def purge_tenant(tenant_id: int) -> dict:
    """Delete one closed tenant's data for good (idempotent: a tenant already purged is left as it is)."""
    from core.audit import Actor
    from tenants.admin import purge
    from tenants.models import Tenant

    tenant = db.session.get(Tenant, tenant_id)
    return purge(tenant, Actor.system("purge of closed alliances"))


@celery_app.task(name="tenants.remove_unconfirmed_signups", platform_wide=True)
def remove_unconfirmed_signups() -> list[int]:
    """Beat, daily: remove the sign-ups never confirmed within SIGNUP_UNCONFIRMED_DAYS (one task each)."""
    from tenants.models import Tenant
    from tenants.unconfirmed import due_for_removal

    due = due_for_removal()
    for tenant_id in due:
        zone = db.session.get(Tenant, tenant_id).timezone
        remove_unconfirmed_signup.apply_async(args=[tenant_id], headers={"tenant_id": tenant_id, "tenant_zone": zone})
    return due


@celery_app.task(name="tenants.remove_unconfirmed_signup")
def remove_unconfirmed_signup(tenant_id: int) -> bool:
    from tenants.models import Tenant
    from tenants.unconfirmed import remove

    tenant = db.session.get(Tenant, tenant_id)
    return tenant is not None and remove(tenant)
