"""The plan's limit on active (not closed) cases (tenants.plans): checked when a case is opened or reopened."""
from sqlalchemy import func, select

from cases.models import Case
from core.extensions import db
from core.tenancy.context import current_tenant_id
from tenants.models import Tenant
from tenants.plans import check_limit


def active_case_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Case).where(Case.status != "closed"))


def check_active_case_limit() -> None:
    """409 when the current tenant's plan allows no further active case; closed cases never count."""
    check_limit(db.session.get(Tenant, current_tenant_id()), "active_cases", active_case_count())
