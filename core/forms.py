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
