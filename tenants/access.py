"""One decorator for what a member may do, on pages and in the API alike: the capability of the member's role,
and the rule that a suspended alliance can read but not write."""
from functools import wraps

from flask import abort, g, request
from flask_babel import lazy_gettext as _l

from core.api import API_PREFIX
from core.extensions import db
from core.problems import Forbidden, problem
from tenants.roles import can

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_membership():
    """The membership the request acts as: the bearer token's in the API, the logged-in member's on pages."""
    return g.get("api_membership") if request.path.startswith(API_PREFIX + "/") else g.get("membership")


def requires(capability: str):
    """View decorator: a member whose role has `capability` (403 otherwise); writes refused while suspended."""

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
            if request.method not in SAFE_METHODS and g.tenant.is_suspended:
                raise Forbidden(_l("This alliance is suspended; it can read but not write."))
            result = view(*args, **kwargs)
            # services flush; this makes sure the answer shows what the commit at the end will write
            db.session.flush()
            return result

        return wrapper

    return decorator
