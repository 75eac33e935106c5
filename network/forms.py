"""Forms of network/: funding agencies, partner organisations, service areas (Flask-WTF, CSRF on each)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from core.forms import PageForm
from network.leitweg import leitweg_problems

AGENCY_KIND_LABELS = [
    ("jobcenter", _l("Jobcenter (SGB II)")),
    ("arbeitsagentur", _l("Agentur für Arbeit (SGB III)")),
    ("jugendamt", _l("Jugendamt (SGB VIII)")),
    ("sozialamt", _l("Sozialamt (SGB XII)")),
    ("kommune", _l("Municipality")),
    ("other", _l("Other")),
]


class AgencyForm(PageForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=AGENCY_KIND_LABELS)
    leitweg_id = StringField(_l("Leitweg-ID"), validators=[Optional(), Length(max=46)],
                             description=_l("Routing id for XRechnung, e.g. 04011000-1234512345-06"))
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    contact = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=2000)])

    def validate_leitweg_id(self, field):
        if problems := leitweg_problems((field.data or "").strip().upper()):
            raise ValidationError(problems[0])


PARTNER_KIND_LABELS = [
    ("childcare", _l("Childcare provider")),
    ("training", _l("Training provider")),
    ("counselling", _l("Counselling service")),
    ("employer", _l("Employer")),
    ("other", _l("Other")),
]


class PartnerForm(PageForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=PARTNER_KIND_LABELS)
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    contact = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=2000)])


class ServiceAreaForm(PageForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("A short stable key, e.g. language_course (used by the API and rate lines)."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    agency_id = SelectField(_l("Funding agency usually responsible"), coerce=str, default="")
    active = BooleanField(_l("Active (offered for new needs and services)"), default=True)
