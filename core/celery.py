"""One Celery app, configured from the environment; its tasks enter their tenant (core.tenancy.tasks).

Without CELERY_BROKER_URL (the embedded default) tasks run eagerly in-process.
"""
from celery import Celery
from flask import Flask

from core.tenancy.tasks import TenantTask

celery_app = Celery("buendnisnetz", task_cls=TenantTask)


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
    )
    app.extensions["celery"] = celery_app
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
