"""Forms of one's own account: the second factor (enrol, log in, new recovery codes, switch off), name and
language, and the alliance's requirement of a second factor."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import PageForm

_CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "off",
               "spellcheck": "false"}


class CodeForm(PageForm):
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=20)],
                       render_kw=_CODE_ATTRS)


class SecondFactorLoginForm(PageForm):
    code = StringField(lazy_pgettext("second factor", "Code"), validators=[DataRequired(), Length(max=20)],
                       render_kw=_CODE_ATTRS,
                       description=_l("The 6 digits of your authenticator app, or one of your recovery codes."))


class DisableSecondFactorForm(PageForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})
    code = StringField(lazy_pgettext("second factor", "Code"), validators=[DataRequired(), Length(max=20)],
                       render_kw=_CODE_ATTRS,
                       description=_l("The 6 digits of your authenticator app, or one of your recovery codes."))


class AccountForm(PageForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)], render_kw={"autocomplete": "name"})
    locale = SelectField(_l("Language"), choices=[("de", "Deutsch"), ("en", "English")])


class RequireSecondFactorForm(PageForm):
    require_second_factor = BooleanField(_l("Require a second factor of all members"),
                                         description=_l("Members without one are asked to set it up before they "
                                                        "can open the alliance's pages."))
