"""Celery tasks of contracts/ (thin: they call services)."""


from core import clock
from core.celery import celery_app
from core.extensions import db
from core.tenancy.context import current_tenant_id


@celery_app.task(name="contracts.convert_document_pdf")
def convert_document_pdf(document_id: int) -> str:
    """Turn a rendered contract into PDF; idempotent (a finished PDF is not converted again)."""
    from contracts import services

    doc = services.convert_pdf(document_id, current_tenant_id())
    return doc.pdf_status if doc is not None else "missing"


@celery_app.task(name="contracts.send_all_reminders", platform_wide=True)
def send_all_reminders() -> int:
    """Beat entry point: one reminder task per active tenant (the fan-out carries each tenant in its
    headers)."""
    from sqlalchemy import select

    from tenants.models import Tenant

    tenant_ids = list(db.session.scalars(select(Tenant.id).where(Tenant.status == "active")))
    for tenant_id in tenant_ids:
        send_tenant_reminders.apply_async(headers={"tenant_id": tenant_id})
    return len(tenant_ids)


@celery_app.task(name="contracts.send_tenant_reminders")
def send_tenant_reminders() -> int:
    """Contract-end and efficiency-review reminders of the current tenant (each event once)."""
    from contracts import services
    from tenants.models import Tenant

    tenant = db.session.get(Tenant, current_tenant_id())
    return services.send_reminders(tenant, clock.today())

