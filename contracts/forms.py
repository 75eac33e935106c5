from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms import DecimalField, PageForm, SubForm

LEGAL_BASIS_LABELS = [
    ("sgb2_16a", _l("§ 16a SGB II (municipal integration services)")),
    ("sgb2_16_sgb3_45", _l("§ 16 SGB II with § 45 SGB III (activation measures)")),
    ("sgb2_17", _l("§ 17 SGB II (facilities and services for integration)")),
    ("sgb8_77_78a", _l("§§ 77, 78a ff. SGB VIII")),
    ("sgb12_75", _l("§§ 75 ff. SGB XII")),
    ("other", _l("Other legal basis")),
]
ROUTE_LABELS = [
    ("agreement", _l("Agreement under the social codes")),
    ("procurement", _l("Procurement award")),
    ("joint_company", _l("Joint company")),
]
BILLING_CYCLE_LABELS = [("monthly", _l("Monthly")), ("quarterly", _l("Quarterly"))]
VAT_LABELS = [("exempt", _l("Exempt from VAT")), ("19", _l("19 % VAT"))]
RATE_KIND_LABELS = [
    ("per_case_month", _l("Flat rate per case and month")),
    ("per_unit", _l("Amount per hour in a service area")),
    ("per_period", _l("Flat rate per billing period")),
]
STATUS_LABELS = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "approved": _l("Approved"),
    "sent": _l("Sent"),
    "signed": _l("Signed"),
    "active": _l("Active"),
    "ended": _l("Ended"),
}
# the button that moves a contract into the state
STEP_LABELS = {
    "draft": _l("Send back to draft"),
    "in_review": _l("Submit for review"),
    "approved": _l("Approve"),
    "sent": _l("Mark as sent"),
    "signed": _l("Mark as signed"),
    "active": _l("Activate"),
    "ended": _l("End contract"),
}


class RateForm(SubForm):
    """One rate line; a row with no amount is ignored."""

    kind = SelectField(_l("Kind of rate"), choices=RATE_KIND_LABELS)
    service_area = SelectField(_l("Service area"), choices=[])
    label = StringField(_l("Label"), validators=[Optional(), Length(max=200)])
    amount = StringField(_l("Amount in €"), validators=[Optional(), Length(max=20)],
                         description=_l("e.g. 180,00"))


class ContractForm(PageForm):
    agency_id = SelectField(_l("Funding agency"), coerce=int)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    template_id = SelectField(_l("Template"), coerce=int)
    legal_basis = SelectField(_l("Legal basis"), choices=LEGAL_BASIS_LABELS)
    route = SelectField(_l("Route"), choices=ROUTE_LABELS)
    partner_ids = SelectMultipleField(_l("Partner organisations"), coerce=int,
                                      description=_l("Partners delivering part of the services (optional)."))
    scope = TextAreaField(_l("Content and scope of the service"), validators=[Optional(), Length(max=20000)])
    quality = TextAreaField(_l("Quality of the service"), validators=[Optional(), Length(max=20000)])
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_to = DateField(_l("Valid to"), validators=[Optional()])
    billing_cycle = SelectField(_l("Billing cycle"), choices=BILLING_CYCLE_LABELS)
    prorate_days = BooleanField(_l("Pro-rate case flat rates by enrolled days"))
    budget = StringField(_l("Budget cap in € (net, whole term)"), validators=[Optional(), Length(max=20)],
                         description=_l("Leave empty for no cap."))
    vat = SelectField(_l("VAT"), choices=VAT_LABELS)
    vat_exempt_reason = StringField(_l("Legal reason for the VAT exemption"),
                                    validators=[Optional(), Length(max=300)],
                                    description=_l("Printed on the contract; empty: § 4 Nr. 15b UStG."))
    efficiency_review = TextAreaField(_l("Review of economic efficiency and quality"),
                                      validators=[Optional(), Length(max=20000)])
    efficiency_indicators = TextAreaField(_l("Indicators"), validators=[Optional(), Length(max=5000)])
    review_interval_months = IntegerField(_l("Reporting interval in months"),
                                          validators=[Optional(), NumberRange(min=1, max=60)])
    next_review_on = DateField(_l("Next review due on"), validators=[Optional()])
    notification_duties = TextAreaField(_l("Notification duties"), validators=[Optional(), Length(max=20000)])
    termination = TextAreaField(_l("Termination"), validators=[Optional(), Length(max=20000)])
    notice_period_months = IntegerField(_l("Notice period in months"),
                                        validators=[Optional(), NumberRange(min=0, max=60)])
    rates = FieldList(FormField(RateForm), min_entries=3)


class TransitionForm(PageForm):
    to = HiddenField(validators=[DataRequired(), Length(max=20)])
    on = DateField(_l("Effective date"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])


class TemplateUploadForm(PageForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("The same name again creates a new version."))
    file = FileField(_l("Template (.docx)"), validators=[FileRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class SignedCopyForm(PageForm):
    file = FileField(_l("Signed copy (PDF)"), validators=[FileRequired()])
    signed_by_provider_on = DateField(_l("Signed by us on"), validators=[InputRequired()])
    signed_by_agency_on = DateField(_l("Signed by the agency on"), validators=[InputRequired()])


class EnrolmentEditForm(PageForm):
    """A funding approval's period and note; its lines of approved hours come from `with_hours_lines`."""

    from_on = DateField(_l("From"), validators=[InputRequired()])
    to_on = DateField(_l("To"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class EnrolmentForm(EnrolmentEditForm):
    """A funding approval for one case under a contract; approved hours per service area are optional."""

    contract_id = SelectField(_l("Contract"), choices=[], coerce=int, validate_choice=False)


HOURS_LINES = 3  # lines of approved hours a form offers at least (one more than an approval already has)


def hours_line_names(index: int) -> tuple[str, str]:
    """The fields of line `index`: named as the service names its field errors (contracts.services.hours_key)."""
    return f"approved_hours-{index}-service_area", f"approved_hours-{index}-hours"


def with_hours_lines(form_class: type[PageForm], count: int) -> type[PageForm]:
    """`form_class` with `count` lines of approved hours, each a service area and its hours (both or neither):
    plain fields, so that each message stands at its field and in the error summary."""
    fields = {"line_count": count}
    for index in range(count):
        area, hours = hours_line_names(index)
        fields[area] = SelectField(_l("Service area (line %(n)d)", n=index + 1), choices=[], validate_choice=False)
        fields[hours] = DecimalField(_l("Approved hours (line %(n)d)", n=index + 1), places=1,
                                     validators=[Optional(), NumberRange(min=0.5, max=10_000)])
    return type(f"{form_class.__name__}With{count}Lines", (form_class,), fields)


class EnrolmentEndForm(PageForm):
    """Ending a funding approval early: the last day funded and why."""

    ended_on = DateField(_l("Last day funded"), validators=[InputRequired()],
                         description=_l("From the next day services are neither funded nor billed under it."))
    end_reason = TextAreaField(_l("Reason for the early end"), validators=[InputRequired(), Length(max=500)],
                               description=_l("e.g. the agency's letter of 12.03.2027, the client moved away"))
