"""What finance has to do: periods that have ended and are not billed yet, overdue invoices, drafts to issue.

Cheap on purpose (the start page counts on every visit): one COUNT query per item, no rating. A period is "to
bill" when it has ended, a billable contract has its cycle in it, and either no run of it has finished or a service
of it was logged after its last finished run and is not billed yet (late entries; entries a run left unbilled for a
reason stay on the run's report, not here).
"""

from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func, literal, or_, select

from billing import funders, periods
from billing.models import BillingRun, Invoice
from billing.services.invoices import invoices_query
from cases.models import ServiceEntry
from contracts.models import Contract
from core.audit import Actor
from core.extensions import db

MONTHS_BACK = 3  # ended months looked at; older ones are the runs page's business


def recent_periods(on: date) -> list[periods.Period]:
    """The last MONTHS_BACK ended months and the last ended quarter, newest first."""
    found, first = [], on.replace(day=1)
    for _ in range(MONTHS_BACK):
        first = (first - timedelta(days=1)).replace(day=1)
        found.append(periods.month(first.year, first.month))
    this_quarter = periods.period_of("quarterly", on)
    found.append(periods.period_of("quarterly", this_quarter.start - timedelta(days=1)))
    return found


def _to_bill(period: periods.Period):
    last_run = (select(func.max(BillingRun.created_at))
                .where(BillingRun.period == period.key, BillingRun.status == "done").scalar_subquery())
    billable = exists().where(
        Contract.status.in_(funders.BILLABLE_STATES), Contract.billing_cycle == period.cycle,
        or_(Contract.valid_from.is_(None), Contract.valid_from <= period.end),
        or_(Contract.valid_to.is_(None), Contract.valid_to >= period.start))
    late = exists().where(ServiceEntry.billed_at.is_(None), ServiceEntry.on >= period.start,
                          ServiceEntry.on <= period.end, ServiceEntry.created_at > last_run)
    return and_(billable, or_(last_run.is_(None), late))


def count_periods_to_bill(actor: Actor, on: date) -> int:
    """How many of the recent ended periods still need a run (one query)."""
    total = literal(0)
    for period in recent_periods(on):
        total = total + case((_to_bill(period), 1), else_=0)
    return int(db.session.scalar(select(total)) or 0)


def first_period_to_bill(on: date) -> str | None:
    """The oldest recent period still to bill (the start page links to it)."""
    for period in reversed(recent_periods(on)):
        if db.session.scalar(select(case((_to_bill(period), 1), else_=0))):
            return period.key
    return None


def _count(query) -> int:
    return int(db.session.scalar(query.with_only_columns(func.count(Invoice.id)).order_by(None)) or 0)


def count_overdue(actor: Actor, on: date) -> int:
    return _count(invoices_query(status="overdue"))


def count_drafts(actor: Actor, on: date) -> int:
    return _count(invoices_query(status="draft"))
