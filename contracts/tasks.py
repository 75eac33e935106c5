"""Celery tasks of contracts/ (thin: they call services)."""

from core.celery import celery_app
from core.extensions import db
from tenants.context import current_tenant_id


@celery_app.task(name="contracts.convert_document_pdf", bind=True, max_retries=2)
def convert_document_pdf(self, document_id: int) -> str:
    """Turn a rendered contract into PDF; idempotent (a finished PDF is not converted again)."""
    from contracts import services

    doc = services.convert_pdf(document_id, current_tenant_id())
    db.session.commit()
    return doc.pdf_status if doc is not None else "missing"
