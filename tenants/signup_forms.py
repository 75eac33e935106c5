"""The forms of sign-up and of asking for a new verification link. They check only sizes: the sign-up service
checks the meaning of every field at once, so that all errors come in one round."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from core.forms import PageForm
from tenants.passwords import MIN_LENGTH


class SignupForm(PageForm):
    name = StringField(_l("Name of the alliance"), validators=[Optional(), Length(max=200)],
                       render_kw={"autocomplete": "organization"})
    slug = StringField(_l("Address of the alliance"), validators=[Optional(), Length(max=63)],
                       description=_l("The short name in your alliance's address: 3-63 lower-case letters, digits "
                                      "and hyphens, e.g. “buendnis-hamm”."))
    plan = RadioField(_l("Plan"), choices=[], validate_choice=False)
    owner_name = StringField(_l("Your name"), validators=[Optional(), Length(max=200)],
                             render_kw={"autocomplete": "name"})
    email = EmailField(_l("Your e-mail address"), validators=[Optional(), Length(max=254)],
                       render_kw={"autocomplete": "email"},
                       description=_l("You will be the owner of the alliance. We send a link to confirm it."))
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=1000)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("At least %(min)d characters. If the address has an account "
                                            "already, that account's password.", min=MIN_LENGTH))
    accept_terms = BooleanField(_l("I accept the terms of service on behalf of the alliance."))
    accept_dpa = BooleanField(_l("I conclude the data-processing agreement (AV-Vertrag, Art. 28 GDPR) on behalf "
                                 "of the alliance."))


class ResendForm(PageForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    tenant = HiddenField(validators=[Optional(), Length(max=63)])
