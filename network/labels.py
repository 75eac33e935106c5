"""What the audit log calls agencies, partners and service areas, and how their ids read (core.labels)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import labels
from core.extensions import db
from network.forms import AGENCY_KIND_LABELS, PARTNER_KIND_LABELS, AgencyForm, PartnerForm, ServiceAreaForm
from network.models import Agency, Partner, ServiceArea


def _name(model):
    def name_of(row_id) -> str | None:
        row = db.session.get(model, row_id) if isinstance(row_id, int) else None
        return row.name if row else None

    return name_of


def service_area_name(code) -> str | None:
    """A service area by its code (needs, services and rate lines name it so)."""
    return db.session.scalar(select(ServiceArea.name).where(ServiceArea.code == str(code)))


def register() -> None:
    labels.register_reference("agency_id", _l("Funding agency"), _name(Agency))
    labels.register_reference("partner_id", _l("Partner organisation"), _name(Partner))
    labels.register_reference("service_area_id", _l("Service area"), _name(ServiceArea))
    labels.register_reference("service_area", _l("Service area"), service_area_name)
    labels.register_object("agencies", labels.ObjectLabels(
        _l("Funding agency"), fields=labels.form_labels(AgencyForm), choices={"kind": dict(AGENCY_KIND_LABELS)},
        name_of=_name(Agency)))
    labels.register_object("partners", labels.ObjectLabels(
        _l("Partner organisation"), fields=labels.form_labels(PartnerForm),
        choices={"kind": dict(PARTNER_KIND_LABELS)}, name_of=_name(Partner)))
    labels.register_object("service_areas", labels.ObjectLabels(
        _l("Service area"), fields=labels.form_labels(ServiceAreaForm), name_of=_name(ServiceArea)))
    labels.register_actions({
        "agency.create": _l("Funding agency added"), "agency.update": _l("Funding agency changed"),
        "agency.delete": _l("Funding agency deleted"), "partner.create": _l("Partner organisation added"),
        "partner.update": _l("Partner organisation changed"), "partner.delete": _l("Partner organisation deleted"),
        "service_area.create": _l("Service area added"), "service_area.update": _l("Service area changed"),
        "service_area.seed": _l("Default service areas created"),
    })
