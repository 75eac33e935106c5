"""Forms of the billing pages (Flask-WTF, so every POST carries its CSRF token) and the labels people read."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.forms import PageForm

RUN_STATUS_LABELS = {
    "pending": _l("waiting"),
    "running": _l("running"),
    "done": _l("done"),
    "failed": _l("failed"),
}
INVOICE_STATUS_LABELS = {
    "draft": _l("Draft"),
    "issued": _l("issued"),
    "sent": _l("sent"),
    "partly_paid": _l("partly paid"),
    "paid": _l("paid"),
    "overdue": _l("overdue"),
    "cancelled": _l("cancelled"),
}
KIND_LABELS = {"invoice": _l("Invoice"), "credit_note": _l("Credit note")}
REASON_LABELS = {
    "no_enrolment": _l("no funding approval on that day"),
    "no_rate": _l("no hourly rate for this service area"),
    "contract_not_active": _l("agreement not in force"),
    "ambiguous_funder": _l("funding agency not clear (decide who is responsible in the need)"),
    "budget_exhausted": _l("budget used up"),
}
CHARGE_KIND_LABELS = {"entry": _l("Service entries"), "case_month": _l("Case-months"),
                      "period": _l("Flat rates per period")}
FILE_LABELS = {"pdf": _l("Invoice (PDF)"), "statement_csv": _l("Statement of services (CSV)"),
               "statement_pdf": _l("Statement of services (PDF)"), "xrechnung": _l("XRechnung (XML)"),
               "zugferd": _l("ZUGFeRD (PDF)")}
CREDIT_NOTE_PDF_LABEL = _l("Credit note (PDF)")
FILE_STATE_LABELS = {"pending": _l("being made"), "failed": _l("could not be made")}


class PeriodForm(PageForm):
    period = StringField(_l("Billing period"), validators=[DataRequired(), Length(max=7)],
                         description=_l("A month (2026-10) or a quarter (2026-Q4)."))


class PaymentForm(PageForm):
    on = DateField(_l("Paid on"), validators=[InputRequired()])
    amount = StringField(_l("Amount in euros"), validators=[DataRequired(), Length(max=20)],
                         description=_l("For example 789,36"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class CreditNoteForm(PageForm):
    reason = TextAreaField(_l("Reason for the credit note"), validators=[DataRequired(), Length(max=300)])


class ActionForm(PageForm):
    """A button without fields: the CSRF token only."""
