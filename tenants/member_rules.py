"""Which member buttons the current member may use (issue 14: a button that would only be refused is not shown).

The same rules as tenants.services, asked before the page is drawn; the services still check every request."""
from core.audit import Actor
from core.problems import ServiceError
from tenants import services
from tenants.models import Membership
from tenants.roles import Role


def may_change(membership: Membership, actor: Actor) -> bool:
    """Whether `actor` may change or remove `membership` at all (only owners touch an owner's membership)."""
    try:
        services._refuse_owner_change_by_non_owner(actor, membership.role)
    except ServiceError:
        return False
    return True


def may_remove(membership: Membership, actor: Actor) -> bool:
    """Whether the Remove button works: not on an owner for a non-owner, never on the alliance's last owner."""
    if not may_change(membership, actor):
        return False
    return not (membership.role == Role.OWNER and services._owner_count() <= 1)
