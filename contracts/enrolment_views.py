"""Pages of a case's funding approvals (on the contracts blueprint): the list with a form for a new one, a change
of period, hours and note, and the early end (a date and a reason, confirmed first; never a deletion)."""
from flask import flash, g, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from contracts import services
from contracts.forms import (
    HOURS_LINES,
    EnrolmentEditForm,
    EnrolmentEndForm,
    EnrolmentForm,
    hours_line_names,
    with_hours_lines,
)
from contracts.models import Contract, Enrolment
from contracts.views import bp
from core import confirmation
from core.extensions import db
from core.forms import submit
from network import services as network
from tenants.access import reads, requires
from tenants.roles import can
from tenants.web import current_actor


def _case(case_id: int):
    from cases.services import get_case

    return get_case(case_id, current_actor())  # a colleague's case is as absent as another tenant's


def _hours_form(form_class, enrolment: Enrolment | None = None):
    """The form with a line per approved area of `enrolment`, one blank line more, at least HOURS_LINES; its area
    choices are the active service areas (and any area the approval already has)."""
    lines = list(enrolment.approved_hours) if enrolment is not None else []
    form = with_hours_lines(form_class, max(HOURS_LINES, len(lines) + 1))(
        obj=enrolment, data={name: value for i, line in enumerate(lines)
                             for name, value in zip(hours_line_names(i), (line.area.code, line.minutes / 60),
                                                    strict=True)})
    areas = [(a.code, a.name) for a in network.list_service_areas(active_only=True)]
    areas += [(line.area.code, line.area.name) for line in lines if line.area.code not in dict(areas)]
    for i in range(form.line_count):
        form[hours_line_names(i)[0]].choices = [("", _("– none –")), *areas]
    return form


def _hours_data(form) -> list[tuple[str, float | None]]:
    """The form's lines as the service reads them: (area code, hours), blank lines included (it skips them)."""
    lines = []
    for i in range(form.line_count):
        area, hours = (form[name].data for name in hours_line_names(i))
        lines.append((area or "", float(hours) if hours is not None else None))
    return lines


def _lines(form) -> list[tuple]:
    return [tuple(form[name] for name in hours_line_names(i)) for i in range(form.line_count)]


@bp.route("/cases/<int:case_id>/enrolments", methods=["GET", "POST"])
@requires("cases.read")
@reads("cases", "case_id")
def case_enrolments(case_id: int):
    """The case's funding approvals with the use of approved hours, and (for case workers) a form to add one."""
    case = _case(case_id)
    may_write = can(g.membership.role, "cases.write")
    form = _hours_form(EnrolmentForm)
    contracts = db.session.scalars(
        select(Contract).where(Contract.status.in_(services.ENROLLABLE)).order_by(Contract.title)).all()
    form.contract_id.choices = [(c.id, c.title) for c in contracts]
    if form.is_submitted():
        if not may_write:
            return render_template("error.html", code=403, message=None), 403

        def enrol():
            data = {"contract_id": form.contract_id.data, "from_on": form.from_on.data, "to_on": form.to_on.data,
                    "note": form.note.data or "", "approved_hours": _hours_data(form)}
            return services.enrol_case(case.id, data, current_actor())

        if submit(form, enrol):
            flash(_("Funding approval recorded."), "success")
            return redirect(url_for("contracts.case_enrolments", case_id=case.id))
    rows = [(e, services.approved_hours_use(e)) for e in services.enrolments_of_case(case.id)]
    return render_template("contracts/case_enrolments.html", case=case, form=form, rows=rows, lines=_lines(form),
                           may_write=may_write), 422 if form.is_submitted() else 200


@bp.route("/cases/<int:case_id>/enrolments/<int:enrolment_id>/edit", methods=["GET", "POST"])
@requires("cases.write")
@reads("cases", "case_id")
def edit_enrolment(case_id: int, enrolment_id: int):
    """Change an approval's period, approved hours and note (the agency changed its decision)."""
    case = _case(case_id)
    enrolment = services.get_enrolment(case.id, enrolment_id)
    form = _hours_form(EnrolmentEditForm, enrolment)

    def update():
        data = {"from_on": form.from_on.data, "to_on": form.to_on.data, "note": form.note.data or "",
                "approved_hours": _hours_data(form)}
        return services.update_enrolment(enrolment, data, current_actor())

    if submit(form, update):
        flash(_("Funding approval changed."), "success")
        return redirect(url_for("contracts.case_enrolments", case_id=case.id))
    return render_template("contracts/enrolment_form.html", case=case, enrolment=enrolment, form=form,
                           lines=_lines(form)), 422 if form.is_submitted() else 200


@bp.route("/cases/<int:case_id>/enrolments/<int:enrolment_id>/end", methods=["GET", "POST"])
@requires("cases.write")
@reads("cases", "case_id")
def end_enrolment(case_id: int, enrolment_id: int):
    """End an approval early: the last day funded and a reason, checked, then confirmed (core.confirmation)."""
    case = _case(case_id)
    enrolment = services.get_enrolment(case.id, enrolment_id)
    back = url_for("contracts.case_enrolments", case_id=case.id)
    if enrolment.ended_on is not None:
        flash(_("This funding approval has already ended early."), "error")
        return redirect(back)
    form = EnrolmentEndForm()

    def end():
        return services.end_enrolment(enrolment, {"ended_on": form.ended_on.data, "end_reason": form.end_reason.data},
                                      current_actor())

    if form.is_submitted() and not confirmation.confirmed():
        # the date and reason are checked before the question, so that a refusal stands at its field
        accepted = submit(form, end)
        db.session.rollback()  # nothing changes before the yes
        if accepted:
            return confirmation.ask(
                _("The funding approval under “%(contract)s” (%(start)s to %(end)s) will end early on %(date)s.",
                  contract=enrolment.contract.title, start=format_date(enrolment.from_on),
                  end=format_date(enrolment.to_on), date=format_date(form.ended_on.data)),
                title=_("End the funding approval early?"), button=_("Yes, end the approval"), cancel_url=back,
                details=[_("From the next day, services of this case are neither funded nor billed under it."),
                         _("Reason: %(reason)s", reason=form.end_reason.data.strip())])
    elif submit(form, end):
        flash(_("The funding approval ends on %(date)s.", date=format_date(form.ended_on.data)), "success")
        return redirect(back)
    return render_template("contracts/enrolment_end.html", case=case, enrolment=enrolment, form=form,
                           back=back), 422 if form.is_submitted() else 200
