"""The Celery task base that enters a tenant: tasks carry their tenant (and its time zone) in the message headers.

A task of `TenantTask` runs in a fresh app context and session, inside `tenant_context(<tenant from the
headers>)`; with no tenant it fails unless it is declared `platform_wide=True`. Like a request, a task commits
once at its end and rolls back on any error.
"""
from celery import Task

from core.tenancy.context import NoTenantContext, current_tenant_id, current_zone_name, tenant_context


class TenantTask(Task):
    abstract = True
    platform_wide = False

    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, link=None, link_error=None,
                    shadow=None, **options):
        headers = dict(options.pop("headers", None) or {})
        if "tenant_id" not in headers:
            headers["tenant_id"] = current_tenant_id()
            headers.setdefault("tenant_zone", current_zone_name())
        if headers["tenant_id"] is None and not self.platform_wide:
            raise NoTenantContext(f"task {self.name} sent without a tenant")
        return super().apply_async(args, kwargs, task_id, producer, link, link_error, shadow, headers=headers,
                                   **options)

    def __call__(self, *args, **kwargs):
        tenant_id = _header(self.request, "tenant_id")
        with self.app.flask_app.app_context():
            from core.extensions import db

            try:
                if tenant_id is None:
                    if not self.platform_wide:
                        raise NoTenantContext(f"task {self.name} has no tenant")
                    result = self.run(*args, **kwargs)
                    db.session.commit()
                    return result
                with tenant_context(int(tenant_id), zone=_header(self.request, "tenant_zone")):
                    result = self.run(*args, **kwargs)
                    db.session.commit()  # inside the tenant: the last flush is written as this tenant
                    return result
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()


def _header(request, name):
    value = getattr(request, name, None)
    if value is None and isinstance(getattr(request, "headers", None), dict):
        value = request.headers.get(name)
    return value
