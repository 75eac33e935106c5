"""Pages of contracts/: funding agencies (list, create, show, edit, delete)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from contracts import services
from contracts.forms import AGENCY_KIND_LABELS, AgencyForm
from core.extensions import db
from core.forms import apply_service_errors
from core.navigation import nav_item
from core.problems import ServiceError
from tenants.web import current_actor, requires, tenant_blueprint

bp = tenant_blueprint("contracts", __name__)
nav_item("contracts.agencies", "Funding agencies", "agencies.read", 30)


@bp.get("/agencies/")
@requires("agencies.read")
def agencies():
    return render_template("contracts/agencies.html", agencies=services.list_agencies(), kinds=dict(AGENCY_KIND_LABELS))


@bp.route("/agencies/new", methods=["GET", "POST"])
@requires("agencies.write")
def new_agency():
    form = AgencyForm()
    if form.validate_on_submit():
        try:
            agency = services.create_agency(_form_data(form), current_actor())
        except ServiceError as exc:
            db.session.rollback()
            apply_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Agency “%(name)s” created.", name=agency.name), "success")
            return redirect(url_for("contracts.agency", agency_id=agency.id))
    return render_template("contracts/agency_form.html", form=form, agency=None)


@bp.get("/agencies/<int:agency_id>")
@requires("agencies.read")
def agency(agency_id: int):
    return render_template("contracts/agency.html", agency=services.get_agency(agency_id),
                           kinds=dict(AGENCY_KIND_LABELS))


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@requires("agencies.write")
def edit_agency(agency_id: int):
    agency = services.get_agency(agency_id)
    form = AgencyForm(obj=agency)
    if form.validate_on_submit():
        try:
            services.update_agency(agency, _form_data(form), current_actor())
        except ServiceError as exc:
            db.session.rollback()
            apply_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("contracts.agency", agency_id=agency.id))
    return render_template("contracts/agency_form.html", form=form, agency=agency)


@bp.post("/agencies/<int:agency_id>/delete")
@requires("agencies.write")
def delete_agency(agency_id: int):
    agency = services.get_agency(agency_id)
    try:
        services.delete_agency(agency, current_actor())
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.detail), "error")
        return redirect(url_for("contracts.agency", agency_id=agency_id))
    db.session.commit()
    flash(_("Agency deleted."), "success")
    return redirect(url_for("contracts.agencies"))


def _form_data(form: AgencyForm) -> dict:
    return {name: form[name].data or "" for name in services.AGENCY_FIELDS}
