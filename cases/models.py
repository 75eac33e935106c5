"""Models of cases/. The service-area catalogue is part of the foundation because contracts' rate lines use it too."""
from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import TenantScoped, Timestamped, tenant_fk

# (code, German name) — the default catalogue every tenant starts with; tenants edit it.
DEFAULT_SERVICE_AREAS = [
    ("case_management", "Fallmanagement"),
    ("childcare", "Kinderbetreuung"),
    ("qualification", "Qualifizierung"),
    ("job_placement", "Arbeitsvermittlung"),
    ("psychosocial", "Psychosoziale Beratung"),
    ("debt_counselling", "Schuldnerberatung"),
    ("housing", "Wohnen"),
    ("health", "Gesundheit"),
]


class ServiceArea(TenantScoped, Timestamped, db.Model):
    """A Leistungsbereich of the tenant's catalogue, referenced by needs, service entries and rate lines."""

    __tablename__ = "service_areas"
    __tenant_args__ = (UniqueConstraint("tenant_id", "code"), tenant_fk("agency_id", "agencies"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # the agency usually responsible for this area (tenant-level mapping used by needs assessment)
    agency_id: Mapped[int | None] = mapped_column(Integer)
