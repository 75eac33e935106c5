"""Undoing a contract step taken by mistake (issue 14, "Traps"): e.g. "sent" with a wrong date, while nothing
signed exists yet. The rule lives in contracts.services.steps (`undoable_step`, `undo_step`); this is its page
route on the contracts blueprint and the template's question whether the contract page offers it."""
from flask import redirect, request, url_for
from flask_babel import gettext as _

from contracts import services
from contracts.forms import STATUS_LABELS
from contracts.views import bp
from core.forms import flash_outcome
from tenants.access import requires
from tenants.web import current_actor


@bp.app_template_global("undoable_step")
def undoable_step(contract):
    """The step the contract page offers to undo (None: no undo button)."""
    return services.undoable_step(contract)


@bp.post("/contracts/<int:contract_id>/undo-step")
@requires("contracts.write")
def undo_contract_step(contract_id: int):
    contract = services.get_contract(contract_id)
    reason = (request.form.get("reason") or "").strip()[:500]
    flash_outcome(lambda: services.undo_step(contract, current_actor(), reason=reason),
                  lambda _row: _("Step undone; the contract is again: %(status)s.",
                                 status=STATUS_LABELS[contract.status]))
    return redirect(url_for("contracts.contract", contract_id=contract.id))
