"""Bearer-token authentication for /api/v1: the token names the tenant, which the request then runs as."""
from flask import g, request

from core.api import API_PREFIX
from core.problems import problem
from core.tenancy.context import reset_tenant, set_tenant
from tenants.tokens import load_api_token, parse_bearer

OPEN_PATHS = {f"{API_PREFIX}/token", f"{API_PREFIX}/openapi.json"}


def authenticate_api_request():
    if not request.path.startswith(API_PREFIX + "/") or request.path in OPEN_PATHS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    parsed = parse_bearer(value.strip()) if scheme.lower() == "bearer" else None
    if parsed is None:
        return _unauthorized()
    tenant_id, token_id, secret = parsed
    g.tenant_token = set_tenant(tenant_id)  # reset by tenants.web.leave_tenant at teardown
    row = load_api_token(tenant_id, token_id, secret)
    if row is None:
        return _unauthorized()
    g.api_membership = row.membership
    g.bn_user_id = row.membership.user_id  # for the log lines, which never load (core.observability)
    from core.extensions import db
    from tenants.models import Tenant

    g.tenant = getattr(row, "tenant", None) or db.session.get(Tenant, tenant_id)  # loaded with the token
    reset_tenant(g.tenant_token)
    g.tenant_token = set_tenant(tenant_id, g.tenant.timezone)  # the tenant's clock (core.clock)
    return None


def _unauthorized():
    response = problem(401, "Unauthorized", "A valid bearer token is required (POST /api/v1/token).")
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
