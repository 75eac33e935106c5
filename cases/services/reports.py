"""Reports for funders: figures per period and agency, anonymous."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select

from cases.models import (
    EMPLOYMENT_STATUSES,
    ESF_EXIT_STATUSES,
    OUTCOMES,
    Case,
    Client,
    Need,
    ServiceEntry,
)
from core.extensions import db
from core.problems import ValidationFailed
from network.models import ServiceArea


def report(date_from: date, date_to: date, agency_id: int | None = None) -> dict:
    """Figures for a period, optionally for one funding agency (cases with a need it is responsible for).

    active: open on at least one day of the period; new: opened in it; closed: closed in it. The
    integration rate is the share of closures with employment taken up (the SGB II key figure for single
    parents).
    """
    if date_to < date_from:
        raise ValidationFailed(_l("Invalid period."), {"date_to": [_l("Must not be before the start.")]})
    cases = select(Case)
    if agency_id:
        cases = cases.where(exists().where(Need.case_id == Case.id, Need.agency_id == agency_id))
    rows = list(db.session.scalars(cases.order_by(Case.id)))
    active = [c for c in rows if c.opened_on <= date_to and (c.closed_on is None or c.closed_on >= date_from)]
    new = [c for c in rows if date_from <= c.opened_on <= date_to]
    closed = [c for c in rows if c.closed_on and date_from <= c.closed_on <= date_to]
    by_outcome = {outcome: 0 for outcome in OUTCOMES}
    for case in closed:
        by_outcome[case.outcome or "other"] += 1
    by_esf = {status: 0 for status in ESF_EXIT_STATUSES}
    for case in closed:
        if case.esf_exit_status:
            by_esf[case.esf_exit_status] += 1
    minutes_by_area: dict[str, int] = {}
    ids = [c.id for c in rows]
    if ids:
        query = (
            select(ServiceArea.name, func.sum(ServiceEntry.minutes))
            .join(
                ServiceArea,
                and_(
                    ServiceArea.id == ServiceEntry.service_area_id,
                    ServiceArea.tenant_id == ServiceEntry.tenant_id,
                ),
            )
            .where(ServiceEntry.on >= date_from, ServiceEntry.on <= date_to, ServiceEntry.case_id.in_(ids))
            .group_by(ServiceArea.name)
            .order_by(ServiceArea.name)
        )
        minutes_by_area = {name: int(total) for name, total in db.session.execute(query)}
    clients = {c.client_id for c in new}
    entry_clients = list(db.session.scalars(select(Client).where(Client.id.in_(clients)))) if clients else []
    return {
        "date_from": date_from,
        "date_to": date_to,
        "active": len(active),
        "new": len(new),
        "closed": len(closed),
        "by_outcome": by_outcome,
        "by_esf_exit": by_esf,
        "integration_rate": (by_outcome["employment"] / len(closed)) if closed else None,
        "minutes_by_area": minutes_by_area,
        "entries_sgb2": sum(1 for c in entry_clients if c.receives_sgb2),
        "entries_by_employment": {
            status: sum(1 for c in entry_clients if c.employment_status == status) for status in EMPLOYMENT_STATUSES
        },
    }


def report_rows(figures: dict) -> list[tuple[str, str, object]]:
    """The report as (section, key, value) rows, for the CSV and XLSX downloads."""
    rows: list[tuple[str, str, object]] = [
        ("period", "from", figures["date_from"].isoformat()),
        ("period", "to", figures["date_to"].isoformat()),
        ("cases", "active", figures["active"]),
        ("cases", "new", figures["new"]),
        ("cases", "closed", figures["closed"]),
        (
            "cases",
            "integration_rate",
            "" if figures["integration_rate"] is None else round(figures["integration_rate"], 3),
        ),
    ]
    rows += [("closures_by_outcome", k, v) for k, v in figures["by_outcome"].items()]
    rows += [("esf_exit_status", k, v) for k, v in figures["by_esf_exit"].items()]
    rows += [("esf_entry_employment", k, v) for k, v in figures["entries_by_employment"].items()]
    rows += [("esf_entry", "receives_sgb2", figures["entries_sgb2"])]
    rows += [("hours_by_service_area", k, round(v / 60, 2)) for k, v in figures["minutes_by_area"].items()]
    return rows
