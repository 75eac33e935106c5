"""Tenant B's objects for the URL id arguments of sign-up (tenants.signup_views): accepted legal documents."""
from tests.isolation.targets import MARKER, target


@target("acceptance_id")
def acceptance(fx):
    """B's acceptance of the terms, accepted by an address carrying the marker."""
    from core.extensions import db
    from core.models import utcnow
    from tenants.models import Acceptance

    row = Acceptance(document="terms", version="2026-12", accepted_by=f"{MARKER.lower()}@example.org",
                     accepted_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row.id
