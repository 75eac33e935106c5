"""Shared form pieces: every form is a Flask-WTF form (CSRF); service errors are mapped back onto fields."""
from flask_wtf import FlaskForm

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


def commit_or_flash(action, success_message) -> bool:
    """Run a service call from a button (no form to re-show): commit and flash `success_message`, or roll back
    and flash the service's own message. True when it succeeded."""
    from flask import flash

    from core.extensions import db

    try:
        action()
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.detail), "error")
        return False
    db.session.commit()
    flash(str(success_message), "success")
    return True
