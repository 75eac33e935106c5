"""The platform admin console's services: the tenants with their usage, suspending and reactivating, the
impersonation's audit, the export of a tenant's complete data, closing with a grace period and the purge after it.

Everything that concerns one alliance is recorded in that alliance's own audit log (inside its tenant context);
the tables are found generically (TenantScoped models and the foreign-key graph) and what the law makes us keep is
asked of the higher layers (core.signals.retention_holds), so nothing here imports them.
"""
import json
import os
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import delete, func, select

from core import audit, clock, signals, storage
from core.audit import Actor, AuditEvent
from core.extensions import db
from core.models import TenantScoped
from core.problems import Conflict, ValidationFailed
from core.search import where_matches
from core.tenancy.context import tenant_context
from tenants import impersonation
from tenants.models import Membership, Tenant, User

STATUS_LABELS = {
    "active": lazy_pgettext("status", "Active"),  # not contracts' "Active" (in force)
    "suspended": _l("Suspended"),
    "closing": _l("Closing"),
    "closed": _l("Closed"),
}
USAGE_KEYS = ("members", "active_cases", "invoices_this_year", "storage_bytes")
# sortable columns of the tenant list: a column of the tenants table, or one of the usage figures
SORT_COLUMNS = {
    "name": func.lower(Tenant.name),
    "slug": Tenant.slug,
    "status": Tenant.status,
    "plan": Tenant.plan,
    "subscription": Tenant.subscription_status,
    "created": Tenant.created_at,
}
SORTS = (*SORT_COLUMNS, *USAGE_KEYS)
PAGE_SIZE = 25
# sorting by usage computes the usage of every tenant found; beyond this many, narrow the search first
USAGE_SORT_LIMIT = 2000
REASON_MAX = 500
EXPORT_README = """Datenexport aus Bündnisnetz
===========================

Dieses Archiv enthält alle Daten des Bündnisses „{name}“ (Kürzel {slug}), Stand {when} (UTC).

- tenant.json: die Angaben des Bündnisses (Rechnungssteller, Tarif, Abonnement, Status).
- members.json: die Mitglieder mit E-Mail-Adresse, Name und Rolle.
- tables/<Tabelle>.json: je Tabelle alle Zeilen des Bündnisses, nach ihrer Nummer (id) geordnet; Datumsangaben im
  Format ISO 8601, Geldbeträge in Cent (Felder, die auf _cents enden).
- files/: alle gespeicherten Dateien des Bündnisses (Vorlagen, Verträge, Rechnungen, unterschriebene Kopien) unter
  demselben Pfad, den die Tabellen nennen (ohne die führende Nummer des Bündnisses).

Das Archiv enthält personenbezogene Daten, auch Sozialdaten (§ 67 SGB X). Bitte bewahren Sie es geschützt auf und
löschen Sie es, sobald Sie es nicht mehr brauchen.
"""


@dataclass
class TenantRow:
    tenant: Tenant
    usage: dict


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def platform_actor(user, ip: str | None) -> Actor:
    """A platform admin as the actor of the console, named as such in the tenant's audit log."""
    # a stable mark, shown translated (core.labels.actor_text)
    return Actor(user_id=user.id, role="platform_admin", ip=ip, label=f"{user.email} [platform_admin]")


# --- the tenant list ---------------------------------------------------------------------------------------------

def storage_bytes(tenant_id: int) -> int:
    """The bytes of every file under the tenant's storage prefix."""
    total = 0
    for folder, _dirs, files in os.walk(storage.tenant_prefix(tenant_id)):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(folder, name))
            except OSError:
                continue  # removed meanwhile
    return total


def usage_of(tenant: Tenant) -> dict:
    """Members, active cases, invoices this year (from the higher layers) and storage of one tenant: one query
    per figure, inside the tenant's context."""
    with tenant_context(tenant.id, tenant.timezone):
        usage = {"members": db.session.scalar(select(func.count(Membership.id)))}
        for answer in signals.ask(signals.tenant_usage, tenant):
            usage.update(answer)
    usage["storage_bytes"] = storage_bytes(tenant.id)
    return {key: usage.get(key, 0) for key in USAGE_KEYS} | usage


def list_tenants(search: str = "", sort: str = "name", descending: bool = False, page: int = 1,
                 per_page: int = PAGE_SIZE) -> tuple[list[TenantRow], int]:
    """One page of tenants (name or slug containing `search`, case-insensitive) sorted by a whitelisted column,
    each with its usage; and how many tenants were found."""
    sort = sort if sort in SORTS else "name"
    query = select(Tenant)
    query = where_matches(query, search, Tenant.name, Tenant.slug)  # folded and literal (core.search)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    offset = (max(page, 1) - 1) * per_page
    if sort in SORT_COLUMNS:
        column = SORT_COLUMNS[sort]
        order = (column.desc() if descending else column.asc(), Tenant.id.desc() if descending else Tenant.id)
        tenants = db.session.scalars(query.order_by(*order).limit(per_page).offset(offset)).all()
        return [TenantRow(t, usage_of(t)) for t in tenants], total
    rows = [TenantRow(t, usage_of(t)) for t in db.session.scalars(query.order_by(Tenant.id).limit(USAGE_SORT_LIMIT))]
    rows.sort(key=lambda row: (row.usage.get(sort) or 0, row.tenant.id), reverse=descending)
    return rows[offset:offset + per_page], total


# --- one tenant --------------------------------------------------------------------------------------------------

def members_of(tenant: Tenant) -> list[Membership]:
    with tenant_context(tenant.id, tenant.timezone):
        return list(db.session.scalars(select(Membership).join(User, User.id == Membership.user_id)
                                       .order_by(User.email)))


def audit_page(tenant: Tenant, page: int, per_page: int = 50) -> tuple[list[AuditEvent], int]:
    """The tenant's latest audit events, newest first, and how many there are."""
    with tenant_context(tenant.id, tenant.timezone):
        total = db.session.scalar(select(func.count(AuditEvent.id)))
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                          .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return events, total


def record_for(tenant: Tenant, actor: Actor, action: str, diff: dict | None = None) -> None:
    """An event in the tenant's own audit log (written inside its context, so the wall stamps it)."""
    with tenant_context(tenant.id, tenant.timezone):
        audit.record(actor, action, tenant, object_type="tenant", diff=diff)
        db.session.flush()


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Please give a reason."), {"reason": [_l("Please give a reason.")]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_l("The reason is too long."), {"reason": [_l("At most 500 characters.")]})
    return reason


def _set_status(tenant: Tenant, status: str, reason: str, actor: Actor, action: str,
                closes_at: datetime | None = None) -> Tenant:
    diff = audit.changes(tenant, {"status": status, "status_reason": reason, "closes_at": closes_at})
    tenant.status_changed_at = clock.utcnow()
    record_for(tenant, actor, action, diff={**diff, "reason": [None, reason]})
    db.session.flush()
    return tenant


def suspend(tenant: Tenant, reason: str, actor: Actor) -> Tenant:
    """Make an active alliance read-only (its data stays, the export stays possible)."""
    reason = _reason(reason)
    if tenant.status != "active":
        raise Conflict(_l("Only an active alliance can be suspended."))
    return _set_status(tenant, "suspended", reason, actor, "tenant.suspend")


def reactivate(tenant: Tenant, reason: str, actor: Actor) -> Tenant:
    """Let a suspended alliance write again, or cancel its closing before the grace period ends."""
    reason = _reason(reason)
    if tenant.status not in ("suspended", "closing"):
        raise Conflict(_l("Only a suspended or closing alliance can be reactivated."))
    if tenant.is_closing and tenant.closes_at is not None and clock.utcnow() >= tenant.closes_at:
        raise Conflict(_l("The grace period is over; the alliance's data is being deleted."))
    return _set_status(tenant, "active", reason, actor, "tenant.reactivate")


def closing_date() -> datetime:
    return clock.utcnow() + timedelta(days=current_app.config["TENANT_CLOSING_GRACE_DAYS"])


def close(tenant: Tenant, reason: str, actor: Actor) -> Tenant:
    """Start closing an alliance: read-only now, its data deleted for good after the grace period."""
    reason = _reason(reason)
    if tenant.status not in ("active", "suspended"):
        raise Conflict(_l("This alliance is already being closed or closed."))
    return _set_status(tenant, "closing", reason, actor, "tenant.close", closes_at=closing_date())


# --- impersonation -----------------------------------------------------------------------------------------------

def start_impersonation(tenant: Tenant, reason: str, actor: Actor) -> dict:
    """Begin a time-limited, read-only impersonation (the caller checked the second factor)."""
    reason = _reason(reason)
    if tenant.status == "closed":
        raise Conflict(_l("This alliance is closed."))
    previous = impersonation.entry()
    if previous is not None:
        stop_impersonation(actor, ended="replaced")
    data = impersonation.begin(tenant.id, reason)
    record_for(tenant, actor, "impersonation.started",
               diff={"reason": [None, reason],
                     "until": [None, datetime.fromtimestamp(data["until"], UTC).isoformat()]})
    return data


def stop_impersonation(actor: Actor, ended: str = "stopped") -> Tenant | None:
    """End the session's impersonation (stopped, expired or replaced) and record it; the tenant it was of."""
    data = impersonation.end()
    if data is None or not isinstance(data.get("tenant_id"), int):
        return None
    tenant = db.session.get(Tenant, data["tenant_id"])
    if tenant is not None:
        record_for(tenant, actor, "impersonation.ended", diff={"ended": [None, ended]})
    return tenant


def end_expired_impersonation(actor: Actor) -> Tenant | None:
    data = impersonation.entry()
    if data is not None and impersonation.is_expired(data):
        return stop_impersonation(actor, ended="expired")
    return None


# --- the export --------------------------------------------------------------------------------------------------

def tenant_tables():
    """Every tenant-owned table, parents before children (the foreign-key order)."""
    names = {m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)}
    return [table for table in db.metadata.sorted_tables if table.name in names]


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _rows(table, tenant_id: int) -> list[dict]:
    query = (select(table).where(table.c.tenant_id == tenant_id)
             .order_by(*table.primary_key.columns))
    return [{key: _plain(value) for key, value in row._mapping.items()} for row in db.session.execute(query)]


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, default=str)


def export_tenant(tenant: Tenant, actor: Actor):
    """The tenant's complete data as a ZIP in a temporary file (open, at its start; deleted when closed): one JSON
    file per tenant-owned table, tenant.json, members.json, every stored file and a README in German."""
    archive = tempfile.TemporaryFile(suffix=".zip")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        now = clock.utcnow()
        zf.writestr("README.txt", EXPORT_README.format(name=tenant.name, slug=tenant.slug,
                                                       when=now.strftime("%Y-%m-%d %H:%M")))
        zf.writestr("tenant.json", _json({c.key: _plain(getattr(tenant, c.key)) for c in Tenant.__table__.columns}))
        with tenant_context(tenant.id, tenant.timezone):
            for table in sorted(tenant_tables(), key=lambda t: t.name):
                zf.writestr(f"tables/{table.name}.json", _json(_rows(table, tenant.id)))
            members = db.session.execute(select(Membership.id, Membership.role, User.id.label("user_id"), User.email,
                                                User.name).join(User, User.id == Membership.user_id)
                                         .order_by(Membership.id)).all()
            zf.writestr("members.json", _json([dict(row._mapping) for row in members]))
            audit.record(actor, "tenant.exported", tenant, object_type="tenant")
            db.session.flush()
        prefix = storage.tenant_prefix(tenant.id)
        for folder, _dirs, files in os.walk(prefix):
            for name in sorted(files):
                full = os.path.join(folder, name)
                zf.write(full, "files/" + os.path.relpath(full, prefix).replace(os.sep, "/"))
    archive.seek(0)
    return archive


def export_name(tenant: Tenant) -> str:
    return f"buendnisnetz-{tenant.slug}-{clock.utcnow():%Y-%m-%d}.zip"


# --- the purge after the grace period ----------------------------------------------------------------------------

def due_for_purge(now: datetime | None = None) -> list[int]:
    """Ids of the tenants whose closing date has passed (platform-wide: the tenants table has no tenant)."""
    now = now or clock.utcnow()
    return list(db.session.scalars(select(Tenant.id).where(Tenant.status == "closing", Tenant.closes_at <= now)
                                   .order_by(Tenant.id)))


def _keep_referenced(keep: dict, tables: dict, tenant_id: int) -> None:
    """Add to `keep` every row that a kept row references through a foreign key, until nothing changes (a
    credit note keeps its invoice, an invoice its contract and agency, a contract its template…)."""
    changed = True
    while changed:
        changed = False
        for name, ids in list(keep.items()):
            table = tables.get(name)
            if table is None or not ids:
                continue
            for fk in table.foreign_key_constraints:
                target = fk.referred_table
                local = next((e.parent for e in fk.elements if e.column.name == "id"), None)
                if target.name not in tables or local is None:
                    continue
                found = set(db.session.scalars(select(local).distinct().where(
                    table.c.tenant_id == tenant_id, table.c.id.in_(ids), local.is_not(None))))
                if not found <= keep[target.name]:
                    keep[target.name] |= found
                    changed = True


def _kept_files(keep: dict, tables: dict, tenant_id: int) -> set[str]:
    """The stored files that kept rows point at (columns named `path` or `…_path`)."""
    paths = set()
    for name, ids in keep.items():
        table = tables.get(name)
        if table is None or not ids:
            continue
        for column in table.columns:
            if column.name == "path" or column.name.endswith("_path"):
                paths |= {p for p in db.session.scalars(select(column).where(
                    table.c.tenant_id == tenant_id, table.c.id.in_(ids))) if p}
    return paths


def _delete_files(tenant_id: int, kept: set[str]) -> int:
    root = storage.tenant_prefix(tenant_id).parent
    deleted = 0
    for folder, _dirs, files in os.walk(storage.tenant_prefix(tenant_id), topdown=False):
        for name in files:
            full = os.path.join(folder, name)
            if os.path.relpath(full, root).replace(os.sep, "/") not in kept:
                os.unlink(full)
                deleted += 1
        if not os.listdir(folder):
            os.rmdir(folder)
    return deleted


def purge(tenant: Tenant, actor: Actor) -> dict:
    """Delete a closing tenant's rows and files for good once its closing date has passed, except what the law
    keeps (asked of the higher layers) and the append-only audit log; the tenant row stays as a tombstone
    ("closed") listing what was kept. Idempotent: a closed tenant is left as it is."""
    if tenant.status == "closed":
        return tenant.kept_after_purge or {}
    if not tenant.is_closing or tenant.closes_at is None or clock.utcnow() < tenant.closes_at:
        raise Conflict(_l("Only a closing alliance whose grace period is over can be deleted."))
    with tenant_context(tenant.id, tenant.timezone):
        holds = signals.ask(signals.retention_holds, tenant, today=clock.today())
        keep: dict[str, set] = defaultdict(set)
        for hold in holds:
            for name, ids in hold.rows.items():
                keep[name] |= set(ids)
        all_tables = tenant_tables()
        tables = {table.name: table for table in all_tables}
        _keep_referenced(keep, tables, tenant.id)
        files = _kept_files(keep, tables, tenant.id)
        deleted = {}
        for table in reversed(all_tables):
            if table.name == AuditEvent.__tablename__:
                continue  # append-only (the runtime role may not delete it); it records the closing itself
            statement = delete(table).where(table.c.tenant_id == tenant.id)
            if keep.get(table.name):
                statement = statement.where(table.c.id.not_in(sorted(keep[table.name])))
            deleted[table.name] = db.session.execute(statement).rowcount
        deleted_files = _delete_files(tenant.id, files)
        until = max((hold.until for hold in holds), default=None)
        kept = {"tables": {name: len(ids) for name, ids in sorted(keep.items()) if ids}, "files": len(files),
                "until": until.isoformat() if until else None, "reasons": sorted({hold.reason for hold in holds})}
        audit.record(actor, "tenant.purged", tenant, object_type="tenant",
                     diff={"deleted": [None, {k: v for k, v in deleted.items() if v}],
                           "deleted_files": [None, deleted_files], "kept": [None, kept]})
        db.session.flush()
    tenant.status = "closed"
    tenant.purged_at = clock.utcnow()
    tenant.kept_after_purge = kept
    db.session.flush()
    return kept
