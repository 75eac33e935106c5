"""What case management answers to the layers below (core.signals): which of its rows still reference a
directory entry that someone wants to delete."""
from flask_babel import lazy_gettext as _l

from cases.models import Case, Consent, Goal, Need, Referral, ServiceEntry
from core import signals
from network.models import Agency, Partner, ServiceArea

# directory model -> (referencing column, reason shown in the 409)
REFERENCES = {
    Agency: [
        (Consent.agency_id, _l("Consents of clients name it as recipient.")),
        (Need.agency_id, _l("Needs of cases name it as responsible.")),
    ],
    Partner: [
        (Consent.partner_id, _l("Consents of clients name it as recipient.")),
        (Goal.partner_id, _l("Goals of support plans name it as responsible.")),
        (Referral.partner_id, _l("Referrals of cases go to it.")),
    ],
    ServiceArea: [
        (Need.service_area_id, _l("Needs of cases are in this area.")),
        (ServiceEntry.service_area_id, _l("Logged services are in this area.")),
    ],
}


def referenced_by_cases(row, **_kwargs) -> str | None:
    return signals.still_referenced(REFERENCES, row)


def active_cases(tenant, **_kwargs) -> dict:
    """For the platform admin console: the alliance's cases that are not closed (runs inside its context)."""
    from sqlalchemy import func, select

    from core.extensions import db

    return {"active_cases": db.session.scalar(select(func.count(Case.id)).where(Case.status != "closed"))}


def connect_signals() -> None:
    signals.deletion_refused.connect(referenced_by_cases, weak=False)
    signals.tenant_usage.connect(active_cases, weak=False)
