"""Models of cases/: clients and children, consents, cases with needs, goals, referrals and the service log.

Every reference between tenant rows is a composite foreign key (`tenant_fk`), so the database refuses links
across tenants. The service-area catalogue and the agencies live in network/.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import TenantScoped, Timestamped, UTCDateTime, tenant_fk, utcnow
from core.search import fold_variants
from network.models import ServiceArea

# ESF+ entry data (common output indicators): labour-market status and ISCED education level at entry.
EMPLOYMENT_STATUSES = ("unemployed", "long_term_unemployed", "inactive", "employed", "in_education")
ISCED_LEVELS = ("0", "1", "2", "3", "4", "5", "6", "7", "8")


class Client(TenantScoped, Timestamped, db.Model):
    """The single parent: only what the forms need (data minimisation); elsewhere shown by pseudonym."""

    __tablename__ = "clients"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "pseudonym"),
        # name search (`LIKE '%…%'`) by trigrams on PostgreSQL; a plain index on SQLite
        Index("ix_clients_search_trgm", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(20), nullable=False)  # K-2026-0042
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    phone: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    receives_sgb2: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    employment_status: Mapped[str | None] = mapped_column(String(30))
    education_level: Mapped[str | None] = mapped_column(String(2))
    # visible to the assigned case managers and tenant admins only
    confidential_note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # GDPR: "restrict instead of delete" for records under dispute; anonymised_at once erased
    restricted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # name and pseudonym folded for search (lower case, umlauts and accents off: "Krüger" is found as "kruger"
    # and "krueger"); kept in step by the ORM events below; a trigram index serves it on PostgreSQL
    search_text: Mapped[str] = mapped_column(String(500), default="", server_default="", nullable=False)

    # lists and the API show them: one query per page, not one per client
    children: Mapped[list["Child"]] = relationship(viewonly=True, order_by="Child.id", lazy="selectin")

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def client_search_text(first_name: str, last_name: str, pseudonym: str) -> str:
    return " | ".join(fold_variants(f"{first_name} {last_name} {pseudonym}"))[:500]


@event.listens_for(Client, "before_insert")
@event.listens_for(Client, "before_update")
def _keep_search_text(_mapper, _connection, client: Client) -> None:
    client.search_text = client_search_text(client.first_name, client.last_name, client.pseudonym)


class Child(TenantScoped, db.Model):
    __tablename__ = "client_children"
    __tenant_args__ = (tenant_fk("client_id", "clients", ondelete="CASCADE"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    birth_year: Mapped[int] = mapped_column(Integer, nullable=False)


# What may be passed on to a recipient (Sozialdatenschutz: name each item the client releases).
DATA_ITEMS = ("identity", "contact", "household", "needs", "support_plan", "services", "progress", "outcome")
CONSENT_STATUSES = ("requested", "given", "withdrawn", "expired")


class Consent(TenantScoped, Timestamped, db.Model):
    """A release from confidentiality for one recipient (agency or partner). Once given it is never edited:
    it is withdrawn (or expires) and a new one is issued; the old rows stay as history."""

    __tablename__ = "consents"
    __tenant_args__ = (
        tenant_fk("client_id", "clients", ondelete="CASCADE"),
        tenant_fk("agency_id", "agencies"),
        tenant_fk("partner_id", "partners"),
        tenant_fk("replaces_id", "consents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    partner_id: Mapped[int | None] = mapped_column(Integer)
    purposes: Mapped[str] = mapped_column(Text, default="", nullable=False)
    data_items: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    status: Mapped[str] = mapped_column(
        String(12), default="requested", nullable=False
    )  # stored: requested|given|withdrawn
    requested_on: Mapped[date | None] = mapped_column(Date)
    given_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    replaces_id: Mapped[int | None] = mapped_column(Integer)

    def status_on(self, on: date) -> str:
        """The state on a day: a given consent past its expiry date is `expired` without anyone acting."""
        if self.status == "given" and self.expires_on is not None and on > self.expires_on:
            return "expired"
        return self.status


CASE_PHASES = ("intake", "assessment", "planning", "active", "evaluation", "closed")
OUTCOMES = (
    "employment",
    "training",
    "childcare_secured",
    "goals_partly_achieved",
    "transferred",
    "dropped_out",
    "other",
)
# ESF+ result at exit (common result indicators)
ESF_EXIT_STATUSES = ("employed", "self_employed", "in_education", "job_searching", "inactive", "unknown")


class Case(TenantScoped, Timestamped, db.Model):
    """A case (Fall) of a client, run through the phases of case management by one case manager."""

    __tablename__ = "cases"
    # the case list's order (opened_on DESC, id DESC, read backwards) within one tenant
    __tenant_args__ = (
        tenant_fk("client_id", "clients"),
        Index("ix_cases_tenant_opened", "tenant_id", "opened_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    # a user id (users are platform-wide); membership in the tenant is checked by the services
    case_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="intake", nullable=False, index=True)
    opened_on: Mapped[date] = mapped_column(Date, nullable=False)
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(30))
    esf_exit_status: Mapped[str | None] = mapped_column(String(20))
    next_review_on: Mapped[date | None] = mapped_column(Date)
    confidential_note: Mapped[str] = mapped_column(Text, default="", nullable=False)

    client: Mapped[Client] = relationship(viewonly=True, lazy="joined")


NEED_PRIORITIES = ("high", "medium", "low")


class Need(TenantScoped, Timestamped, db.Model):
    """A need found in the assessment, in one service area, with the agency responsible for funding it."""

    __tablename__ = "needs"
    __tenant_args__ = (
        tenant_fk("case_id", "cases", ondelete="CASCADE"),
        tenant_fk("service_area_id", "service_areas"),
        tenant_fk("agency_id", "agencies"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    service_area_id: Mapped[int] = mapped_column(Integer, nullable=False)
    priority: Mapped[str] = mapped_column(String(10), default="medium", nullable=False)
    baseline: Mapped[str] = mapped_column(Text, default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    agency_id: Mapped[int | None] = mapped_column(Integer)

    service_area: Mapped[ServiceArea] = relationship(viewonly=True, lazy="joined")


GOAL_STATUSES = ("planned", "in_progress", "done", "not_done", "cancelled")
GOAL_RESPONSIBLE = ("client", "case_manager", "partner")


class Goal(TenantScoped, Timestamped, db.Model):
    """A goal of the support plan with its measure, the responsible party and target and review dates."""

    __tablename__ = "goals"
    __tenant_args__ = (tenant_fk("case_id", "cases", ondelete="CASCADE"), tenant_fk("partner_id", "partners"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    measure: Mapped[str] = mapped_column(Text, default="", nullable=False)
    responsible: Mapped[str] = mapped_column(String(20), default="client", nullable=False)
    partner_id: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="planned", nullable=False)


class SupportPlanVersion(TenantScoped, db.Model):
    """A frozen copy of the support plan, made on each approval; old versions stay readable."""

    __tablename__ = "support_plan_versions"
    __tenant_args__ = (
        tenant_fk("case_id", "cases", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "case_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    approved_on: Mapped[date] = mapped_column(Date, nullable=False)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    goals: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


REFERRAL_STATUSES = ("pending", "accepted", "rejected", "done")


class Referral(TenantScoped, Timestamped, db.Model):
    """A referral of the case to a partner organisation (only with the client's consent for that partner)."""

    __tablename__ = "referrals"
    __tenant_args__ = (
        tenant_fk("case_id", "cases", ondelete="CASCADE"),
        tenant_fk("partner_id", "partners"),
        tenant_fk("consent_id", "consents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    partner_id: Mapped[int] = mapped_column(Integer, nullable=False)
    consent_id: Mapped[int] = mapped_column(Integer, nullable=False)
    referred_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="pending", nullable=False)
    status_on: Mapped[date | None] = mapped_column(Date)


class ServiceEntry(TenantScoped, Timestamped, db.Model):
    """One logged service (Leistungsdokumentation). Billing marks it; a billed entry is immutable."""

    __tablename__ = "service_entries"
    __tenant_args__ = (
        tenant_fk("case_id", "cases"),
        tenant_fk("service_area_id", "service_areas"),
        Index("ix_service_entries_tenant_case_on", "tenant_id", "case_id", "on", "id"),  # a case's log, newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    service_area_id: Mapped[int] = mapped_column(Integer, nullable=False)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    direct: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    billed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # billing's invoice line (no foreign key yet: billing/ adds its tables later)
    invoice_line_id: Mapped[int | None] = mapped_column(Integer)

    service_area: Mapped[ServiceArea] = relationship(viewonly=True, lazy="joined")

    @property
    def billed(self) -> bool:
        return self.billed_at is not None


class CaseEvent(TenantScoped, db.Model):
    """One line of a case's timeline: what happened, when, by whom (kind + short detail, shown translated)."""

    __tablename__ = "case_events"
    __tenant_args__ = (
        tenant_fk("case_id", "cases", ondelete="CASCADE"),
        Index("ix_case_events_tenant_case_at", "tenant_id", "case_id", "at", "id"),  # a case's timeline, newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30), nullable=False)  # status, need, goal, goal_status, service, …
    detail: Mapped[str] = mapped_column(String(300), default="", nullable=False)


class CaseSettings(TenantScoped, db.Model):
    """Per-tenant settings of case management (retention period after closing)."""

    __tablename__ = "case_settings"
    __tenant_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    retention_years: Mapped[int] = mapped_column(Integer, default=10, nullable=False)
