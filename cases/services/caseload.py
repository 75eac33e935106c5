"""Work views: a case manager's caseload and what is due."""

from datetime import date

from sqlalchemy import func, or_, select

from cases.models import (
    Case,
    Goal,
    ServiceEntry,
)
from core.audit import Actor
from core.clock import today
from core.extensions import db


def my_caseload(actor: Actor, on: date | None = None) -> dict:
    """The case manager's desk: open cases, overdue reviews and measures, own hours this month."""
    on = on or today()
    cases = list(
        db.session.scalars(
            select(Case)
            .where(Case.case_manager_id == actor.user_id, Case.status != "closed")
            .order_by(Case.next_review_on.is_(None), Case.next_review_on, Case.id)
        )
    )
    overdue_reviews = [c for c in cases if c.next_review_on and c.next_review_on < on]
    case_ids = [c.id for c in cases]
    overdue_goals = (
        list(
            db.session.scalars(
                select(Goal)
                .where(
                    Goal.case_id.in_(case_ids),
                    Goal.status.in_(("planned", "in_progress")),
                    or_(Goal.due_on < on, Goal.review_on < on),
                )
                .order_by(Goal.due_on)
            )
        )
        if case_ids
        else []
    )
    month_start = on.replace(day=1)
    minutes = db.session.scalar(
        select(func.coalesce(func.sum(ServiceEntry.minutes), 0)).where(
            ServiceEntry.staff_user_id == actor.user_id, ServiceEntry.on >= month_start, ServiceEntry.on <= on
        )
    )
    return {
        "cases": cases,
        "overdue_reviews": overdue_reviews,
        "overdue_goals": overdue_goals,
        "cases_by_id": {c.id: c for c in cases},
        "minutes_this_month": int(minutes or 0),
    }
