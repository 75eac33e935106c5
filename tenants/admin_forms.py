"""Forms of the platform admin console: every change of an alliance's status, and an impersonation, needs a
reason (it goes into the alliance's audit log)."""
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from core.forms import PageForm


class ReasonForm(PageForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Please give a reason.")),
                                                     Length(max=500)],
                           description=_l("Recorded in the alliance's audit log and shown to its members."))


class ConfirmForm(PageForm):
    """A button with CSRF protection and nothing else."""
