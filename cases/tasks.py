"""Celery tasks of cases/ (thin: they call services). Beat runs the retention rule nightly per tenant."""

from sqlalchemy import select

from cases import services
from core.audit import Actor
from core.celery import celery_app
from core.extensions import db


@celery_app.task(name="cases.apply_retention")
def apply_retention() -> list[int]:
    """Anonymise the current tenant's clients whose retention period after closing has passed (idempotent)."""
    return services.apply_retention(Actor.system("retention"))


@celery_app.task(name="cases.apply_retention_all", platform_wide=True)
def apply_retention_all() -> int:
    """Fan-out: one retention task per active tenant, each carrying its tenant (core.celery.TenantTask)."""
    from tenants.models import Tenant

    tenant_ids = list(db.session.scalars(select(Tenant.id).where(Tenant.status == "active")))
    for tenant_id in tenant_ids:
        apply_retention.apply_async(headers={"tenant_id": tenant_id})
    return len(tenant_ids)

