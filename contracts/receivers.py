"""What contracts answer to the layers below (core.signals): is a service funded, and which contract rows still
reference a directory entry that someone wants to delete."""
from flask_babel import lazy_gettext as _l

from contracts.models import ApprovedHours, Contract, ContractPartner, RateLine
from contracts.services import funded
from core import signals
from network.models import Agency, Partner, ServiceArea

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


def connect_signals() -> None:
    signals.deletion_refused.connect(referenced_by_contracts, weak=False)
    signals.service_funded.connect(service_funded, weak=False)
