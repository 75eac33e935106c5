"""What is due in case management: reviews, measures, consents about to expire, cases without a service this week.

Each rule is one SQL condition, used twice: by the start page (one COUNT per item) and by the list it links to
(`?due=…` on the case and client lists), so that the number on the start page is the length of the list.
Case managers see their own cases, admins every case (as in case_file.case_query).
"""

from datetime import date, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from cases.models import Case, Client, Consent, Goal, ServiceEntry
from core.audit import Actor
from core.extensions import db
from tenants.roles import can

REVIEW_DAYS = 7  # a review or measure due within a week is on today's list
CONSENT_DAYS = 30  # a consent that expires within a month must be renewed now (asking takes time)
OPEN_GOAL_STATUSES = ("planned", "in_progress")
CASE_DUE_KEYS = ("review", "goals", "no_service")
CLIENT_DUE_KEYS = ("consents",)


def week_start(on: date) -> date:
    """Monday of the week of `on` (the tenant's calendar: `on` is the tenant's today)."""
    return on - timedelta(days=on.weekday())


def _own(actor: Actor):
    """Case managers: their own cases; admins (and the system): all."""
    if actor.role is None or can(actor.role, "cases.all"):
        return None
    return Case.case_manager_id == actor.user_id


def _scoped(query, actor: Actor):
    own = _own(actor)
    return query if own is None else query.where(own)


def _goal_due(on: date):
    return and_(Goal.status.in_(OPEN_GOAL_STATUSES), Goal.due_on.is_not(None),
                Goal.due_on <= on + timedelta(days=REVIEW_DAYS))


def case_condition(key: str, on: date):
    """The condition on Case for the list filter `?due=key`; None for an unknown key."""
    if key == "review":
        return and_(Case.status != "closed", Case.next_review_on.is_not(None),
                    Case.next_review_on <= on + timedelta(days=REVIEW_DAYS))
    if key == "goals":
        return and_(Case.status != "closed", exists().where(Goal.case_id == Case.id, _goal_due(on)))
    if key == "no_service":
        return and_(Case.status == "active", ~exists().where(
            ServiceEntry.case_id == Case.id, ServiceEntry.on >= week_start(on), ServiceEntry.on <= on))
    return None


def _consent_expiring(on: date, actor: Actor):
    """Given consents of the actor's open cases' clients that expire within CONSENT_DAYS and were not renewed."""
    renewal = aliased(Consent)
    clients = _scoped(select(Case.client_id).where(Case.status != "closed"), actor)
    return and_(
        Consent.status == "given", Consent.expires_on.is_not(None),
        Consent.expires_on >= on, Consent.expires_on <= on + timedelta(days=CONSENT_DAYS),
        Consent.client_id.in_(clients),
        ~exists().where(renewal.replaces_id == Consent.id, renewal.status != "withdrawn"),
    )


def client_condition(key: str, on: date, actor: Actor):
    """The condition on Client for the list filter `?due=key`; None for an unknown key."""
    if key == "consents":
        return exists().where(Consent.client_id == Client.id, _consent_expiring(on, actor))
    return None


def count_cases(key: str, actor: Actor, on: date) -> int:
    """How many of the actor's cases the filter `?due=key` lists (one COUNT)."""
    query = _scoped(select(func.count(Case.id)).where(case_condition(key, on)), actor)
    return int(db.session.scalar(query) or 0)


def count_goals_due(actor: Actor, on: date) -> int:
    """Open goals (measures) of the actor's open cases due within REVIEW_DAYS, overdue ones included."""
    query = select(func.count(Goal.id)).join(Case, and_(Case.id == Goal.case_id, Case.tenant_id == Goal.tenant_id))
    query = _scoped(query.where(Case.status != "closed", _goal_due(on)), actor)
    return int(db.session.scalar(query) or 0)


def count_consents_expiring(actor: Actor, on: date) -> int:
    return int(db.session.scalar(select(func.count(Consent.id)).where(_consent_expiring(on, actor))) or 0)
