"""The case manager's items on the start page (tenants.today): reviews and measures due, consents expiring, active
cases without a service this week. Imported by cases.views, which serves the lists they link to."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from cases.services import due
from tenants.today import today_item

today_item("cases.reviews_due", "Case reviews due within 7 days", "cases.write",
           lambda actor, on: due.count_cases("review", actor, on),
           lambda: url_for("cases.cases", due="review"), 10, endpoint="cases.cases")
today_item("cases.goals_due", "Measures due within 7 days", "cases.write", due.count_goals_due,
           lambda: url_for("cases.cases", due="goals"), 12, endpoint="cases.cases")
today_item("cases.consents_expiring", "Consents expiring within 30 days", "cases.write",
           due.count_consents_expiring, lambda: url_for("cases.clients", due="consents"), 14,
           endpoint="cases.clients")
today_item("cases.no_service_this_week", "Active cases without a service logged this week", "cases.write",
           lambda actor, on: due.count_cases("no_service", actor, on),
           lambda: url_for("cases.cases", due="no_service"), 16, endpoint="cases.cases")

# the lists' `?due=` filters (cases.services.due), named in their filter forms
CASE_DUE_LABELS = {
    "review": _l("Review due within 7 days"),
    "goals": _l("Measures due within 7 days"),
    "no_service": _l("Active, no service this week"),
}
CLIENT_DUE_LABELS = {"consents": _l("Consent expiring within 30 days")}
