"""Celery tasks of billing/ (thin: they call services). A run is one task that lists the contracts, then one
task per contract (each commits on its own); beat fans out to one task per tenant."""

from core import clock, transactions
from core.celery import celery_app
from core.extensions import db
from core.tenancy.context import current_tenant_id


@celery_app.task(name="billing.begin_run")
def begin_run(run_id: int) -> int:
    from billing.services import runs

    todo = runs.begin(run_id)
    for contract_id in todo:
        transactions.after_commit(lambda c=contract_id: bill_contract.delay(run_id, c))
    return len(todo)


@celery_app.task(name="billing.bill_contract", bind=True, max_retries=3)
def bill_contract(self, run_id: int, contract_id: int):
    from billing.services import runs

    try:
        return runs.bill_contract(run_id, contract_id)
    except Exception as exc:  # noqa: BLE001 - recorded on the run (its page shows it), then re-raised
        db.session.rollback()
        runs.fail(run_id, f"{type(exc).__name__}: {exc}")
        db.session.commit()
        raise


@celery_app.task(name="billing.bill_closed_periods_all", platform_wide=True)
def bill_closed_periods_all() -> int:
    """Beat, on the first days of a month: one task per active tenant bills the month (and quarter) just closed."""
    from sqlalchemy import select

    from tenants.models import Tenant

    tenants = db.session.execute(select(Tenant.id, Tenant.timezone).where(Tenant.status == "active")).all()
    for tenant_id, zone in tenants:
        bill_closed_periods.apply_async(headers={"tenant_id": tenant_id, "tenant_zone": zone})
    return len(tenants)


@celery_app.task(name="billing.bill_closed_periods")
def bill_closed_periods() -> list[int]:
    from billing.services import invoices, runs
    from core.audit import Actor

    actor = Actor.system("beat")
    return [runs.start_run(key, actor, trigger="beat").id for key in invoices.closed_periods(clock.today())]


@celery_app.task(name="billing.make_documents")
def make_documents(invoice_id: int) -> str:
    from billing.services import documents

    return documents.make_files(invoice_id, current_tenant_id())


@celery_app.task(name="billing.send_dunning_all", platform_wide=True)
def send_dunning_all() -> int:
    from sqlalchemy import select

    from tenants.models import Tenant

    tenants = db.session.execute(select(Tenant.id, Tenant.timezone).where(Tenant.status == "active")).all()
    for tenant_id, zone in tenants:
        send_dunning.apply_async(headers={"tenant_id": tenant_id, "tenant_zone": zone})
    return len(tenants)


@celery_app.task(name="billing.send_dunning")
def send_dunning() -> int:
    from billing.services import invoices
    from tenants.models import Tenant

    return invoices.send_dunning(db.session.get(Tenant, current_tenant_id()), clock.today())
