"""Pages of billing/: the efficiency review report of a contract (billing runs and invoices follow)."""

from datetime import date

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from billing import efficiency_document as document
from billing.efficiency import default_period, efficiency_report
from contracts import services as contracts
from core import audit, clock
from core.conversion import ConversionFailed, docx_to_pdf
from tenants.access import requires
from tenants.web import current_actor, tenant_blueprint

bp = tenant_blueprint("billing", __name__)


def _period(contract) -> tuple[date, date]:
    """The period from ?from=&to= (ISO dates); the contract's validity clipped to today by default."""
    first, last = default_period(contract, clock.today())
    try:
        if request.args.get("from"):
            first = date.fromisoformat(request.args["from"])
        if request.args.get("to"):
            last = date.fromisoformat(request.args["to"])
    except ValueError:
        flash(_("Not a valid date; the default period is shown."), "error")
        return default_period(contract, clock.today())
    if last < first:
        flash(_("The end of the period lies before its start; the default period is shown."), "error")
        return default_period(contract, clock.today())
    return first, last


def _report(contract_id: int) -> dict:
    contract = contracts.get_contract(contract_id)
    return efficiency_report(contract, *_period(contract))


@bp.get("/contracts/<int:contract_id>/efficiency")
@requires("contracts.read")
def efficiency(contract_id: int):
    report = _report(contract_id)
    names = document.labels()
    lines = [dict(x, title=document.line_label(x, names["kinds"]), quantity_text=document.quantity_text(x))
             for x in report["lines"]]
    outcomes = [(names["outcomes"].get(k, k), n) for k, n in report["outcomes"].items()]
    return render_template("billing/efficiency.html", contract=report["contract"], report=report, lines=lines,
                           outcomes=outcomes, share=document.percent(report["budget_share"]),
                           first=report["period_from"], last=report["period_to"])


@bp.get("/contracts/<int:contract_id>/efficiency.pdf")
@requires("contracts.read")
def efficiency_pdf(contract_id: int):
    report = _report(contract_id)
    contract, first, last = report["contract"], report["period_from"], report["period_to"]
    try:
        pdf = docx_to_pdf(document.report_docx(report), binary=current_app.config["SOFFICE_BINARY"])
    except ConversionFailed as exc:
        flash(_("The PDF could not be created (%(reason)s).", reason=str(exc)), "error")
        return redirect(url_for("billing.efficiency", contract_id=contract.id,
                                **{"from": first.isoformat(), "to": last.isoformat()}))
    audit.record(current_actor(), "contract.efficiency_report", contract,
                 diff={"period": [None, f"{first.isoformat()}/{last.isoformat()}"]})
    name = f"wirtschaftlichkeit-{contract.id}-{first.isoformat()}-{last.isoformat()}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

