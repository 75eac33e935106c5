"""The alliance's directory: funding agencies, partner organisations and the catalogue of service areas.

Below cases and contracts: needs, service entries, consents, contracts and rate lines all point here, never the
other way. Deleting a row that others still reference asks them first (core.signals.deletion_refused).
"""

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import TenantScoped, Timestamped, tenant_fk

AGENCY_KINDS = ("jobcenter", "arbeitsagentur", "jugendamt", "sozialamt", "kommune", "other")


class Agency(TenantScoped, Timestamped, db.Model):
    """A funding agency the alliance has agreements with and invoices (Jobcenter, Jugendamt, …)."""

    __tablename__ = "agencies"
    __tenant_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="other")
    leitweg_id: Mapped[str] = mapped_column(String(46), default="", nullable=False)
    email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    address: Mapped[str] = mapped_column(Text, default="", nullable=False)
    contact: Mapped[str] = mapped_column(String(200), default="", nullable=False)


PARTNER_KINDS = ("childcare", "training", "counselling", "employer", "other")


class Partner(TenantScoped, Timestamped, db.Model):
    """A partner organisation of the network (childcare provider, training provider, counselling service,
    …)."""

    __tablename__ = "partners"
    __tenant_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="other")
    email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    address: Mapped[str] = mapped_column(Text, default="", nullable=False)
    contact: Mapped[str] = mapped_column(String(200), default="", nullable=False)


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
