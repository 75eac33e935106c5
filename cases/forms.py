"""Forms of the case-management pages. Choices that depend on the tenant are filled in by the views."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from cases.models import CASE_PHASES
from core.forms import PageForm

PHASE_LABELS = {
    "intake": _l("Intake"),
    "assessment": _l("Assessment"),
    "planning": _l("Planning"),
    "active": _l("Active support"),
    "evaluation": _l("Evaluation"),
    "closed": _l("Closed"),
}
OUTCOME_LABELS = {
    "employment": _l("Employment taken up"),
    "training": _l("Training or qualification started"),
    "childcare_secured": _l("Childcare secured"),
    "goals_partly_achieved": _l("Goals partly achieved"),
    "transferred": _l("Transferred"),
    "dropped_out": _l("Dropped out"),
    "other": _l("Other"),
}
ESF_EXIT_LABELS = {
    "employed": _l("Employed"),
    "self_employed": _l("Self-employed"),
    "in_education": _l("In education or training"),
    "job_searching": _l("Job searching"),
    "inactive": _l("Inactive"),
    "unknown": _l("Unknown"),
}
EMPLOYMENT_LABELS = {
    "unemployed": _l("Unemployed"),
    "long_term_unemployed": _l("Long-term unemployed"),
    "inactive": _l("Inactive"),
    "employed": _l("Employed"),
    "in_education": _l("In education or training"),
}
ISCED_LABELS = {
    "0": _l("ISCED 0: early childhood"),
    "1": _l("ISCED 1: primary"),
    "2": _l("ISCED 2: lower secondary"),
    "3": _l("ISCED 3: upper secondary"),
    "4": _l("ISCED 4: post-secondary"),
    "5": _l("ISCED 5: short tertiary"),
    "6": _l("ISCED 6: bachelor"),
    "7": _l("ISCED 7: master"),
    "8": _l("ISCED 8: doctorate"),
}
DATA_ITEM_LABELS = {
    "identity": _l("Identity"),
    "contact": _l("Contact data"),
    "household": _l("Household and children"),
    "needs": _l("Needs"),
    "support_plan": _l("Support plan"),
    "services": _l("Services received"),
    "progress": _l("Progress"),
    "outcome": _l("Outcome"),
}
CONSENT_STATUS_LABELS = {
    "requested": _l("Requested"),
    "given": _l("Given"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
}
PRIORITY_LABELS = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
GOAL_STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "not_done": _l("Not done"),
    "cancelled": _l("Cancelled"),
}
RESPONSIBLE_LABELS = {
    "client": _l("Client"),
    "case_manager": _l("Assigned case manager"),
    "partner": _l("Partner organisation"),
}
REFERRAL_STATUS_LABELS = {
    "pending": _l("Pending"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "done": _l("Done"),
}
EVENT_LABELS = {
    "opened": _l("Case opened"),
    "status": _l("Phase changed"),
    "closed": _l("Case closed"),
    "reopened": _l("Case reopened"),
    "updated": _l("Case data changed"),
    "need": _l("Need recorded"),
    "goal": _l("Goal added"),
    "goal_status": _l("Goal status changed"),
    "plan": _l("Support plan approved"),
    "referral": _l("Referred to partner"),
    "referral_status": _l("Referral status changed"),
    "service": _l("Service logged"),
    "service_changed": _l("Service entry changed"),
    "service_deleted": _l("Service entry deleted"),
}


def _choices(labels: dict, blank: str | None = None) -> list:
    options = [(key, label) for key, label in labels.items()]
    return [("", blank), *options] if blank is not None else options


class ClientForm(PageForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    # the range (1900 to this year) and its message are the service's (core.validation.year), one for every channel
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    receives_sgb2 = BooleanField(_l("Receives SGB II benefits (Bürgergeld)"))
    employment_status = SelectField(
        _l("Employment status at entry (ESF+)"),
        choices=_choices(EMPLOYMENT_LABELS, _l("– not recorded –")),
        default="",
    )
    education_level = SelectField(
        _l("Education level at entry (ESF+)"),
        choices=_choices(ISCED_LABELS, _l("– not recorded –")),
        default="",
    )
    children = StringField(
        _l("Years of birth of the children"),
        validators=[Optional(), Length(max=200)],
        description=_l("Separated by commas, e.g. 2016, 2020"),
    )
    confidential_note = TextAreaField(
        _l("Confidential note"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Visible only to the client's case managers and admins."),
    )


class ConsentForm(PageForm):
    recipient = SelectField(_l("Receiving agency or partner"), validators=[DataRequired()])
    purposes = TextAreaField(_l("Purposes"), validators=[DataRequired(), Length(max=2000)])
    data_items = SelectMultipleField(
        _l("Data that may be passed on"), choices=_choices(DATA_ITEM_LABELS), validators=[DataRequired()]
    )
    given_on = DateField(
        _l("Given on"),
        validators=[Optional()],
        description=_l("Leave empty if the consent is only requested so far."),
    )
    expires_on = DateField(_l("Expires on"), validators=[Optional()])


class OnForm(PageForm):
    on = DateField(_l("On"), validators=[Optional()])


class CaseForm(PageForm):
    client_id = SelectField(_l("Client"), coerce=str, validators=[DataRequired()])
    case_manager_id = SelectField(_l("Assigned case manager"), coerce=str, validators=[DataRequired()])
    opened_on = DateField(_l("Opened on"), validators=[Optional()])
    next_review_on = DateField(_l("Next review on"), validators=[Optional()])
    confidential_note = TextAreaField(
        _l("Confidential note"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Visible only to the assigned case manager and admins."),
    )


class CaseEditForm(PageForm):
    case_manager_id = SelectField(_l("Assigned case manager"), coerce=str, validators=[DataRequired()])
    next_review_on = DateField(_l("Next review on"), validators=[Optional()])
    confidential_note = TextAreaField(
        _l("Confidential note"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Visible only to the assigned case manager and admins."),
    )


class PhaseForm(PageForm):
    status = SelectField(_l("Phase"), choices=[(p, PHASE_LABELS[p]) for p in CASE_PHASES])
    outcome = SelectField(_l("Outcome (when closing)"), choices=_choices(OUTCOME_LABELS, _l("– none –")), default="")
    esf_exit_status = SelectField(
        _l("ESF+ status at exit (when closing)"),
        choices=_choices(ESF_EXIT_LABELS, _l("– none –")),
        default="",
    )
    closed_on = DateField(_l("Closed on (when closing)"), validators=[Optional()], description=_l("Empty: today."))


class NeedForm(PageForm):
    service_area = SelectField(_l("Service area"), validators=[DataRequired()])
    priority = SelectField(_l("Priority"), choices=_choices(PRIORITY_LABELS), default="medium")
    agency_id = SelectField(
        _l("Funding agency responsible"),
        coerce=str,
        description=_l("Empty: the agency set for the service area."),
    )
    baseline = TextAreaField(_l("Starting situation"), validators=[Optional(), Length(max=5000)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class GoalForm(PageForm):
    title = StringField(_l("Goal"), validators=[DataRequired(), Length(max=200)])
    measure = TextAreaField(_l("Measure"), validators=[Optional(), Length(max=5000)])
    responsible = SelectField(_l("Responsible"), choices=_choices(RESPONSIBLE_LABELS))
    partner_id = SelectField(_l("Partner organisation (if responsible)"), coerce=str, default="")
    due_on = DateField(_l("Target date"), validators=[Optional()])
    review_on = DateField(_l("Review date"), validators=[Optional()])


class TransitionForm(PageForm):
    """A button that moves a goal or referral to the state in the hidden field."""

    to = HiddenField(validators=[DataRequired(), Length(max=20)])


class ReferralForm(PageForm):
    partner_id = SelectField(
        _l("Partner organisation"),
        coerce=str,
        validators=[DataRequired()],
        description=_l("Needs the client's given consent for this partner covering her needs."),
    )
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=5000)])


class ServiceEntryForm(PageForm):
    on = DateField(_l("Date"), validators=[InputRequired()])
    minutes = IntegerField(_l("Minutes"), validators=[InputRequired(), NumberRange(min=1, max=1440)])
    service_area = SelectField(_l("Service area"), validators=[DataRequired()])
    direct = BooleanField(_l("Direct contact with the client"), default=True)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class RetentionForm(PageForm):
    retention_years = IntegerField(
        _l("Keep client data after closing (years)"),
        validators=[InputRequired(), NumberRange(min=1, max=30)],
        description=_l("Then the nightly retention rule anonymises the client, unless processing is restricted."),
    )


class ReportForm(PageForm):
    class Meta:
        csrf = False  # a GET filter form

    date_from = DateField(_l("From"), validators=[InputRequired()])
    date_to = DateField(_l("To"), validators=[InputRequired()])
    agency_id = SelectField(_l("Funding agency"), coerce=str, default="")
