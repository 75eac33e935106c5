"""What the isolation probe needs to know about URL arguments: how to make an object of tenant B for each.

Each domain registers its factories in a module `tests/isolation/targets_<package>.py` (picked up by name, so
parallel work never edits one shared file):

    from tests.isolation.targets import MARKER, target

    @target("agency_id")
    def agency(fx):              # fx: the TenantFixture of tenant B, already in its context
        return create_agency({"name": f"{MARKER} agency"}, ACTOR).id

Every object a factory creates should carry MARKER in a text field that the pages/API would show, so that the probe
can assert that none of B's data appears. A route argument that cannot be probed belongs in EXEMPT with a reason.
"""
from collections.abc import Callable

from core.audit import Actor

MARKER = "B-SECRET-7f3a"
ACTOR = Actor.system("isolation probe")

TARGETS: dict[str, Callable] = {}

# endpoint -> why its id arguments are not probed
EXEMPT: dict[str, str] = {
    "static": "public static files, no tenant data",
    "auth.reset_password": "the argument is a signed token, not an object id; covered by tests/tenants/test_auth.py",
    "auth.invitation": "a signed token naming its tenant, not an object id; see tests/security/test_invitations.py",
    "signup.verify": "a signed, expiring e-mail verification token, not an object id; tests/tenants/test_signup.py",
}

# endpoint prefixes that exist for platform admins only: every tenant member gets 404 there, with the own
# tenant's ids too, so the control test (own ids answer) skips them (tests/tenants/test_admin_console.py)
PLATFORM_ONLY = ("admin.",)


def target(arg_name: str):
    def register(factory: Callable) -> Callable:
        TARGETS[arg_name] = factory
        return factory

    return register
