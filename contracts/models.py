"""Funding agencies, partners, contract templates, contracts with rate lines, their steps and documents."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import TenantScoped, Timestamped, UTCDateTime, tenant_fk, utcnow
from network.models import Agency, Partner

LEGAL_BASES = ("sgb2_16a", "sgb2_16_sgb3_45", "sgb2_17", "sgb8_77_78a", "sgb12_75", "other")
ROUTES = ("agreement", "procurement", "joint_company")
BILLING_CYCLES = ("monthly", "quarterly")
VAT_MODES = ("exempt", "19")
RATE_KINDS = ("per_case_month", "per_unit", "per_period")
# The lifecycle in order; "ended" covers expiry and termination (end_reason says which).
STATUSES = ("draft", "in_review", "approved", "sent", "signed", "active", "ended")


class ContractTemplate(TenantScoped, db.Model):
    """One immutable version of a .docx template; a new upload under the same name is the next version."""

    __tablename__ = "contract_templates"
    __tenant_args__ = (UniqueConstraint("tenant_id", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    storage_path: Mapped[str] = mapped_column(String(500), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    @property
    def label(self) -> str:
        return f"{self.name} (v{self.version})"


class Contract(TenantScoped, Timestamped, db.Model):
    """An agreement with a funding agency (Vereinbarung / Finanzierungsabrede), one version of it.

    An amendment of an active contract is a new row with `amends_id` pointing at the version it changes and
    `version` one higher; both stay readable.
    """

    __tablename__ = "contracts"
    __tenant_args__ = (
        tenant_fk("agency_id", "agencies"),
        tenant_fk("template_id", "contract_templates"),
        tenant_fk("amends_id", "contracts"),
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="valid_range"
        ),
        CheckConstraint("budget_cents IS NULL OR budget_cents >= 0", name="budget_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    template_id: Mapped[int | None] = mapped_column(Integer)
    amends_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    legal_basis: Mapped[str] = mapped_column(String(30), default="sgb2_16a", nullable=False)
    route: Mapped[str] = mapped_column(String(20), default="agreement", nullable=False)
    scope: Mapped[str] = mapped_column(Text, default="", nullable=False)
    quality: Mapped[str] = mapped_column(Text, default="", nullable=False)
    efficiency_review: Mapped[str] = mapped_column(Text, default="", nullable=False)
    efficiency_indicators: Mapped[str] = mapped_column(Text, default="", nullable=False)
    review_interval_months: Mapped[int | None] = mapped_column(Integer)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    notification_duties: Mapped[str] = mapped_column(Text, default="", nullable=False)
    termination: Mapped[str] = mapped_column(Text, default="", nullable=False)
    notice_period_months: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    billing_cycle: Mapped[str] = mapped_column(String(10), default="monthly", nullable=False)
    prorate_days: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    budget_cents: Mapped[int | None] = mapped_column(BigInteger)
    vat: Mapped[str] = mapped_column(String(10), default="exempt", nullable=False)
    vat_exempt_reason: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="draft", nullable=False, index=True)
    end_reason: Mapped[str] = mapped_column(String(20), default="", nullable=False)  # expired | terminated
    drafted_by_id: Mapped[int | None] = mapped_column(Integer)

    agency: Mapped[Agency] = relationship(
        primaryjoin="Agency.id == foreign(Contract.agency_id)", viewonly=True, lazy="joined"
    )
    template: Mapped[ContractTemplate | None] = relationship(
        primaryjoin="ContractTemplate.id == foreign(Contract.template_id)", viewonly=True
    )
    rates: Mapped[list["RateLine"]] = relationship(
        primaryjoin="Contract.id == foreign(RateLine.contract_id)",
        order_by="RateLine.position",
        cascade="all, delete-orphan",
    )
    partners: Mapped[list["ContractPartner"]] = relationship(
        primaryjoin="Contract.id == foreign(ContractPartner.contract_id)",
        order_by="ContractPartner.id",
        cascade="all, delete-orphan",
    )
    steps: Mapped[list["ContractStep"]] = relationship(
        primaryjoin="Contract.id == foreign(ContractStep.contract_id)",
        order_by="ContractStep.id",
        viewonly=True,
    )
    documents: Mapped[list["ContractDocument"]] = relationship(
        primaryjoin="Contract.id == foreign(ContractDocument.contract_id)",
        order_by="ContractDocument.id",
        viewonly=True,
    )


class RateLine(TenantScoped, db.Model):
    """One line of the compensation: a flat rate (per case and month, per period) or an hourly amount per
    area."""

    __tablename__ = "rate_lines"
    __tenant_args__ = (
        tenant_fk("contract_id", "contracts", ondelete="CASCADE"),
        tenant_fk("service_area_id", "service_areas"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    service_area_id: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)

    area = relationship(
        "ServiceArea",
        primaryjoin="ServiceArea.id == foreign(RateLine.service_area_id)",
        viewonly=True,
        lazy="joined",
    )

    @property
    def service_area(self) -> str | None:
        """The area's code, as the API shows it."""
        return self.area.code if self.area is not None else None


class ContractPartner(TenantScoped, db.Model):
    """A partner organisation that delivers part of the contracted services."""

    __tablename__ = "contract_partners"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "contract_id", "partner_id"),
        tenant_fk("contract_id", "contracts", ondelete="CASCADE"),
        tenant_fk("partner_id", "partners"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    partner_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)

    partner: Mapped[Partner] = relationship(
        primaryjoin="Partner.id == foreign(ContractPartner.partner_id)", viewonly=True, lazy="joined"
    )


class ContractStep(TenantScoped, db.Model):
    """Who moved a contract from one state to the next, when, and with which effective date."""

    __tablename__ = "contract_steps"
    __tenant_args__ = (tenant_fk("contract_id", "contracts", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    from_status: Mapped[str] = mapped_column(String(20), nullable=False)
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    effective_on: Mapped[date] = mapped_column(Date, nullable=False)
    by_user_id: Mapped[int | None] = mapped_column(Integer)
    by_label: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


DOCUMENT_KINDS = ("rendered", "signed")
PDF_STATES = ("pending", "done", "failed")


class ContractDocument(TenantScoped, db.Model):
    """A rendering of a contract (docx, then PDF by a task) or the uploaded signed copy. Files never
    change."""

    __tablename__ = "contract_documents"
    __tenant_args__ = (
        tenant_fk("contract_id", "contracts", ondelete="CASCADE"),
        tenant_fk("template_id", "contract_templates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(10), default="rendered", nullable=False)
    template_id: Mapped[int | None] = mapped_column(Integer)
    docx_path: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(
        String(64), nullable=False
    )  # of the docx (rendered) or the PDF (signed)
    pdf_path: Mapped[str | None] = mapped_column(String(500))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_status: Mapped[str] = mapped_column(String(10), default="pending", nullable=False)
    pdf_error: Mapped[str] = mapped_column(Text, default="", nullable=False)
    signed_by_provider_on: Mapped[date | None] = mapped_column(Date)
    signed_by_agency_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class ContractReminder(TenantScoped, db.Model):
    """A reminder that was sent: the unique key makes the beat task send each one once."""

    __tablename__ = "contract_reminders"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "contract_id", "event", "due_on"),
        tenant_fk("contract_id", "contracts", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(Integer, nullable=False)
    event: Mapped[str] = mapped_column(String(20), nullable=False)  # ends | review
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Enrolment(TenantScoped, Timestamped, db.Model):
    """A funding approval (Kostenzusage): a case is enrolled under a contract for a date range.

    An approval ended early keeps its range and says since when it no longer counts (`ended_on`, the last day
    funded, with `end_reason`); `ends_on` is the last day it is in force, which the funding check, billing and the
    efficiency report read. The composite foreign key to cases came with the merge migration 0004 (both branches
    grew from 0001).
    """

    __tablename__ = "enrolments"
    __tenant_args__ = (
        tenant_fk("contract_id", "contracts"),
        tenant_fk("case_id", "cases"),
        CheckConstraint("to_on >= from_on", name="range"),
        CheckConstraint("ended_on IS NULL OR (ended_on >= from_on AND ended_on <= to_on)", name="ended"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    contract_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    from_on: Mapped[date] = mapped_column(Date, nullable=False)
    to_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    ended_on: Mapped[date | None] = mapped_column(Date)  # ended early: the last day funded
    end_reason: Mapped[str] = mapped_column(String(500), default="", server_default="", nullable=False)

    contract: Mapped[Contract] = relationship(
        primaryjoin="Contract.id == foreign(Enrolment.contract_id)", viewonly=True, lazy="joined"
    )

    @hybrid_property
    def ends_on(self) -> date:
        """The last day the approval is in force: the end date if it was ended early, else `to_on`."""
        return self.to_on if self.ended_on is None else min(self.ended_on, self.to_on)

    @ends_on.inplace.expression
    @classmethod
    def _ends_on_expression(cls):
        return func.coalesce(cls.ended_on, cls.to_on)
    approved_hours: Mapped[list["ApprovedHours"]] = relationship(
        primaryjoin="Enrolment.id == foreign(ApprovedHours.enrolment_id)",
        cascade="all, delete-orphan",
        order_by="ApprovedHours.id",
    )


class ApprovedHours(TenantScoped, db.Model):
    """Hours approved for one service area within an enrolment (optional)."""

    __tablename__ = "approved_hours"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "enrolment_id", "service_area_id"),
        tenant_fk("enrolment_id", "enrolments", ondelete="CASCADE"),
        tenant_fk("service_area_id", "service_areas"),
        CheckConstraint("minutes > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    service_area_id: Mapped[int] = mapped_column(Integer, nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)

    area = relationship(
        "ServiceArea",
        primaryjoin="ServiceArea.id == foreign(ApprovedHours.service_area_id)",
        viewonly=True,
        lazy="joined",
    )
