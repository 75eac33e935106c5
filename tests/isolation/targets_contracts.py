from contracts.services import create_agency
from tests.isolation.targets import ACTOR, MARKER, target


@target("agency_id")
def agency(fx):
    return create_agency({"name": f"{MARKER} Jobcenter", "kind": "jobcenter", "email": "b@beta.example.org"}, ACTOR).id
