"""Celery tasks of tenants/ (thin: they call services)."""
from sqlalchemy import func, select

from core.celery import celery_app
from core.extensions import db


@celery_app.task(name="tenants.tenant_summary")
def tenant_summary(hold_seconds: float = 0.0) -> dict:
    """What the current tenant holds, for the admin console and for checking that workers run tenant-scoped.

    `hold_seconds` (at most 2) keeps the task's transaction open between two reads, so tests can make tasks of
    several tenants overlap on one worker and show that neither sees the other's rows.
    """
    import time

    from contracts.models import Agency
    from core.tenancy.context import current_tenant_id
    from tenants.models import Membership

    started = time.time()
    agencies = sorted(db.session.scalars(select(Agency.name)))
    time.sleep(max(0.0, min(float(hold_seconds), 2.0)))
    return {
        "tenant_id": current_tenant_id(),
        "agencies": agencies,
        "agencies_after_hold": sorted(db.session.scalars(select(Agency.name))),
        "members": db.session.scalar(select(func.count()).select_from(Membership)),
        "started": started,
        "finished": time.time(),
    }


@celery_app.task(name="tenants.ping", platform_wide=True)
def ping() -> str:
    """A platform-wide task (no tenant): used by readiness checks of workers."""
    return "pong"
