"""What contracts answer to the layers below (core.signals): is a service funded, which contract rows still
reference a directory entry that someone wants to delete, and the links they add to a case's page."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases.models import Case
from contracts.models import ApprovedHours, Contract, ContractPartner, RateLine
from contracts.services import funded
from core import signals
from network.models import Agency, Partner, ServiceArea
from tenants.roles import can

# directory model -> (referencing column, reason shown in the 409)
REFERENCES = {
    Agency: [(Contract.agency_id, _l("Contracts with this agency exist."))],
    Partner: [(ContractPartner.partner_id, _l("Contracts name it as a partner."))],
    ServiceArea: [
        (RateLine.service_area_id, _l("Rate lines of contracts pay for this area.")),
        (ApprovedHours.service_area_id, _l("Funding approvals grant hours in this area.")),
    ],
}


def referenced_by_contracts(row, **_kwargs) -> str | None:
    return signals.still_referenced(REFERENCES, row)


def service_funded(case, *, on, area, **_kwargs) -> bool:
    return funded(case.id, on, area.id)


def case_links(row, *, role, **_kwargs) -> list | None:
    """A case's page links to its funding approvals (the page lives here, one layer up)."""
    if not isinstance(row, Case) or not can(role, "cases.read"):
        return None
    return [signals.PageLink(_("Funding approvals"), _("Show and record"),
                             url_for("contracts.case_enrolments", case_id=row.id))]


def connect_signals() -> None:
    signals.deletion_refused.connect(referenced_by_contracts, weak=False)
    signals.service_funded.connect(service_funded, weak=False)
    signals.page_links.connect(case_links, weak=False)
