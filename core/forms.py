"""Shared form pieces: every form is a Flask-WTF form (CSRF); a service's refusal is shown, and rolled back.

Views never commit (the request does, once, core.transactions); when a service refuses, these helpers roll the
transaction back at once, so the page shown next reads the database as it was.
"""
from flask import flash
from flask_wtf import FlaskForm

from core.extensions import db
from core.problems import ServiceError


def apply_service_errors(form: FlaskForm, exc: ServiceError) -> None:
    """Show a service's field errors next to the fields; the rest at the top of the form."""
    for field_name, messages in (exc.errors or {}).items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)
    if not exc.errors:
        form.form_errors.append(exc.detail)


def run_form(form: FlaskForm, action, apply=None):
    """Call a service for a validated form: its result (True for None), or None after mapping a refusal onto
    the form (with `apply`, default `apply_service_errors`) and rolling back."""
    try:
        result = action()
    except ServiceError as exc:
        db.session.rollback()
        (apply or apply_service_errors)(form, exc)
        return None
    return True if result is None else result


def flash_outcome(action, success_message):
    """Run a service call from a button (no form to show again): flash `success_message` (or what it returns
    for the result, when it is a callable), or roll back and flash the service's own message. The result (True
    for None) when it succeeded, else None."""
    try:
        result = action()
    except ServiceError as exc:
        db.session.rollback()
        flash(problem_text(exc), "error")
        return None
    flash(str(success_message(result) if callable(success_message) else success_message), "success")
    return True if result is None else result


def problem_text(exc: ServiceError) -> str:
    """A service error as one message: the detail plus the field messages it does not already say."""
    detail = str(exc.detail)
    extra = [str(m) for msgs in (exc.errors or {}).values() for m in msgs if str(m) not in detail]
    return " ".join([detail, *extra])


def arg_int(name: str, default=None, *, low: int = 1, high: int | None = None):
    """A whole number from the query string within [low, high] (ids: up to the column's range), else
    `default`: a typed-in page 99999999999999999999 or a foreign id is simply not there, never an overflow."""
    from flask import request

    from core.converters import MAX_ID

    value = request.args.get(name, type=int)
    if value is None or not low <= value <= (MAX_ID if high is None else high):
        return default
    return value
