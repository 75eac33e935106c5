"""The current tenant: one context variable, set by the request (URL or token) or by a Celery task.

Code that must see several tenants at once says so with `unscoped()`; that is rare (platform admin, fan-out tasks)
and on PostgreSQL it still sees no tenant rows, because row-level security knows nothing of it.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_tenant_id: ContextVar[int | None] = ContextVar("tenant_id", default=None)
_unscoped: ContextVar[bool] = ContextVar("unscoped", default=False)
# The tenant's time zone (IANA name), entered together with the tenant; None: the platform default (core.clock).
_zone: ContextVar[str | None] = ContextVar("tenant_zone", default=None)


class NoTenantContext(RuntimeError):
    """A tenant-owned table was touched with no tenant in context (the ORM wall fails closed)."""


class CrossTenantWrite(RuntimeError):
    """A flush would write a row that belongs to another tenant than the current one."""


def current_tenant_id() -> int | None:
    return _tenant_id.get()


def is_unscoped() -> bool:
    return _unscoped.get()


def current_zone_name() -> str | None:
    return _zone.get()


@contextmanager
def tenant_context(tenant_id: int, zone: str | None = None) -> Iterator[int]:
    """Run the block as tenant `tenant_id` (whose clock runs in `zone`, default: the platform's)."""
    if tenant_id is None:
        raise NoTenantContext("tenant_context() needs a tenant id")
    token = _tenant_id.set(int(tenant_id))
    zone_token = _zone.set(zone)
    unscoped_token = _unscoped.set(False)
    try:
        yield int(tenant_id)
    finally:
        _unscoped.reset(unscoped_token)
        _zone.reset(zone_token)
        _tenant_id.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """Explicitly platform-wide code: tenant-owned queries are not filtered by the ORM wall."""
    token = _unscoped.set(True)
    tenant_token = _tenant_id.set(None)
    try:
        yield
    finally:
        _tenant_id.reset(tenant_token)
        _unscoped.reset(token)


def set_tenant(tenant_id: int | None, zone: str | None = None):
    """Set the tenant (and its zone) for the rest of the current request; returns the token for `reset_tenant`."""
    return _tenant_id.set(tenant_id), _zone.set(zone)


def reset_tenant(token) -> None:
    tenant_token, zone_token = token
    _zone.reset(zone_token)
    _tenant_id.reset(tenant_token)
