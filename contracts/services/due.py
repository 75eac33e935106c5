"""What is due in the contracts: approvals waiting for someone other than their authors, contracts ending, efficiency
reviews, funding approvals (enrolments) ending.

Each rule is one SQL condition on Contract, used by the start page (one COUNT per item) and by the contract list's
`?due=` filter it links to, so the number on the start page is the length of the list.
"""

from datetime import date, timedelta

from sqlalchemy import and_, exists, func, or_, select

from contracts.models import Contract, Enrolment
from contracts.services.reminders import REMINDER_DAYS
from core.audit import Actor, AuditEvent
from core.extensions import db

ENDING_DAYS = REMINDER_DAYS["ends"]  # the same windows as the reminder e-mails
REVIEW_DAYS = REMINDER_DAYS["review"]
ENROLMENT_DAYS = 30
DUE_KEYS = ("approval", "ending", "review", "enrolments")


def _not_an_author(user_id: int | None):
    """Neither drafted nor edited the terms (the four-eyes rule of steps.transition, as SQL)."""
    edited = exists().where(
        AuditEvent.object_type == "contracts", AuditEvent.object_id == Contract.id,
        AuditEvent.action == "contract.update", AuditEvent.actor_user_id == user_id)
    return and_(or_(Contract.drafted_by_id.is_(None), Contract.drafted_by_id != user_id), ~edited)


def enrolment_ending(on: date):
    """Approvals whose planned end is near (one ended early was dealt with: it needs no follow-up)."""
    return and_(Enrolment.ended_on.is_(None), Enrolment.to_on >= on,
                Enrolment.to_on <= on + timedelta(days=ENROLMENT_DAYS))


def condition(key: str, actor: Actor, on: date):
    """The condition on Contract for `?due=key`; None for an unknown key."""
    if key == "approval":
        return and_(Contract.status == "in_review", _not_an_author(actor.user_id))
    if key == "ending":
        return and_(Contract.status == "active", Contract.valid_to.is_not(None), Contract.valid_to >= on,
                    Contract.valid_to <= on + timedelta(days=ENDING_DAYS))
    if key == "review":  # overdue reviews stay on the list until the date is moved on
        return and_(Contract.status == "active", Contract.next_review_on.is_not(None),
                    Contract.next_review_on <= on + timedelta(days=REVIEW_DAYS))
    if key == "enrolments":
        return exists().where(Enrolment.contract_id == Contract.id, enrolment_ending(on))
    return None


def count_contracts(key: str, actor: Actor, on: date) -> int:
    return int(db.session.scalar(select(func.count(Contract.id)).where(condition(key, actor, on))) or 0)


def count_enrolments_ending(actor: Actor, on: date) -> int:
    """Funding approvals (not contracts) that end within ENROLMENT_DAYS."""
    return int(db.session.scalar(select(func.count(Enrolment.id)).where(enrolment_ending(on))) or 0)
