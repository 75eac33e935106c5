"""The ORM wall: every SELECT on a tenant-owned model is filtered, every write is stamped and checked.

On PostgreSQL the same tenant is also written into the transaction-local setting `app.tenant_id`, which the
row-level security policies of the migrations read (the second wall). `install()` (called by create_app) puts both
on the Session class.
"""
from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from core.models import TenantScoped
from core.tenancy.context import CrossTenantWrite, NoTenantContext, current_tenant_id, is_unscoped

_SETTING_KEY = "bn_tenant_setting"


def _tenant_tables() -> set[str]:
    return {m.local_table.name for m in _all_tenant_mappers()}


def _all_tenant_mappers():
    from core.extensions import db

    return [m for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)]


def _touches_tenant_rows(state: ORMExecuteState) -> bool:
    """True if any table of the statement, in joins and subqueries too, is tenant-owned."""
    if any(issubclass(m.class_, TenantScoped) for m in state.all_mappers):
        return True
    tables = _tenant_tables()
    return any(getattr(t, "name", None) in tables
               for t in find_tables(state.statement, include_aliases=True, include_joins=True, include_crud=True))


def _sync_pg_setting(connection, tenant_id: int | None) -> None:
    """Make the connection's transaction-local `app.tenant_id` equal the current tenant ('' matches no row).

    Written when it differs from what this transaction holds, so once per transaction and tenant: a round trip
    of its own only before the first statement that runs as a tenant."""
    if connection.dialect.name != "postgresql":
        return
    wanted = "" if tenant_id is None else str(tenant_id)
    if connection.info.get(_SETTING_KEY, "") != wanted:
        connection.exec_driver_sql("SELECT set_config('app.tenant_id', %(t)s, true)", {"t": wanted})
        connection.info[_SETTING_KEY] = wanted


def _on_begin(session, transaction, connection):
    # set_config(..., true) ends with the transaction: a new one starts without a tenant, as if it were '' (the
    # policies read NULLIF(current_setting('app.tenant_id', true), ''), and nothing here sets it for the
    # session). So a transaction without a tenant (the login's user lookup) costs no set_config at all.
    connection.info[_SETTING_KEY] = ""
    if current_tenant_id() is not None:
        _sync_pg_setting(connection, current_tenant_id())


def _filter_by_tenant(state: ORMExecuteState):
    tenant_id = current_tenant_id()
    if state.session.in_transaction():
        _sync_pg_setting(state.session.connection(state.bind_arguments), tenant_id)
    if state.is_column_load or not (state.is_select or state.is_update or state.is_delete):
        return
    if tenant_id is None:
        if is_unscoped() or not _touches_tenant_rows(state):
            return
        raise NoTenantContext("query on tenant-owned data without a tenant context")
    # Always add the criteria: it applies to every tenant entity wherever it appears (FROM, joins, subqueries),
    # also where the statement's top-level mappers do not reveal it (count(*) ... select_from(Model)).
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


def _stamp_and_check(session: Session, flush_context, instances):
    tenant_id = current_tenant_id()
    # Flushes do not pass through do_orm_execute: align the PostgreSQL setting here too.
    if session.new or session.dirty or session.deleted:
        _sync_pg_setting(session.connection(), tenant_id)
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if tenant_id is None:
            if is_unscoped():
                continue
            raise NoTenantContext(f"writing {type(obj).__name__} without a tenant context")
        if obj in session.new and obj.tenant_id is None:
            obj.tenant_id = tenant_id
        if obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} of tenant {obj.tenant_id} written as tenant {tenant_id}")


def install() -> None:
    """Put the wall on every Session (idempotent: SQLAlchemy keeps one listener per function)."""
    for name, listener in (("after_begin", _on_begin), ("do_orm_execute", _filter_by_tenant),
                           ("before_flush", _stamp_and_check)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def set_pg_tenant(session: Session, tenant_id: int | None) -> None:
    """For raw-SQL tests and maintenance: write the setting on the session's current connection."""
    value = "" if tenant_id is None else str(tenant_id)
    session.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": value})
