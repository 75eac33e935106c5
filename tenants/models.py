"""Tenants (one per alliance), users (one identity each), memberships (a role in one tenant), invitations to
become a member, and API tokens."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import TenantScoped, Timestamped, UTCDateTime, tenant_fk


class Tenant(Timestamped, db.Model):
    """A local alliance; also the issuer of its invoices (name, legal name, address, tax data, register entry, bank
    account, contact person, payment terms)."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    legal_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    address: Mapped[str] = mapped_column(Text, default="", nullable=False)
    tax_number: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    vat_id: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    iban: Mapped[str] = mapped_column(String(34), default="", nullable=False)
    bic: Mapped[str] = mapped_column(String(11), default="", nullable=False)
    email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    # association register entry, e.g. "VR 1234, Amtsgericht Hamm" (optional on invoices)
    register_number: Mapped[str] = mapped_column(String(100), default="", server_default="", nullable=False)
    contact_name: Mapped[str] = mapped_column(String(200), default="", server_default="", nullable=False)
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="", nullable=False)
    # days from the invoice date until an invoice is due
    payment_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30", nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="active", nullable=False)  # active | suspended
    # the alliance's clock (core.clock): what "today" means for its service log, deadlines and documents
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin", server_default="Europe/Berlin",
                                          nullable=False)

    @property
    def is_suspended(self) -> bool:
        return self.status == "suspended"


class User(UserMixin, Timestamped, db.Model):
    """One person, one login, possibly members of several tenants."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    locale: Mapped[str | None] = mapped_column(String(5))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # raised to end every session and API token of the user at once (logout, new password, deactivation,
    # removal); sessions and tokens carry the version they were made with
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def get_id(self) -> str:  # Flask-Login keeps this in the session: an older version no longer loads
        return f"{self.id}.{self.session_version}"


class Membership(TenantScoped, Timestamped, db.Model):
    """A user's role in one tenant; an `agency` member is tied to one funding agency of that tenant."""

    __tablename__ = "memberships"
    __tenant_args__ = (UniqueConstraint("tenant_id", "user_id"), tenant_fk("agency_id", "agencies"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    agency_id: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User] = relationship(lazy="joined")


class Invitation(TenantScoped, db.Model):
    """An invitation to join a tenant with a role, sent by e-mail. Only a hash of the link's secret is kept; the
    link is single-use (accepted_at) and expires. The invitee sets their own password or, with an account
    already, accepts while logged in: nobody else ever chooses a member's password."""

    __tablename__ = "invitations"
    __tenant_args__ = (tenant_fk("agency_id", "agencies"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(TenantScoped, db.Model):
    """A bearer token of one membership. Only a hash is stored; the signed token names tenant and row."""

    __tablename__ = "api_tokens"
    __tenant_args__ = (tenant_fk("membership_id", "memberships", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)

    membership: Mapped[Membership] = relationship(
        primaryjoin="Membership.id == foreign(ApiToken.membership_id)", lazy="joined"
    )
