"""One Celery app, configured from the environment; its tasks enter their tenant (core.tenancy.tasks).

Without CELERY_BROKER_URL (the embedded default) tasks run eagerly in-process.
"""
from celery import Celery
from celery.schedules import crontab
from flask import Flask

from core.tenancy.tasks import TenantTask

celery_app = Celery("buendnisnetz", task_cls=TenantTask)

# every package's tasks, for workers (by name: core wires the packages, it does not import them)
TASK_MODULES = ("tenants.tasks", "network.tasks", "cases.tasks", "contracts.tasks", "billing.tasks")
BEAT_SCHEDULE = {
    "cases-retention-nightly": {"task": "cases.apply_retention_all", "schedule": crontab(hour=3, minute=15)},
    "contracts-reminders": {"task": "contracts.send_all_reminders", "schedule": crontab(hour=6, minute=30)},
    # the month (and quarter) just closed, on the 1st to 3rd (a run is idempotent: the later days catch services
    # logged late and a tenant missed on the 1st; issued invoices stay as they are)
    "billing-closed-periods": {"task": "billing.bill_closed_periods_all",
                               "schedule": crontab(hour=4, minute=30, day_of_month="1-3")},
    "billing-dunning-daily": {"task": "billing.send_dunning_all", "schedule": crontab(hour=7, minute=0)},
    # alliances whose grace period after closing is over: their data is deleted for good (tenants.admin.purge)
    "tenants-purge-closed": {"task": "tenants.purge_closed_tenants", "schedule": crontab(hour=2, minute=45)},
    # sign-ups never confirmed within SIGNUP_UNCONFIRMED_DAYS: removed, their slugs free again (tenants.unconfirmed)
    "tenants-remove-unconfirmed": {"task": "tenants.remove_unconfirmed_signups",
                                   "schedule": crontab(hour=2, minute=55)},
}


def init_celery(app: Flask) -> Celery:
    celery_app.flask_app = app
    broker = app.config.get("CELERY_BROKER_URL")
    celery_app.conf.update(
        broker_url=broker or "memory://",
        result_backend=app.config.get("CELERY_RESULT_BACKEND") or ("cache+memory://" if not broker else None),
        task_always_eager=not broker,
        task_eager_propagates=True,
        task_acks_late=True,  # tasks are idempotent; a crash re-delivers
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        timezone="Europe/Berlin",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        include=TASK_MODULES,
        beat_schedule=BEAT_SCHEDULE,
    )
    app.extensions["celery"] = celery_app
    from core.observability import connect_celery_signals

    connect_celery_signals()  # task outcome metrics, request ids in task logs, our log handler in workers
    return celery_app


def broker_reachable() -> bool:
    if celery_app.conf.task_always_eager:
        return True
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001 - readiness reports, never raises
        return False


@celery_app.task(name="core.ping", platform_wide=True)
def ping() -> str:
    """A platform-wide task (no tenant): used by readiness checks of workers."""
    return "pong"
