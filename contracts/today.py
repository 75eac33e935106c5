"""The owners' and admins' contract items on the start page (tenants.today). Imported by contracts.views, which
serves the filtered list they link to."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from contracts.services import due
from tenants.roles import ADMINS
from tenants.today import today_item


def _count(key: str):
    return lambda actor, on: due.count_contracts(key, actor, on)


def _list(key: str):
    return lambda: url_for("contracts.contracts", due=key)


today_item("contracts.approval", "Contracts awaiting your approval", "contracts.write", _count("approval"),
           _list("approval"), 20, roles=ADMINS, endpoint="contracts.contracts")
today_item("contracts.ending", "Contracts ending within 60 days", "contracts.write", _count("ending"),
           _list("ending"), 22, roles=ADMINS, endpoint="contracts.contracts")
today_item("contracts.enrolments_ending", "Funding approvals ending within 30 days", "contracts.write",
           due.count_enrolments_ending, _list("enrolments"), 24, roles=ADMINS, endpoint="contracts.contracts")
today_item("contracts.review", "Efficiency reviews due within 30 days", "contracts.write", _count("review"),
           _list("review"), 26, roles=ADMINS, endpoint="contracts.contracts")

# the contract list's `?due=` filter, named in its filter form
DUE_LABELS = {
    "approval": _l("Awaiting your approval"),
    "ending": _l("Ending within 60 days"),
    "enrolments": _l("Funding approvals ending within 30 days"),
    "review": _l("Efficiency review due within 30 days"),
}
