"""Tenants (one per alliance), users (one identity each), memberships (a role in one tenant), invitations to
become a member, and API tokens."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
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
    # active | suspended (by a platform admin or a canceled subscription: read-only, data kept, export possible)
    # | closing (read-only until closes_at, then a beat task deletes its rows and files: tenants.lifecycle)
    status: Mapped[str] = mapped_column(String(20), default="active", nullable=False)
    status_reason: Mapped[str] = mapped_column(Text, default="", server_default="", nullable=False)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # closed for good (tenants.admin.purge): when its rows and files were deleted, and what the law made us keep
    # ({"tables": {table: rows}, "files": n, "until": "YYYY-MM-DD"}); the tenant row stays as a tombstone
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    kept_after_purge: Mapped[dict | None] = mapped_column(JSON)
    # the plan (tenants.plans) and the Stripe subscription that pays for it (none on the free plan)
    plan: Mapped[str] = mapped_column(String(20), default="free", server_default="free", nullable=False)
    # trialing | active | past_due | canceled | incomplete | unpaid, as Stripe reports it; None: no subscription
    subscription_status: Mapped[str | None] = mapped_column(String(20))
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    past_due_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the `created` time of the last Stripe event applied (tenants.subscriptions): an older one arriving late
    # does not overwrite a newer status
    subscription_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # who suspended the alliance: "subscription" (it ended; a paid one reactivates) or None (a platform admin,
    # whose suspension a payment never undoes)
    suspended_by: Mapped[str | None] = mapped_column(String(20))
    # the alliance requires a second factor (TOTP) of every member
    require_second_factor: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", nullable=False)
    # the alliance's clock (core.clock): what "today" means for its service log, deadlines and documents
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin", server_default="Europe/Berlin",
                                          nullable=False)

    @property
    def is_suspended(self) -> bool:
        return self.status == "suspended"

    @property
    def is_closing(self) -> bool:
        return self.status == "closing"


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
    # set when the owner of the address opened the verification link (sign-up) or accepted an invitation; accounts
    # made on the command line count as verified
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # TOTP (tenants.second_factor): the secret encrypted with a key derived from SECRET_KEY; the last time step
    # used, so that a code works once
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

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


class RecoveryCode(db.Model):
    """A single-use recovery code of a user's second factor; only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StripeEvent(db.Model):
    """A Stripe webhook event already handled: its id is the primary key, so a replay changes nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100), nullable=False)
    # the Stripe customer it concerns (platform-wide table: no tenant_id, so no row-level security here)
    customer: Mapped[str | None] = mapped_column(String(255))
    created: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)  # when Stripe made the event
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Acceptance(TenantScoped, db.Model):
    """Who accepted which version of the terms or of the data-processing agreement (AV-Vertrag, Art. 28 GDPR)
    for the alliance, and when; the accepted text is shipped with that version (tenants/legal/)."""

    __tablename__ = "acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[str] = mapped_column(String(20), nullable=False)  # terms | dpa
    version: Mapped[str] = mapped_column(String(20), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_by: Mapped[str] = mapped_column(String(254), nullable=False)  # the e-mail, kept if the user goes
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
