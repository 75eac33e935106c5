"""One decorator for what a member may do, on pages and in the API alike: the capability of the member's role,
and the rule that a suspended alliance can read but not write."""
from functools import wraps

from flask import abort, g, make_response, request
from flask_babel import lazy_gettext as _l

from core import audit
from core.api import API_PREFIX
from core.extensions import db
from core.problems import Forbidden, problem
from tenants.impersonation import write_block as impersonation_write_block
from tenants.lifecycle import write_block
from tenants.roles import can

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_membership():
    """The membership the request acts as: the bearer token's in the API, the logged-in member's on pages."""
    return g.get("api_membership") if request.path.startswith(API_PREFIX + "/") else g.get("membership")


def can_write_now() -> bool:
    """May the request's member change data now (no suspension, closing, overdue subscription or impersonation)?
    Pages hide their create, edit and delete buttons when not (the `can_write` template global)."""
    tenant = g.get("tenant")
    return tenant is None or not (write_block(tenant) or impersonation_write_block())


# capabilities that change data: the template global `can` denies them while the alliance cannot write, so that
# the buttons they guard disappear (the views refuse the writes anyway, see requires())
WRITE_CAPABILITIES = frozenset({"tenant.write", "members.manage", "agencies.write", "service_areas.write",
                                "cases.write", "contracts.write", "billing.write"})


def requires(capability: str, *, while_read_only: bool = False):
    """View decorator: a member whose role has `capability` (403 otherwise); writes refused while suspended,
    except for `while_read_only` views, which are the way out of it (paying the subscription)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            membership = current_membership()
            if membership is None:
                if request.path.startswith(API_PREFIX + "/"):
                    return problem(401, "Unauthorized", "A valid bearer token is required.")
                abort(404)  # tenant pages exist only for members (tenants.web)
            if not can(membership.role, capability):
                raise Forbidden(_l("Your role may not do this."))
            if request.method not in SAFE_METHODS:
                blocked = (None if while_read_only else write_block(g.tenant)) or impersonation_write_block()
                if blocked:
                    raise Forbidden(blocked)
            result = view(*args, **kwargs)
            # services flush; this makes sure the answer shows what the commit at the end will write
            db.session.flush()
            return result

        return wrapper

    return decorator


def reads(object_type: str, id_arg: str | None = None):
    """View decorator that declares a read of client data: a successful GET writes `<object_type>.read` to the
    audit log (with the id from the URL argument `id_arg`, or the query of a list), unless the service already
    recorded a more specific read or export. Declared on the route, so that a new route cannot forget it
    (tests/cases/test_cases_read_audit.py goes through every GET route of every blueprint)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            from tenants.web import current_actor

            response = make_response(view(*args, **kwargs))
            if (request.method in SAFE_METHODS and response.status_code < 400
                    and not g.pop("bn_read_recorded", False)):
                query = request.query_string.decode(errors="replace")[:300]
                audit.record(current_actor(), f"{object_type}.read", object_type=object_type,
                             object_id=kwargs.get(id_arg) if id_arg else None,
                             diff={"query": [None, query]} if query else None)
            return response

        wrapper.audited_read = object_type
        return wrapper

    return decorator
