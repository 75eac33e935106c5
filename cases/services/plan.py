"""Needs and the support plan: goals, measures, approved plan versions."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from cases.models import (
    GOAL_RESPONSIBLE,
    GOAL_STATUSES,
    NEED_PRIORITIES,
    Case,
    Goal,
    Need,
    SupportPlanVersion,
)
from cases.services.case_file import not_before_opening, refuse_if_closed
from cases.services.timeline import record_event
from core import audit
from core import validation as v
from core.audit import Actor
from core.clock import today
from core.extensions import db
from core.problems import Conflict
from network import services as network
from network.models import Agency, Partner


def add_need(case: Case, data: dict, actor: Actor) -> Need:
    refuse_if_closed(case)
    errors = v.Errors()
    area = network.active_area(errors, data.get("service_area"))
    priority = data.get("priority") or "medium"
    v.choice(errors, priority, "priority", NEED_PRIORITIES)
    agency = v.row(errors, Agency, data.get("agency_id"), "agency_id")
    if area is not None and db.session.scalar(
            select(Need.id).where(Need.case_id == case.id, Need.service_area_id == area.id).limit(1)) is not None:
        # one need per area and case: the billing rule reads "the agency responsible for that area" from it
        errors.add("service_area", _l("A need for “%(area)s” is recorded for this case already; change that one "
                                      "instead of adding a second.", area=area.name))
    errors.raise_if_any(_l("The need has invalid fields."))
    need = Need(
        case_id=case.id,
        service_area_id=area.id,
        priority=priority,
        baseline=v.text(data.get("baseline"), 5000),
        note=v.text(data.get("note"), 5000),
        agency_id=agency.id if agency else area.agency_id,
    )
    db.session.add(need)
    db.session.flush()
    record_event(case, "need", f"{area.name} ({priority})", actor)
    audit.record(actor, "need.create", need, diff={"case_id": [None, case.id], "service_area": [None, area.code]})
    return need


def needs_of(case: Case) -> list[Need]:
    return list(db.session.scalars(select(Need).where(Need.case_id == case.id).order_by(Need.id)))



GOAL_TRANSITIONS = {
    "planned": {"in_progress", "cancelled"},
    "in_progress": {"done", "not_done", "cancelled", "planned"},
    "done": set(),
    "not_done": set(),
    "cancelled": set(),
}
GOAL_INITIAL = ("planned", "in_progress")


def _clean_goal(case: Case, data: dict, partial: bool, goal: Goal | None = None) -> dict:
    errors = v.Errors()
    clean: dict = {}
    if "title" in data or not partial:
        clean["title"] = v.text(data.get("title"), 200)
        if not clean["title"]:
            errors.add("title", _l("Required."))
    if "measure" in data or not partial:
        clean["measure"] = v.text(data.get("measure"), 5000)
    if "responsible" in data or not partial:
        clean["responsible"] = data.get("responsible") or "client"
        v.choice(errors, clean["responsible"], "responsible", GOAL_RESPONSIBLE)
    if "partner_id" in data:
        partner = v.row(errors, Partner, data.get("partner_id"), "partner_id")
        clean["partner_id"] = partner.id if partner else None
    for field in ("due_on", "review_on"):
        if field in data or not partial:
            clean[field] = v.date_field(errors, data, field)
            not_before_opening(errors, field, clean[field], case.opened_on)
    responsible = clean.get("responsible", goal.responsible if goal else None)
    partner_id = clean["partner_id"] if "partner_id" in clean else (goal.partner_id if goal else None)
    changes_who = not partial or "responsible" in data or "partner_id" in data
    if changes_who and responsible == "partner" and partner_id is None and "partner_id" not in errors:
        # "a partner is responsible" without saying which one leaves the measure with nobody
        errors.add("partner_id", _l("Choose the partner organisation that is responsible."))
    if "status" in data or not partial:
        status = data.get("status") or "planned"
        v.choice(errors, status, "status", GOAL_STATUSES)
        clean["status"] = status
    errors.raise_if_any(_l("The goal has invalid fields."))
    return clean


def add_goal(case: Case, data: dict, actor: Actor) -> Goal:
    refuse_if_closed(case)
    clean = _clean_goal(case, data, partial=False)
    if clean["status"] not in GOAL_INITIAL:
        raise Conflict(
            _l("A new goal starts as planned or in progress."),
            {"status": ["planned or in_progress"]},
        )
    goal = Goal(case_id=case.id, **clean)
    db.session.add(goal)
    db.session.flush()
    record_event(case, "goal", goal.title, actor)
    audit.record(actor, "goal.create", goal, diff={"case_id": [None, case.id], "status": [None, goal.status]})
    return goal


def update_goal(case: Case, goal: Goal, data: dict, actor: Actor) -> Goal:
    """Edit a goal or move its status (planned → in progress → done / not done; cancelled); finished stay."""
    refuse_if_closed(case)
    clean = _clean_goal(case, data, partial=True, goal=goal)
    if not GOAL_TRANSITIONS[goal.status]:
        raise Conflict(_l("A finished goal can no longer be changed."))
    to = clean.get("status", goal.status)
    if to != goal.status and to not in GOAL_TRANSITIONS[goal.status]:
        allowed = ", ".join(sorted(GOAL_TRANSITIONS[goal.status]))
        raise Conflict(
            _l("This status change is not allowed for the goal."),
            {"status": [_l("Allowed: %(allowed)s.", allowed=allowed)]},
        )
    old = goal.status
    diff = audit.changes(goal, clean)
    if "status" in diff:
        record_event(case, "goal_status", f"{goal.title}: {old} → {to}", actor)
    if diff:
        audit.record(actor, "goal.update", goal, diff=diff)
    return goal


def get_goal(case: Case, goal_id: int) -> Goal:
    return v.get_or_404(Goal, goal_id, Goal.case_id == case.id,
                        message=_l("No such goal in this case."))


def goals_of(case: Case) -> list[Goal]:
    return list(db.session.scalars(select(Goal).where(Goal.case_id == case.id).order_by(Goal.id)))


def approve_plan(case: Case, actor: Actor, on: date | None = None) -> SupportPlanVersion:
    """Freeze the current goals as a new version of the support plan."""
    goals = goals_of(case)
    if not goals:
        raise Conflict(_l("The support plan has no goals yet."))
    number = (
        db.session.scalar(select(func.max(SupportPlanVersion.number)).where(SupportPlanVersion.case_id == case.id)) or 0
    ) + 1
    snapshot = [
        {
            "title": g.title,
            "measure": g.measure,
            "responsible": g.responsible,
            "partner_id": g.partner_id,
            "due_on": g.due_on.isoformat() if g.due_on else None,
            "review_on": g.review_on.isoformat() if g.review_on else None,
            "status": g.status,
        }
        for g in goals
    ]
    version = SupportPlanVersion(
        case_id=case.id,
        number=number,
        approved_on=on or today(),
        approved_by_id=actor.user_id,
        goals=snapshot,
    )
    db.session.add(version)
    db.session.flush()
    record_event(case, "plan", f"v{number}", actor)
    audit.record(actor, "support_plan.approve", version, diff={"number": [None, number]})
    return version


def plan_versions(case: Case) -> list[SupportPlanVersion]:
    return list(
        db.session.scalars(
            select(SupportPlanVersion)
            .where(SupportPlanVersion.case_id == case.id)
            .order_by(SupportPlanVersion.number.desc())
        )
    )
