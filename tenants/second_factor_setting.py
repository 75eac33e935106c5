"""The alliance's setting "require a second factor of all members", shown on its settings page."""
from flask import flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.forms import flash_outcome
from tenants import second_factor
from tenants.access import requires
from tenants.account_forms import RequireSecondFactorForm
from tenants.web import current_actor, tenant_blueprint

bp = tenant_blueprint("tenant_second_factor", __name__)


def settings_panel(tenant) -> dict:
    """What the settings page shows about it: the form and how many members have no second factor yet."""
    form = RequireSecondFactorForm(require_second_factor=tenant.require_second_factor)
    return {"form": form, "without": second_factor.members_without_second_factor()}


@bp.post("/settings/second-factor")
@requires("tenant.write")
def require_second_factor():
    form = RequireSecondFactorForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please submit it again."), "error")
        return redirect(url_for("tenants.settings"))
    required = bool(form.require_second_factor.data)
    flash_outcome(lambda: second_factor.set_required(g.tenant, required, current_user, current_actor()),
                  _("A second factor is now required of all members.") if required
                  else _("A second factor is no longer required."))
    return redirect(url_for("tenants.settings"))
