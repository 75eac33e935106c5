"""The first steps of a new alliance: a checklist on the start page that ticks itself off. Each package registers
its steps (like tenants.navigation's nav_item); a step is done when its `done()` says so (one cheap query each)."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext
from sqlalchemy import select

from core.extensions import db
from tenants.roles import can


@dataclass(frozen=True)
class FirstStep:
    key: str
    label: object  # a lazy string
    endpoint: str
    capability: str
    done: Callable[[object], bool]  # called with the tenant, inside its context
    order: int


FIRST_STEPS: dict[str, FirstStep] = {}
# who sees the checklist: those who set an alliance up
CHECKLIST_ROLES = ("owner", "admin")


def first_step(key: str, label: str, endpoint: str, capability: str, done: Callable[[object], bool],
               order: int) -> None:
    FIRST_STEPS[key] = FirstStep(key, lazy_gettext(label), endpoint, capability, done, order)


def checklist(tenant, role: str | None) -> list[dict] | None:
    """The steps of `tenant` (the current one) for an owner or admin as {key, label, url, done}, or None when
    there is nothing to show (another role, or every step done)."""
    if role not in CHECKLIST_ROLES:
        return None
    steps = []
    for step in sorted(FIRST_STEPS.values(), key=lambda s: s.order):
        if step.endpoint in current_app.view_functions and can(role, step.capability):
            steps.append({"key": step.key, "label": step.label, "url": url_for(step.endpoint),
                          "done": bool(step.done(tenant))})
    if not steps or all(step["done"] for step in steps):
        return None
    return steps


def any_row(model) -> Callable[[object], bool]:
    """A `done` check: the current tenant has at least one row of `model` (one query for one id, through the ORM
    wall)."""
    return lambda tenant: db.session.scalar(select(model.id).limit(1)) is not None
