"""One transaction boundary: a request or a task commits once, at its end, and rolls back on any error.

Services flush and never commit. Work that needs the committed data (a Celery task that reads it in another
session) is queued with `after_commit` and runs only once the transaction has committed; a rollback drops it.
"""
import logging
from collections.abc import Callable

from flask import Flask, g
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.extensions import db

log = logging.getLogger(__name__)
_AFTER_COMMIT = "bn_after_commit"


def after_commit(callback: Callable[[], object]) -> None:
    """Run `callback` after the current transaction commits (dropped if it rolls back), inside the tenant that
    queued it: the commit may come after the tenant's context was left (a seed, a CLI command)."""
    from core.tenancy.context import current_tenant_id, current_zone_name, tenant_context

    tenant_id, zone = current_tenant_id(), current_zone_name()

    def in_tenant():
        if tenant_id is None or current_tenant_id() == tenant_id:
            return callback()
        with tenant_context(tenant_id, zone=zone):
            return callback()

    db.session.info.setdefault(_AFTER_COMMIT, []).append(in_tenant)


def roll_back_at_end() -> None:
    """Mark the current request's work as refused: the boundary rolls it back although the page answers 200
    (a form shown again with its errors)."""
    g.bn_roll_back = True


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # SQLAlchemy also reports a released savepoint here; the real commit comes later
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:  # noqa: BLE001 - the data is committed; the failed follow-up is logged, not undone
            log.exception("after-commit callback %r failed", callback)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction) -> None:
    # only when the whole transaction rolls back: a savepoint rolled back inside it (an insert that raced, a
    # duplicate skipped) keeps what was queued for the rest, which still commits
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(_AFTER_COMMIT, None)


def end_request(response):
    """Commit what a successful request did; roll back a refused one (4xx/5xx or marked)."""
    if response.status_code < 400 and not g.pop("bn_roll_back", False):
        db.session.commit()
    else:
        db.session.rollback()
    return response


def init_app(app: Flask) -> None:
    app.after_request(end_request)

    @app.teardown_request
    def _roll_back_on_error(exc=None):
        if exc is not None:
            db.session.rollback()
