"""One Celery app, configured from the environment. Tasks carry their tenant in the message headers.

Without CELERY_BROKER_URL (the embedded default) tasks run eagerly in-process. A task of `TenantTask` runs in a
fresh app context and session, inside `tenant_context(<tenant from the headers>)`; with no tenant it fails unless
it is declared `platform_wide=True`.
"""
from celery import Celery, Task
from flask import Flask

from tenants.context import NoTenantContext, current_tenant_id, tenant_context

celery_app = Celery("buendnisnetz")
_flask_app: Flask | None = None


class TenantTask(Task):
    abstract = True
    platform_wide = False

    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, link=None, link_error=None,
                    shadow=None, **options):
        headers = dict(options.pop("headers", None) or {})
        if "tenant_id" not in headers:
            headers["tenant_id"] = current_tenant_id()
        if headers["tenant_id"] is None and not self.platform_wide:
            raise NoTenantContext(f"task {self.name} sent without a tenant")
        return super().apply_async(args, kwargs, task_id, producer, link, link_error, shadow, headers=headers,
                                   **options)

    def __call__(self, *args, **kwargs):
        tenant_id = _header(self.request, "tenant_id")
        app = _flask_app
        with app.app_context():
            from core.extensions import db

            try:
                if tenant_id is None:
                    if not self.platform_wide:
                        raise NoTenantContext(f"task {self.name} has no tenant")
                    return self.run(*args, **kwargs)
                with tenant_context(int(tenant_id)):
                    return self.run(*args, **kwargs)
            finally:
                db.session.remove()


def _header(request, name):
    value = getattr(request, name, None)
    if value is None and isinstance(getattr(request, "headers", None), dict):
        value = request.headers.get(name)
    return value


def init_celery(app: Flask) -> Celery:
    global _flask_app
    _flask_app = app
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
    celery_app.Task = TenantTask
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
