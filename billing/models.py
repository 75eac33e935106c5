"""Models of billing/: billing runs, invoices with their lines, the charges they bill, numbering, payments,
documents and dunning notices.

Every charge has a key that is unique among live charges (DOMAIN.md "Billing rules"): `e:<entry>` for a service
entry, `cm:<contract>:<case>:<YYYY-MM>` for a case-month, `p:<contract>:<period>` for a period's flat rate. A
credit note releases its invoice's charges (`released_at`), which frees their keys for a later run. So however
many runs of a period start at once, the database lets each charge be billed once.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.models import TenantScoped, Timestamped, UTCDateTime, tenant_fk, utcnow

RUN_STATUSES = ("pending", "running", "done", "failed")
UNBILLED_REASONS = ("no_enrolment", "no_rate", "contract_not_active", "ambiguous_funder", "budget_exhausted")
INVOICE_KINDS = ("invoice", "credit_note")
# stored states; "overdue" is read from the due date (Invoice.status)
INVOICE_STATES = ("draft", "issued", "sent", "partly_paid", "paid", "cancelled")
INVOICE_STATUSES = ("draft", "issued", "sent", "partly_paid", "paid", "overdue", "cancelled")
OPEN_STATES = ("issued", "sent", "partly_paid")
LINE_KINDS = ("per_case_month", "per_unit", "per_period", "budget_cut")
CHARGE_KINDS = ("entry", "case_month", "period")
DOCUMENT_KINDS = ("pdf", "docx", "statement_csv", "statement_pdf")
FILE_STATES = ("pending", "done", "failed")


class BillingRun(TenantScoped, db.Model):
    """One run of a period: a step per contract (each commits on its own, so progress shows and a retry
    continues where a killed worker stopped), then the report of what was left unbilled."""

    __tablename__ = "billing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", nullable=False)
    started_by_id: Mapped[int | None] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(10), default="web", nullable=False)  # web | api | beat
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    steps_total: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    steps_done: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # [{"entry_id", "case_id", "reason", "contract_ids"}] and the invoices touched, written when the run ends
    unbilled: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    invoice_ids: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    error: Mapped[str] = mapped_column(Text, default="", nullable=False)


class BillingRunStep(TenantScoped, db.Model):
    """A contract billed by a run: the unique key makes a re-delivered step a no-op."""

    __tablename__ = "billing_run_steps"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "run_id", "contract_id"),
        tenant_fk("run_id", "billing_runs", ondelete="CASCADE"),
        tenant_fk("contract_id", "contracts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    contract_id: Mapped[int] = mapped_column(Integer, nullable=False)
    invoice_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20), default="invoiced", nullable=False)  # | nothing | budget_exhausted
    done_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Invoice(TenantScoped, Timestamped, db.Model):
    """An invoice to a funding agency for one contract and period, or a credit note that cancels one.

    Drafts are recalculated freely; issuing assigns the number and freezes everything (issuer and recipient are
    copied, so a later change of address does not rewrite an issued invoice).
    """

    __tablename__ = "invoices"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "number"),
        tenant_fk("agency_id", "agencies"),
        tenant_fk("contract_id", "contracts"),
        tenant_fk("cancels_id", "invoices"),
        # one draft per contract and period: concurrent runs meet here
        Index("uq_invoices_one_draft", "tenant_id", "contract_id", "period", unique=True,
              postgresql_where=text("state = 'draft'"), sqlite_where=text("state = 'draft'")),
        Index("ix_invoices_tenant_period", "tenant_id", "period", "id"),
        CheckConstraint("net_cents >= 0 AND tax_cents >= 0 AND gross_cents >= 0", name="amounts_not_negative"),
        # a deleted draft's id is never given to another invoice (runs and audit events keep pointing at it)
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default="invoice", nullable=False)
    number: Mapped[str | None] = mapped_column(String(20))
    run_id: Mapped[int | None] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    contract_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    state: Mapped[str] = mapped_column(String(12), default="draft", nullable=False, index=True)
    issued_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_to: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    net_cents: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    tax_cents: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    gross_cents: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    budget_cut_cents: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    vat: Mapped[str] = mapped_column(String(10), default="exempt", nullable=False)
    vat_exempt_reason: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    cancels_id: Mapped[int | None] = mapped_column(Integer)  # a credit note: the invoice it cancels
    cancelled_by_id: Mapped[int | None] = mapped_column(Integer)  # an invoice: its credit note
    dunning_level: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # what the invoice was issued with: frozen copies (issuer, recipient, contract title)
    issuer: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    recipient: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    contract_title: Mapped[str] = mapped_column(String(200), default="", nullable=False)

    lines: Mapped[list["InvoiceLine"]] = relationship(
        primaryjoin="Invoice.id == foreign(InvoiceLine.invoice_id)", order_by="InvoiceLine.position",
        viewonly=True, lazy="selectin",
    )
    agency = relationship("Agency", primaryjoin="Agency.id == foreign(Invoice.agency_id)", viewonly=True,
                          lazy="joined")
    contract = relationship("Contract", primaryjoin="Contract.id == foreign(Invoice.contract_id)", viewonly=True)

    @property
    def status(self) -> str:
        """The state a person reads: an open invoice past its due date is overdue, without anyone acting."""
        if (self.kind == "invoice" and self.state in OPEN_STATES and self.due_on is not None
                and self.due_on < clock.today()):
            return "overdue"
        return self.state

    @property
    def is_draft(self) -> bool:
        return self.state == "draft"

    @property
    def open_cents(self) -> int:
        """What the agency still owes (a credit note owes nothing: it cancels)."""
        if self.kind != "invoice" or self.state not in OPEN_STATES:
            return 0
        return max(0, self.gross_cents - self.paid_cents)

    @property
    def signed_net_cents(self) -> int:
        return -self.net_cents if self.kind == "credit_note" else self.net_cents

    @property
    def signed_gross_cents(self) -> int:
        """The gross amount as it counts: a credit note takes its amount back."""
        return -self.gross_cents if self.kind == "credit_note" else self.gross_cents

    @property
    def year(self) -> int | None:
        return int(self.number[:4]) if self.number else None


class InvoiceLine(TenantScoped, db.Model):
    """One line of an invoice: a rate line of the contract priced over the period (or the budget cut)."""

    __tablename__ = "invoice_lines"
    __tenant_args__ = (tenant_fk("invoice_id", "invoices", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    rate_line_id: Mapped[int | None] = mapped_column(Integer)
    service_area_id: Mapped[int | None] = mapped_column(Integer)
    service_area_code: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    label: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    unit_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)


class Charge(TenantScoped, db.Model):
    """One thing billed: a service entry, a case-month or a period's flat rate, with its share in cents.

    Live charges (not released by a credit note) are unique per key: the database refuses to bill one twice.
    """

    __tablename__ = "charges"
    __tenant_args__ = (
        tenant_fk("invoice_id", "invoices", ondelete="CASCADE"),
        Index("uq_charges_live_key", "tenant_id", "key", unique=True,
              postgresql_where=text("released_at IS NULL"), sqlite_where=text("released_at IS NULL")),
        Index("ix_charges_tenant_invoice", "tenant_id", "invoice_id", "line_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(Integer, nullable=False)
    line_id: Mapped[int] = mapped_column(Integer, nullable=False)
    contract_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    key: Mapped[str] = mapped_column(String(80), nullable=False)
    case_id: Mapped[int | None] = mapped_column(Integer)
    service_entry_id: Mapped[int | None] = mapped_column(Integer)
    on: Mapped[date | None] = mapped_column(Date)  # the entry's day, or the first day of the month / period
    minutes: Mapped[int | None] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InvoiceCounter(TenantScoped, db.Model):
    """The last number issued per tenant and year; locked by the issuing transaction (gap-free numbers)."""

    __tablename__ = "invoice_counters"
    __tenant_args__ = (UniqueConstraint("tenant_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Payment(TenantScoped, db.Model):
    __tablename__ = "payments"
    __tenant_args__ = (
        tenant_fk("invoice_id", "invoices", ondelete="CASCADE"),
        CheckConstraint("amount_cents > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    on: Mapped[date] = mapped_column(Date, nullable=False)
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    note: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class InvoiceDocument(TenantScoped, db.Model):
    """A file of an issued invoice, made once and kept with its SHA-256 (never regenerated differently)."""

    __tablename__ = "invoice_documents"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "invoice_id", "kind"),
        tenant_fk("invoice_id", "invoices", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="pending", nullable=False)
    path: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class DunningNotice(TenantScoped, db.Model):
    """A payment reminder that went out: once per invoice and level."""

    __tablename__ = "dunning_notices"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "invoice_id", "level"),
        tenant_fk("invoice_id", "invoices", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(Integer, nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    sent_to: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class InvoiceSending(TenantScoped, db.Model):
    """One e-mail of an issued invoice to its agency: when, to whom, by whom, and which files with their SHA-256
    (`files`: [{name, sha256, size}])."""

    __tablename__ = "invoice_sendings"
    __tenant_args__ = (tenant_fk("invoice_id", "invoices", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sent_to: Mapped[str] = mapped_column(String(254), nullable=False)
    sent_by_id: Mapped[int | None] = mapped_column(Integer)
    files: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
