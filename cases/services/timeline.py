"""A case's timeline: one line for everything that happens to it."""


from sqlalchemy import select

from cases.models import (
    Case,
    CaseEvent,
)
from core.audit import Actor
from core.extensions import db


def record_event(case: Case, kind: str, detail: str, actor: Actor) -> None:
    db.session.add(CaseEvent(case_id=case.id, kind=kind, detail=detail[:300], user_id=actor.user_id))



def timeline(case: Case, limit: int | None = None) -> list[CaseEvent]:
    """The case's events, newest first; at most `limit` of them (the case file shows the latest)."""
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
    return list(db.session.scalars(query.limit(limit) if limit else query))
