"""Pages of network/: the alliance's funding agencies, partner organisations and service areas.

Views translate between forms and services (network.services holds every rule) and never commit: the request
does, once, at its end (core.transactions).
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import confirmation
from core.forms import flash_outcome, submit
from network import services
from network.forms import AGENCY_KIND_LABELS, PARTNER_KIND_LABELS, AgencyForm, PartnerForm, ServiceAreaForm
from network.models import Agency
from tenants.access import requires
from tenants.first_steps import any_row, first_step
from tenants.navigation import nav_item
from tenants.web import current_actor, tenant_blueprint

bp = tenant_blueprint("network", __name__)
nav_item("network.agencies", "Funding agencies", "agencies.read", 30)
first_step("agency", "Add the first funding agency", "network.new_agency", "agencies.write", any_row(Agency), 20)
nav_item("network.partners", "Partners", "agencies.read", 32)
nav_item("network.service_areas", "Service areas", "service_areas.write", 88)


def _data(form, fields) -> dict:
    return {name: form[name].data or "" for name in fields}


def _agency_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank), *[(str(a.id), a.name) for a in services.list_agencies()]]


# --- funding agencies -----------------------------------------------------------------------------------------------


@bp.get("/agencies/")
@requires("agencies.read")
def agencies():
    q = (request.args.get("q") or "").strip()[:200]
    return render_template("network/agencies.html", agencies=services.list_agencies(q), kinds=dict(AGENCY_KIND_LABELS),
                           q=q)


@bp.get("/agencies/<int:agency_id>")
@requires("agencies.read")
def agency(agency_id: int):
    return render_template("network/agency.html", agency=services.get_agency(agency_id),
                           kinds=dict(AGENCY_KIND_LABELS))


@bp.route("/agencies/new", methods=["GET", "POST"])
@requires("agencies.write")
def new_agency():
    return _agency_form(None)


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@requires("agencies.write")
def edit_agency(agency_id: int):
    return _agency_form(services.get_agency(agency_id))


def _agency_form(agency):
    form = AgencyForm(obj=agency)
    actor = current_actor()
    saved = submit(form, (lambda: services.create_agency(_data(form, services.AGENCY_FIELDS), actor))
                   if agency is None else (lambda: services.update_agency(agency, _data(form, services.AGENCY_FIELDS),
                                                                          actor)))
    if saved:
        flash(_("Agency “%(name)s” created.", name=saved.name) if agency is None else _("Saved."), "success")
        return redirect(url_for("network.agency", agency_id=saved.id))
    return render_template("network/agency_form.html", form=form, agency=agency)


@bp.post("/agencies/<int:agency_id>/delete")
@requires("agencies.write")
def delete_agency(agency_id: int):
    agency = services.get_agency(agency_id)
    if (page := confirmation.ask(_("Funding agency %(name)s will be deleted.", name=agency.name),
                                 title=_("Delete the funding agency?"), button=_("Yes, delete"),
                                 cancel_url=url_for("network.agency", agency_id=agency_id))) is not None:
        return page
    if flash_outcome(lambda: services.delete_agency(agency, current_actor()), _("Agency deleted.")):
        return redirect(url_for("network.agencies"))
    return redirect(url_for("network.agency", agency_id=agency_id))


# --- partner organisations ------------------------------------------------------------------------------------------


@bp.get("/partners/")
@requires("agencies.read")
def partners():
    q = (request.args.get("q") or "").strip()[:200]
    return render_template("network/partners.html", partners=services.list_partners(q), q=q,
                           kinds=dict(PARTNER_KIND_LABELS))


@bp.get("/partners/<int:partner_id>")
@requires("agencies.read")
def partner(partner_id: int):
    return render_template("network/partner.html", partner=services.get_partner(partner_id),
                           kinds=dict(PARTNER_KIND_LABELS))


@bp.route("/partners/new", methods=["GET", "POST"])
@requires("agencies.write")
def new_partner():
    return _partner_form(None)


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@requires("agencies.write")
def edit_partner(partner_id: int):
    return _partner_form(services.get_partner(partner_id))


def _partner_form(partner):
    form = PartnerForm(obj=partner)
    actor = current_actor()
    saved = submit(form, (lambda: services.create_partner(_data(form, services.PARTNER_FIELDS), actor))
                   if partner is None
                   else (lambda: services.update_partner(partner, _data(form, services.PARTNER_FIELDS), actor)))
    if saved:
        flash(_("Partner “%(name)s” created.", name=saved.name) if partner is None else _("Saved."), "success")
        return redirect(url_for("network.partner", partner_id=saved.id))
    return render_template("network/partner_form.html", form=form, partner=partner)


@bp.post("/partners/<int:partner_id>/delete")
@requires("agencies.write")
def delete_partner(partner_id: int):
    partner = services.get_partner(partner_id)
    if (page := confirmation.ask(_("Partner %(name)s will be deleted.", name=partner.name),
                                 title=_("Delete the partner?"), button=_("Yes, delete"),
                                 cancel_url=url_for("network.partner", partner_id=partner_id))) is not None:
        return page
    if flash_outcome(lambda: services.delete_partner(partner, current_actor()), _("Partner deleted.")):
        return redirect(url_for("network.partners"))
    return redirect(url_for("network.partner", partner_id=partner_id))


# --- service areas --------------------------------------------------------------------------------------------------


@bp.get("/service-areas/")
@requires("service_areas.write")
def service_areas():
    agencies = dict(_agency_choices("–"))
    return render_template("network/service_areas.html", areas=services.list_service_areas(),
                           agencies={int(k): v for k, v in agencies.items() if k})


@bp.route("/service-areas/new", methods=["GET", "POST"])
@requires("service_areas.write")
def new_service_area():
    form = ServiceAreaForm()
    form.agency_id.choices = _agency_choices(_("– none –"))
    names = ("code", "name", "agency_id", "active")
    if submit(form, lambda: services.create_service_area({name: form[name].data for name in names},
                                                         current_actor())):
        flash(_("Service area created."), "success")
        return redirect(url_for("network.service_areas"))
    return render_template("form_page.html", form=form, title=_("New service area"),
                           cancel_url=url_for("network.service_areas"))


@bp.route("/service-areas/<int:area_id>/edit", methods=["GET", "POST"])
@requires("service_areas.write")
def edit_service_area(area_id: int):
    area = services.get_service_area(area_id)
    form = ServiceAreaForm(data={"code": area.code, "name": area.name, "agency_id": str(area.agency_id or ""),
                                 "active": area.active})
    del form.code  # the code is the stable key
    form.agency_id.choices = _agency_choices(_("– none –"))
    names = ("name", "agency_id", "active")
    if submit(form, lambda: services.update_service_area(area, {name: form[name].data for name in names},
                                                         current_actor())):
        flash(_("Saved."), "success")
        return redirect(url_for("network.service_areas"))
    return render_template("form_page.html", form=form, title=_("Edit service area %(name)s", name=area.name),
                           cancel_url=url_for("network.service_areas"))
