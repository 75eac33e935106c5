"""The names people read for what the database holds: per kind of object its name, the labels of its fields, the
labels of its codes and how to name one row; per audited action its name. Each package registers its own at
start-up (`register_object`, `register_actions`); the audit log reads them (`labelled_diff`, `object_text`,
`action_text`). What is not registered shows as it is stored, so a missing label is visible, never an error."""
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import format_datetime
from flask_babel import gettext as _

from core.money import format_cents


@dataclass
class ObjectLabels:
    name: object  # e.g. _l("Contract")
    fields: Mapping[str, object] = field(default_factory=dict)  # field -> label
    choices: Mapping[str, Mapping[str, object]] = field(default_factory=dict)  # field -> code -> label
    formats: Mapping[str, Callable[[object], str]] = field(default_factory=dict)  # field -> value -> text
    name_of: Callable[[int], str | None] | None = None  # id -> what people call the row ("Rechnung 2026-0007")


_OBJECTS: dict[str, ObjectLabels] = {}
_ACTIONS: dict[str, object] = {}
# fields named alike in every object (e.g. agency_id): their label and how an id becomes a name
_REFERENCES: dict[str, tuple[object, Callable[[object], str | None]]] = {}
_SHARED_FIELDS: dict[str, object] = {}
# who did it: the stable codes of system actors ("sign-up") and the roles an actor label ends with ("[…]")
_ACTORS: dict[str, object] = {}
_ACTOR_ROLES: dict[str, object] = {}


def form_labels(*forms) -> dict:
    """{field: label} of form classes (Flask-WTF), so that a change reads with the words of the form it came
    from."""
    out = {}
    for form in forms:
        for key, unbound in vars(form).items():
            if not hasattr(unbound, "field_class"):
                continue
            label = unbound.kwargs.get("label") or (unbound.args[0] if unbound.args else None)
            if label is not None:
                out[key] = label
    return out


def register_object(object_type: str, labels: ObjectLabels) -> None:
    """object_type is the table name the audit log records (e.g. "contracts")."""
    _OBJECTS[object_type] = labels


def register_actions(actions: Mapping[str, object]) -> None:
    _ACTIONS.update(actions)


def register_actors(codes: Mapping[str, object], roles: Mapping[str, object] | None = None) -> None:
    """Labels of system actors by their stored code ("sign-up" → "Online-Registrierung") and of the role marks
    an actor label ends with ("root@… [platform_admin]" → "root@… (Plattform-Admin)"). A mark may also be an
    older English suffix ("(platform admin)"), so that old rows read the same."""
    _ACTORS.update(codes)
    _ACTOR_ROLES.update(roles or {})


def actor_text(label: str | None) -> str:
    """The audit log's "who", translated: a system code by its label, "<e-mail> [mark]" with the mark's label."""
    label = label or ""
    if label in _ACTORS:
        return str(_ACTORS[label])
    for mark, text in _ACTOR_ROLES.items():
        if label.endswith(" " + mark):
            return f"{label[: -len(mark) - 1]} ({text})"
    return label


def register_reference(key: str, label, name_of: Callable[[object], str | None]) -> None:
    """A field holding the id or code of another row, in any object (agency_id → the agency's name)."""
    _REFERENCES[key] = (label, name_of)


def register_fields(fields: Mapping[str, object]) -> None:
    """Labels of fields that mean the same in every object (status, note, …)."""
    _SHARED_FIELDS.update(fields)


def action_text(action: str) -> str:
    """The action's name; "contract.reminder.ends" falls back to "contract.reminder", any "<type>.read" to
    "Viewed"."""
    key = action
    while key:
        if key in _ACTIONS:
            return str(_ACTIONS[key])
        key = key.rpartition(".")[0]
    if action.endswith(".read"):
        return _("Viewed")
    return action


def object_text(object_type: str, object_id: int | None) -> str:
    """'Vertrag „Kooperationsvereinbarung …“' rather than 'contracts 6'."""
    labels = _OBJECTS.get(object_type)
    if labels is None:
        return f"{object_type} {object_id or ''}".strip()
    name = labels.name_of(object_id) if labels.name_of and object_id is not None else None
    if name:
        return f"{labels.name} „{name}“"
    return str(labels.name)


def choice_labels(object_type: str, key: str) -> Mapping[str, object]:
    """{code: label} of a field's codes (e.g. an agency's kind), so that a message names what people read."""
    labels = _OBJECTS.get(object_type)
    return (labels.choices.get(key) if labels else None) or {}


def field_text(object_type: str, key: str) -> str:
    labels = _OBJECTS.get(object_type)
    label = (labels.fields.get(key) if labels else None) or _SHARED_FIELDS.get(key)
    if label is None and key in _REFERENCES:
        label = _REFERENCES[key][0]
    return str(label) if label is not None else key


def value_text(object_type: str, key: str, value) -> str:
    """A stored value as a German reader expects it: €, dd.mm.yyyy, times in the tenant's zone, codes by their
    labels, ids by the names of their rows."""
    if value is None or value == "" or value == []:
        return "–"
    labels = _OBJECTS.get(object_type)
    if labels and key in labels.formats:
        return labels.formats[key](value)
    if isinstance(value, list):
        return "; ".join(value_text(object_type, key, item) for item in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    choices = labels.choices.get(key) if labels else None
    if choices is not None and str(value) in choices:
        return str(choices[str(value)])
    if key in _REFERENCES and not isinstance(value, bool):
        return _REFERENCES[key][1](value) or str(value)
    if key.endswith("_cents") and isinstance(value, int):
        return format_cents(value)
    if isinstance(value, str):
        return _date_text(value)
    return str(value)


def _date_text(value: str) -> str:
    """ISO dates and times (as the audit log stores them) in German; any other text as it is."""
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    if len(value) > 18 and value[4] == "-" and value[10] in " T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return format_datetime(moment, "short")  # in the tenant's zone (core.app's time zone selector)
    if "/" in value and len(value) == 21:  # a period "2026-01-01/2026-06-30"
        first, _sep, last = value.partition("/")
        return f"{_date_text(first)} – {_date_text(last)}"
    return value


def labelled_diff(object_type: str, diff: dict | None) -> list[tuple[str, str, str]]:
    """An audit event's diff {field: [old, new]} as (label, old, new) in German."""
    rows = []
    for key, change in (diff or {}).items():
        old, new = change if isinstance(change, list | tuple) and len(change) == 2 else (None, change)
        rows.append((field_text(object_type, key), value_text(object_type, key, old),
                     value_text(object_type, key, new)))
    return rows
