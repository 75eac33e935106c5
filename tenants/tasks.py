"""Celery tasks of tenants/ (thin: they call services)."""
from sqlalchemy import func, select

from core.celery import celery_app
from core.extensions import db


@celery_app.task(name="tenants.tenant_summary")
def tenant_summary() -> dict:
    """What the current tenant holds, for the admin console and for checking that workers run tenant-scoped."""
    from contracts.models import Agency
    from tenants.context import current_tenant_id
    from tenants.models import Membership

    return {
        "tenant_id": current_tenant_id(),
        "agencies": sorted(db.session.scalars(select(Agency.name))),
        "members": db.session.scalar(select(func.count()).select_from(Membership)),
    }


@celery_app.task(name="tenants.ping", platform_wide=True)
def ping() -> str:
    """A platform-wide task (no tenant): used by readiness checks of workers."""
    return "pong"
