from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, NumberRange, Optional

from core.forms import PageForm
from tenants.passwords import MIN_LENGTH
from tenants.roles import ROLE_LABELS, Role


class LoginForm(PageForm):
    tenant = StringField(_l("Alliance (address)"), validators=[Optional(), Length(max=63)],
                         description=_l("The short name in your alliance's address, e.g. “demo”. "
                                        "Optional: without it you choose your alliance after logging in."))
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})


class ForgotPasswordForm(PageForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(PageForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_LENGTH, max=1000)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"), render_kw={"autocomplete": "new-password"},
                            validators=[DataRequired(), Length(max=1000),
                                        EqualTo("password", message=_l("The passwords differ."))])


class TenantForm(PageForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    legal_name = StringField(_l("Legal name (invoice issuer)"), validators=[Optional(), Length(max=200)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=2000)])
    register_number = StringField(_l("Register number"), validators=[Optional(), Length(max=100)],
                                  description=_l("Entry in the register of associations, e.g. “VR 1234, "
                                                 "Amtsgericht Hamm”."))
    tax_number = StringField(_l("Tax number"), validators=[Optional(), Length(max=40)])
    vat_id = StringField(_l("VAT ID"), validators=[Optional(), Length(max=20)])
    iban = StringField(_l("IBAN"), validators=[Optional(), Length(max=42)])
    bic = StringField(_l("BIC"), validators=[Optional(), Length(max=14)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)], render_kw={"autocomplete": "tel"})
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    payment_days = IntegerField(_l("Payment term (days)"), default=30,
                                validators=[InputRequired(), NumberRange(min=0, max=120)],
                                description=_l("Days from the invoice date until an invoice is due."))


def role_choices(include_agency: bool = True):
    return [(r.value, ROLE_LABELS[r]) for r in Role if include_agency or r != Role.AGENCY]


class MemberForm(PageForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[])
    agency_id = SelectField(_l("Funding agency (only for role “Funding agency”)"), choices=[], validate_choice=False)


class AcceptInvitationForm(PageForm):
    """A new account's own name and password (an existing account accepts with one click)."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_LENGTH, max=1000)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"), render_kw={"autocomplete": "new-password"},
                            validators=[DataRequired(), Length(max=1000),
                                        EqualTo("password", message=_l("The passwords differ."))])


class RoleForm(PageForm):
    role = SelectField(_l("Role"), choices=[])
