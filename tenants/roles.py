"""Roles of a membership and what each may do. One table, read by views, API and services alike."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    CASE_MANAGER = "case_manager"
    FINANCE = "finance"
    VIEWER = "viewer"
    AGENCY = "agency"


ROLES = [r.value for r in Role]
STAFF = {Role.OWNER, Role.ADMIN, Role.CASE_MANAGER, Role.FINANCE, Role.VIEWER}
ADMINS = {Role.OWNER, Role.ADMIN}

# capability -> roles that have it
PERMISSIONS: dict[str, set[Role]] = {
    "tenant.read": STAFF,
    "tenant.write": ADMINS,
    "members.manage": ADMINS,  # also: see and revoke every API token of the alliance
    "tokens.own": STAFF | {Role.AGENCY},  # see and revoke one's own API tokens
    "audit.read": ADMINS,
    "subscription.manage": {Role.OWNER},  # the Stripe subscription: plan, payment method, cancelation
    "legal.read": {Role.OWNER},  # the accepted terms and data-processing agreement, as downloads
    "tenant.export": {Role.OWNER},  # the archive of all the alliance's data (also while read-only)
    "agencies.read": STAFF,
    "agencies.write": ADMINS | {Role.FINANCE},
    "service_areas.read": STAFF,
    "service_areas.write": ADMINS,
    "cases.read": STAFF - {Role.FINANCE},
    "cases.write": ADMINS | {Role.CASE_MANAGER},
    "cases.all": ADMINS,  # see every case, not only one's own
    "cases.read_all": ADMINS | {Role.VIEWER},  # read every case (viewers: without confidential notes)
    "cases.reports": ADMINS | {Role.CASE_MANAGER, Role.VIEWER},
    "contracts.read": STAFF,
    "contracts.write": ADMINS | {Role.FINANCE},
    "billing.read": ADMINS | {Role.FINANCE},
    "billing.write": ADMINS | {Role.FINANCE},
    "invoices.read": ADMINS | {Role.FINANCE, Role.AGENCY},
    "portal.read": {Role.AGENCY},  # the agency portal: an agency member's own invoices (its start page)
}

ROLE_LABELS = {
    Role.OWNER: _l("Owner"),
    Role.ADMIN: _l("Administrator"),
    Role.CASE_MANAGER: _l("Case manager"),
    Role.FINANCE: _l("Finance"),
    Role.VIEWER: _l("Viewer"),
    Role.AGENCY: _l("Funding agency"),
}


def can(role: str | None, capability: str) -> bool:
    if role is None:
        return False
    return Role(role) in PERMISSIONS[capability]
