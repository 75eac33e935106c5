"""Funding agencies (Sozialleistungsträger); contracts, templates and documents follow in this package."""
from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import TenantScoped, Timestamped

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
    """A partner organisation of the network (childcare provider, training provider, counselling service, …)."""

    __tablename__ = "partners"
    __tenant_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="other")
    email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    address: Mapped[str] = mapped_column(Text, default="", nullable=False)
    contact: Mapped[str] = mapped_column(String(200), default="", nullable=False)
