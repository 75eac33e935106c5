"""API: tokens and the tenant's issuer data."""
from flask import current_app, g
from sqlalchemy import select

from core.api import api_blueprint
from core.extensions import db, limiter
from core.problems import problem
from core.tenancy.context import tenant_context
from tenants import services
from tenants.access import requires
from tenants.models import Tenant
from tenants.schemas import TenantPatchSchema, TenantSchema, TokenList, TokenRequest, TokenResponse
from tenants.tokens import issue_api_token
from tenants.web import current_actor

auth_api = api_blueprint("api_auth", __name__, "", description="Authentication")
tenant_api = api_blueprint("api_tenant", __name__, "/tenant", description="The alliance (invoice issuer data)")


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@auth_api.route("/token", methods=["POST"])
@limiter.limit(_login_limit)
@auth_api.arguments(TokenRequest)
@auth_api.response(201, TokenResponse)
@auth_api.alt_response(401, description="Bad credentials")
@auth_api.doc(security=[])
def create_token(data):
    """Exchange e-mail, password and tenant slug for a bearer token of that membership."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == data["tenant"].strip().lower()))
    user = services.authenticate(data["email"], data["password"])
    if tenant is None or user is None:
        return problem(401, "Unauthorized", "E-mail, password or alliance are not correct.")
    with tenant_context(tenant.id, zone=tenant.timezone):
        membership = services.membership_of(user)
        if membership is None:
            return problem(401, "Unauthorized", "E-mail, password or alliance are not correct.")
        token, row = issue_api_token(membership)
        db.session.flush()  # inside the tenant: the token row is written as this tenant (ORM wall and RLS)
        return {"token": token, "expires_at": row.expires_at, "role": membership.role}


tokens_api = api_blueprint("api_tokens", __name__, "/tokens", description="API tokens: list and revoke")


@tokens_api.route("", methods=["GET"])
@requires("tokens.own")
@tokens_api.response(200, TokenList)
def list_tokens():
    """The tokens that still work: one's own; all of the alliance's for admins."""
    return {"items": db.session.scalars(services.live_tokens(current_actor()).limit(500)).all(), "next": None}


@tokens_api.route("/<int:token_id>", methods=["DELETE"])
@requires("tokens.own")
@tokens_api.response(204)
def revoke_token(token_id):
    """Revoke a token (the one in use, too): it answers 401 from then on."""
    services.revoke_token(services.get_token(token_id, current_actor()), current_actor())


@tenant_api.route("", methods=["GET"])
@requires("tenant.read")
@tenant_api.response(200, TenantSchema)
def get_tenant():
    """The alliance's issuer data."""
    return g.tenant


@tenant_api.route("", methods=["PATCH"])
@requires("tenant.write")
@tenant_api.arguments(TenantPatchSchema)
@tenant_api.response(200, TenantSchema)
def patch_tenant(data):
    """Change the issuer data (owners and admins)."""
    services.update_tenant(g.tenant, data, current_actor())
    return g.tenant


blueprints = (auth_api, tenant_api, tokens_api)
