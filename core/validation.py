"""One way to check input in services: collect field errors, then raise one 422 with all of them.

Services receive plain dicts (from forms or the API) and use these helpers, so a date, a year, a choice or a
referenced row is checked, and worded, the same way everywhere.
"""
from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.clock import today
from core.converters import MAX_ID
from core.extensions import db
from core.problems import NotFound, ValidationFailed

EARLIEST_DATE = date(2000, 1, 1)
MAX_YEARS_AHEAD = 10


class Errors(dict):
    """Field errors `{field: [messages]}` as the API promises them."""

    def add(self, field: str, message) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self, detail) -> None:
        if self:
            raise ValidationFailed(detail, dict(self))


def text(value, limit: int | None = None) -> str:
    value = "" if value is None else str(value).strip()
    return value[:limit] if limit else value


def date_field(errors: Errors, data: dict, field: str, *, required: bool = False, not_future: bool = False):
    """`data[field]` as a date (ISO string or date), within 2000-01-01 … ten years ahead; None when empty."""
    value = data.get(field)
    if value in (None, ""):
        if required:
            errors.add(field, _l("Required."))
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            errors.add(field, _l("Enter a date as YYYY-MM-DD, e.g. 2026-01-31."))
            return None
    if value < EARLIEST_DATE:
        errors.add(field, _l("Enter a date from 1 January 2000 on."))
    elif not_future and value > today():
        errors.add(field, _l("Must not be in the future."))
    elif value > date(today().year + MAX_YEARS_AHEAD, 12, 31):
        # review, due and expiry dates lie ahead, but not decades: 3026 is a typo for 2026
        errors.add(field, _l("Enter a date at most %(years)d years ahead.", years=MAX_YEARS_AHEAD))
    return value


def year(errors: Errors, value, field: str, required: bool = False):
    if value in (None, ""):
        if required:
            errors.add(field, _l("Required."))
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, _l("Enter a year with four digits, e.g. 2016."))
        return None
    if not 1900 <= number <= today().year:
        errors.add(field, _l("Enter a year from 1900 to this year."))
    return number


def bounded_int(errors: Errors, value, field: str, *, low: int, high: int, required: bool = False):
    """A whole number in [low, high] (bounded, so that it never overflows a database column)."""
    if value in (None, ""):
        if required:
            errors.add(field, _l("Required."))
        return None
    if isinstance(value, bool):
        errors.add(field, _l("Enter a whole number using digits only, e.g. 12."))
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, _l("Enter a whole number using digits only, e.g. 12."))
        return None
    if not low <= number <= high:
        errors.add(field, _l("Enter a number from %(min)s to %(max)s.", min=low, max=high))
        return None
    return number


def choice(errors: Errors, value, field: str, choices: Iterable[str], required: bool = False, labels=None):
    """`value` one of `choices` (codes); the message names the labels people read (`labels`: code -> label),
    never the codes."""
    if value in (None, ""):
        if required:
            errors.add(field, _l("Required."))
        return None
    if value not in choices:
        errors.add(field, choice_message(choices, labels))
    return value


def choice_message(choices: Iterable[str], labels=None):
    """What to say for a value outside `choices`: the labels when known, else "choose from the list"."""
    if labels:
        return _l("Choose one of: %(labels)s.", labels=", ".join(str(labels.get(c, c)) for c in choices))
    return _l("Choose one of the entries in the list.")


def row(errors: Errors, model, value, field: str):
    """A referenced tenant row by id (through the ORM wall: another tenant's id is simply unknown)."""
    if value in (None, ""):
        return None
    try:
        row_id = int(value)
    except (TypeError, ValueError):
        errors.add(field, _l("Choose one of the entries in the list."))
        return None
    found = db.session.scalar(select(model).where(model.id == row_id)) if 0 < row_id <= MAX_ID else None
    if found is None:
        errors.add(field, _l("Not found in this alliance; choose one of the entries in the list."))
    return found


def get_or_404(model, object_id, *criteria, message=None):
    """A tenant row by id through the ORM wall (another tenant's id is simply not there), else NotFound with
    `message` (a lazy string naming what was looked for)."""
    found = None
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        object_id = None
    if object_id is not None and 0 < object_id <= MAX_ID:
        found = db.session.scalar(select(model).where(model.id == object_id, *criteria))
    if found is None:
        raise NotFound(message or _l("This record does not exist in this alliance (or no longer)."))
    return found
