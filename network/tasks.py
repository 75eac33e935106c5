"""Celery tasks of network/ (thin: they read or call services)."""
import time

from sqlalchemy import func, select

from core.celery import celery_app
from core.extensions import db
from core.tenancy.context import current_tenant_id
from network.models import Agency
from tenants.models import Membership


@celery_app.task(name="network.tenant_summary")
def tenant_summary(hold_seconds: float = 0.0) -> dict:
    """What the current tenant holds, for checking that workers run tenant-scoped.

    `hold_seconds` (at most 2) keeps the task's transaction open between two reads, so tests can make tasks of
    several tenants overlap on one worker and show that neither sees the other's rows.
    """
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
