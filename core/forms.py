"""Shared form pieces: every form is a Flask-WTF form (CSRF); a service's refusal is shown, and rolled back.

Views never commit (the request does, once, core.transactions); when a service refuses, these helpers roll the
transaction back at once, so the page shown next reads the database as it was.

Every page form derives from `PageForm` (and a sub-form from `SubForm`): their messages say what is wrong and how
to write it ("Geben Sie ein Datum im Format TT.MM.JJJJ ein" instead of WTForms' "Ungültiger Datumswert"), a value
that is there but unreadable never also hears "Dieses Feld wird benötigt", and dates are read as typed in Germany
(31.01.2026) as well as from a date picker (2026-01-31). `submit` checks form and service in one round.
"""
import logging
from decimal import Decimal, InvalidOperation

import wtforms
from flask import flash
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from sqlalchemy.exc import SQLAlchemyError

from core.extensions import db
from core.problems import ServiceError

log = logging.getLogger(__name__)

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]  # the date picker sends ISO; typed by hand, a German date
_DATE = _l("Enter a date in the format DD.MM.YYYY, e.g. 31.01.2026.")
_CHOICE = _l("Choose one of the entries in the list.")
_LONGER = _l("At most %(max)d characters are allowed, this has %(length)d. Please shorten it.")
# WTForms' own messages (its msgids) in our words: what is wrong and how to fix it
WORDING = {
    "Not a valid date value.": _DATE,
    "Not a valid datetime value.": _DATE,
    "Not a valid integer value.": _l("Enter a whole number using digits only, e.g. 12."),
    "Not a valid decimal value.": _l("Enter a number, e.g. 12,5."),
    "Not a valid float value.": _l("Enter a number, e.g. 12,5."),
    "Not a valid choice.": _CHOICE,
    "Invalid Choice: could not coerce.": _CHOICE,
    "Invalid Choice(s): one or more data inputs could not be coerced.": _CHOICE,
    "'%(value)s' is not a valid choice for this field.": _l("Choose only entries of the list."),
    "'%(value)s' are not valid choices for this field.": _l("Choose only entries of the list."),
    "Invalid email address.": _l("Enter an e-mail address such as name@example.org."),
    "Field cannot be longer than %(max)d character.": _LONGER,
    "Field cannot be longer than %(max)d characters.": _LONGER,
    "Field must be at least %(min)d character long.": _l("Enter at least %(min)d characters."),
    "Field must be at least %(min)d characters long.": _l("Enter at least %(min)d characters."),
    "Field must be between %(min)d and %(max)d characters long.":
        _l("Enter %(min)d to %(max)d characters, this has %(length)d."),
    "Number must be between %(min)s and %(max)s.": _l("Enter a number from %(min)s to %(max)s."),
    "Number must be at least %(min)s.": _l("Enter a number of at least %(min)s."),
    "Number must be at most %(max)s.": _l("Enter a number of at most %(max)s."),
}


_RANGES = {"Number must be between %(min)s and %(max)s.", "Number must be at least %(min)s.",
           "Number must be at most %(max)s."}


def format_number(value) -> str:
    """A number as the UI's language writes it (German: 0,5 and 10.000); four digits stay ungrouped (1440, a year
    such as 1900)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    return format_decimal(value, format="#,##0.###" if abs(value) >= 10_000 else "0.###")


class _RangeMessage(str):
    """A range message whose numbers (NumberRange fills in min and max) are written as the UI's language does."""

    def __mod__(self, values):
        if isinstance(values, dict):
            values = {key: format_number(value) for key, value in values.items()}
        return str.__mod__(str(self), values)


class _Messages:
    """The translations a form's fields and validators use: ours first, then WTForms' own catalogue."""

    def gettext(self, string):
        ours = WORDING.get(string)
        if ours is not None and string in _RANGES:
            return _RangeMessage(str(ours))
        return str(ours) if ours is not None else wtforms_translations.gettext(string)

    def ngettext(self, singular, plural, n):
        ours = WORDING.get(singular if n == 1 else plural)
        return str(ours) if ours is not None else wtforms_translations.ngettext(singular, plural, n)


_MESSAGES = _Messages()


class _HelpfulMeta:
    def get_translations(self, form):
        return _MESSAGES

    def bind_field(self, form, unbound_field, options):
        # a date field without its own format reads the picker's ISO date and a German date typed by hand
        if issubclass(unbound_field.field_class, wtforms.DateField) and "format" not in unbound_field.kwargs:
            unbound_field.kwargs["format"] = DATE_FORMATS
        return super().bind_field(form, unbound_field, options)


def _only_what_was_read(fields) -> None:
    """A value that is there but could not be read keeps only the message saying how to write it (no "required",
    no range on an empty value)."""
    for field in fields:
        if isinstance(field, wtforms.FieldList):
            for entry in field.entries:
                _only_what_was_read(entry.form if isinstance(entry, wtforms.FormField) else [entry])
        elif isinstance(field, wtforms.FormField):
            _only_what_was_read(field.form)
        elif field.process_errors and isinstance(field.errors, list):
            if any(str(value).strip() for value in field.raw_data or []):
                field.errors = list(field.process_errors)
            else:  # nothing typed: "required" (if it is) says it, not "not a valid date"
                field.errors = [e for e in field.errors if e not in field.process_errors]


class PageForm(FlaskForm):
    """A form of the pages: CSRF (Flask-WTF) and messages that help (see the module's docstring)."""

    class Meta(_HelpfulMeta):
        pass

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        _only_what_was_read(self)
        return valid


class SubForm(wtforms.Form):
    """A repeated part of a page form (FieldList of FormField): the same messages, no CSRF of its own."""

    class Meta(_HelpfulMeta):
        pass

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        _only_what_was_read(self)
        return valid


class DecimalField(wtforms.DecimalField):
    """A decimal number as Germans write it: 12,5 as well as 12.5."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] is not None:
            raw = str(valuelist[0]).strip().replace(" ", "")
            if "," in raw:
                raw = raw.replace(".", "").replace(",", ".")  # 1.234,5 -> 1234.5
            try:
                self.data = Decimal(raw) if raw else None
            except (InvalidOperation, ValueError) as exc:
                self.data = None
                raise ValueError(self.gettext("Not a valid decimal value.")) from exc
            return
        super().process_formdata(valuelist)


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


def submit(form: FlaskForm, action, apply=None):
    """A posted form checked in one round: when the form's own checks fail, the service is still asked (and what
    it did rolled back at once), so that its field errors join the form's and one submission shows them all.
    The service's result (True for None) when form and service accepted, else None; None for a GET."""
    if not form.is_submitted():
        return None
    if form.validate():
        return run_form(form, action, apply)
    # the service sees the refused fields empty (a text too long for its column never reaches the database)
    refused = {f: f.data for f in _plain_fields(form) if f.errors and f.name != "csrf_token"}
    for f in refused:
        f.data = "" if isinstance(f, wtforms.StringField) else None
    try:
        action()
    except ServiceError as exc:
        db.session.rollback()
        (apply or apply_service_errors)(_Untouched(form), exc)
    except (TypeError, ValueError, AttributeError, KeyError, LookupError, SQLAlchemyError):
        # a field the form refused holds nothing the service can read: its check waits for the next round
        db.session.rollback()
        log.debug("service check skipped for an invalid form", exc_info=True)
    else:
        db.session.rollback()
    finally:
        for f, data in refused.items():
            f.data = data
    return None


def _plain_fields(fields):
    for field in fields:
        if isinstance(field, wtforms.FieldList):
            for entry in field.entries:
                yield from _plain_fields(entry.form if isinstance(entry, wtforms.FormField) else [entry])
        elif isinstance(field, wtforms.FormField):
            yield from _plain_fields(field.form)
        else:
            yield field


class _Untouched:
    """A form as `apply_service_errors` sees it during `submit`'s check: a field the form refused keeps the
    form's own message (the service would only say again that it is missing)."""

    def __init__(self, form):
        self._form = form
        self.form_errors = form.form_errors

    def __getattr__(self, name):
        field = getattr(self._form, name)
        plain = isinstance(field, wtforms.Field) and not isinstance(field, wtforms.FieldList | wtforms.FormField)
        if plain and field.errors:
            return _Sink()
        return field

    def __getitem__(self, name):
        return self.__getattr__(name)

    def __iter__(self):
        return iter(self._form)


class _Sink:
    """Swallows service messages for a field that shows the form's message already."""

    errors: list = []

    def __setattr__(self, name, value):
        pass


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
