"""Case-management verbs. The foundation holds the service-area catalogue; the cases issue adds the rest."""
from sqlalchemy import select

from cases.models import DEFAULT_SERVICE_AREAS, ServiceArea
from core import audit
from core.audit import Actor
from core.extensions import db
from tenants.services import TENANT_CREATED_HOOKS


def seed_service_areas(tenant, actor: Actor) -> None:
    """Every new tenant starts with the default catalogue (called inside its tenant context)."""
    existing = set(db.session.scalars(select(ServiceArea.code)))
    for code, name in DEFAULT_SERVICE_AREAS:
        if code not in existing:
            db.session.add(ServiceArea(code=code, name=name))
    db.session.flush()
    audit.record(actor, "service_area.seed", object_type="service_areas", diff={"count": [None, len(DEFAULT_SERVICE_AREAS)]})


TENANT_CREATED_HOOKS.append(seed_service_areas)
