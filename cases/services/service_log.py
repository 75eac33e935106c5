"""The service log: time spent per case and service area, checked against funding, marked when billed."""

from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from cases.models import (
    Case,
    ServiceEntry,
)
from cases.services.timeline import record_event
from core import audit, signals
from core import validation as v
from core.audit import Actor
from core.extensions import db
from core.models import utcnow
from core.problems import Conflict
from network import services as network
from network.models import ServiceArea

MAX_MINUTES = 24 * 60


def _clean_entry(case: Case, data: dict, partial: bool) -> dict:
    errors = v.Errors()
    clean: dict = {}
    if "on" in data or not partial:
        clean["on"] = v.date_field(errors, data, "on", required=True, not_future=True)
        if clean["on"] and case.closed_on and clean["on"] > case.closed_on:
            errors.add("on", _l("The case was closed before this day."))
        if clean["on"] and clean["on"] < case.opened_on:
            errors.add("on", _l("The case was opened after this day."))
    if "minutes" in data or not partial:
        minutes = data.get("minutes")
        if minutes in (None, ""):
            errors.add("minutes", _l("Required."))
        else:
            try:
                clean["minutes"] = int(minutes)
                if isinstance(minutes, float) and minutes != int(minutes):
                    raise ValueError
            except (TypeError, ValueError):
                errors.add("minutes", _l("A whole number of minutes."))
            else:
                if not 1 <= clean["minutes"] <= MAX_MINUTES:
                    errors.add("minutes", _l("Between 1 and 1440 minutes."))
    if "service_area" in data or not partial:
        area = network.active_area(errors, data.get("service_area"))
        clean["service_area_id"] = area.id if area else None
    if "direct" in data or not partial:
        clean["direct"] = True if data.get("direct") is None else bool(data.get("direct"))
    if "note" in data or not partial:
        clean["note"] = v.text(data.get("note"), 5000)
    errors.raise_if_any(_l("The service entry has invalid fields."))
    return clean


def funding_covered(case: Case, on: date, area: ServiceArea) -> bool:
    """True when contracts (funding approvals) confirm funding for this day and area; an entry without it gets
    a warning, and is kept."""
    return True in signals.ask(signals.service_funded, case, on=on, area=area)


def add_service_entry(case: Case, data: dict, actor: Actor) -> tuple[ServiceEntry, bool]:
    """Log a service. Returns (entry, warning): warning when no funding approval covers it (entry kept)."""
    clean = _clean_entry(case, data, partial=False)
    staff = data.get("staff_user_id") or actor.user_id
    entry = ServiceEntry(case_id=case.id, staff_user_id=staff, **clean)
    db.session.add(entry)
    db.session.flush()
    db.session.refresh(entry)
    record_event(case, "service", f"{entry.on.isoformat()} · {entry.minutes} min · {entry.service_area.name}", actor)
    audit.record(
        actor,
        "service_entry.create",
        entry,
        diff={"case_id": [None, case.id], "minutes": [None, entry.minutes]},
    )
    return entry, not funding_covered(case, entry.on, entry.service_area)


def _refuse_if_billed(entry: ServiceEntry) -> None:
    if entry.billed:
        raise Conflict(_l("This service entry has been billed; it can no longer be changed or deleted."))


def update_service_entry(case: Case, entry: ServiceEntry, data: dict, actor: Actor) -> tuple[ServiceEntry, bool]:
    _refuse_if_billed(entry)
    clean = _clean_entry(case, data, partial=True)
    diff = audit.changes(entry, clean)
    db.session.flush()
    db.session.expire(entry, ["service_area"])
    if diff:
        record_event(case, "service_changed", f"{entry.on.isoformat()} · {entry.minutes} min", actor)
        audit.record(actor, "service_entry.update", entry, diff=diff)
    return entry, not funding_covered(case, entry.on, entry.service_area)


def delete_service_entry(case: Case, entry: ServiceEntry, actor: Actor) -> None:
    _refuse_if_billed(entry)
    record_event(case, "service_deleted", f"{entry.on.isoformat()} · {entry.minutes} min", actor)
    audit.record(actor, "service_entry.delete", entry, diff={"minutes": [entry.minutes, None]})
    db.session.delete(entry)


def get_service_entry(case: Case, entry_id: int) -> ServiceEntry:
    return v.get_or_404(ServiceEntry, entry_id, ServiceEntry.case_id == case.id,
                        message=_l("No such service entry in this case."))


def entries_of(case: Case):
    return select(ServiceEntry).where(ServiceEntry.case_id == case.id)


def entry_list_columns(case: Case):
    """A case's log as the API lists it: rows of the entry's columns and its service area's code (one join),
    see cases.schemas.service_entry_item."""
    return (select(ServiceEntry.id, ServiceEntry.case_id, ServiceEntry.on, ServiceEntry.minutes,
                   ServiceArea.code.label("service_area"), ServiceEntry.direct, ServiceEntry.note,
                   ServiceEntry.staff_user_id, ServiceEntry.billed_at)
            .join(ServiceArea, (ServiceArea.id == ServiceEntry.service_area_id)
                  & (ServiceArea.tenant_id == ServiceEntry.tenant_id))
            .where(ServiceEntry.case_id == case.id))


def entry_totals(case: Case) -> tuple[int, int]:
    """(number of entries, minutes) of the case, counted in SQL whatever the size of the log."""
    count, minutes = db.session.execute(
        select(func.count(ServiceEntry.id), func.coalesce(func.sum(ServiceEntry.minutes), 0))
        .where(ServiceEntry.case_id == case.id)).one()
    return int(count), int(minutes)


def latest_entries(case: Case, page: int = 1, size: int = 50) -> list[ServiceEntry]:
    """One page of the log, newest first (the case file never loads the whole log)."""
    query = entries_of(case).order_by(ServiceEntry.on.desc(), ServiceEntry.id.desc())
    return list(db.session.scalars(query.limit(size).offset((max(page, 1) - 1) * size)))


def mark_billed(
    entries: Iterable[ServiceEntry],
    actor: Actor,
    invoice_line_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Billing's mark: from now on the entries are immutable; billing one twice is a conflict."""
    entries = list(entries)
    if already := [e for e in entries if e.billed]:
        raise Conflict(_l("The service entries of %(days)s have been billed already.",
                          days=", ".join(sorted({e.on.strftime("%d.%m.%Y") for e in already}))))
    at = at or utcnow()
    for entry in entries:
        entry.billed_at, entry.invoice_line_id = at, invoice_line_id
        audit.record(actor, "service_entry.bill", entry, diff={"invoice_line_id": [None, invoice_line_id]})


def release_billed(entries: Iterable[ServiceEntry], actor: Actor) -> None:
    """A credit note releases its entries for a later run."""
    for entry in entries:
        if entry.billed:
            audit.record(actor, "service_entry.release", entry, diff={"invoice_line_id": [entry.invoice_line_id, None]})
            entry.billed_at, entry.invoice_line_id = None, None


def unbilled_entries(start: date, end: date) -> list[ServiceEntry]:
    """For billing: unbilled entries dated within [start, end]."""
    return list(
        db.session.scalars(
            select(ServiceEntry)
            .where(ServiceEntry.billed_at.is_(None), ServiceEntry.on >= start, ServiceEntry.on <= end)
            .order_by(ServiceEntry.id)
        )
    )
