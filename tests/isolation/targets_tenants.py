from tests.isolation.targets import ACTOR, MARKER, target


@target("member_id")
def membership(fx):
    """B's viewer membership (created by the fixture)."""
    return fx.memberships["viewer"]


@target("invitation_id")
def invitation(fx):
    """An open invitation of B, its address carrying the marker."""
    from core.extensions import db
    from tenants import invitations
    from tenants.models import Tenant

    return invitations.invite(db.session.get(Tenant, fx.tenant_id), {"email": f"{MARKER.lower()}@example.org",
                                                                      "role": "viewer"}, ACTOR).id


@target("token_id")
def api_token_row(fx):
    """An API token of B's viewer."""
    from core.extensions import db
    from tenants.models import Membership
    from tenants.tokens import issue_api_token

    return issue_api_token(db.session.get(Membership, fx.memberships["viewer"]))[1].id
