"""Tenant B's objects for the URL id arguments of network/ (agencies, partners, service areas)."""

from network import services
from tests.isolation.targets import ACTOR, MARKER, target


@target("agency_id")
def agency(fx):
    return services.create_agency(
        {"name": f"{MARKER} Jobcenter", "kind": "jobcenter", "email": "b@beta.example.org"}, ACTOR
    ).id


@target("partner_id")
def partner(fx):
    # the cases targets may have made this partner already (referrals need one)
    existing = [p for p in services.list_partners() if p.name == f"{MARKER} Kita"]
    if existing:
        return existing[0].id
    return services.create_partner({"name": f"{MARKER} Kita", "kind": "childcare"}, ACTOR).id


@target("area_id")
def service_area(fx):
    return services.create_service_area({"code": "b_secret_area", "name": f"{MARKER} area"}, ACTOR).id
