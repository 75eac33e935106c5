"""Declarative base, naming convention and the mixins every model builds on."""
from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, MetaData, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from core.clock import utcnow

# Stable constraint names: Alembic needs them for SQLite batch migrations and for readable diffs.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes on both databases: stored as UTC, always read back aware (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime; use an aware one (core.models.utcnow)")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        return ensure_aware(value)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


class TenantScoped:
    """A row that belongs to exactly one tenant.

    The ORM wall (core.tenancy.isolation) filters and stamps `tenant_id`; the migrations put a row-level security policy
    on the table. Every tenant table is also unique on (tenant_id, id) so that references between tenant rows can be
    composite foreign keys that cannot cross tenants (see `tenant_fk`). Subclasses add constraints through
    `__tenant_args__`.
    """

    __tenant_args__: tuple = ()

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("tenant_id", "id"), *cls.__tenant_args__)


def tenant_fk(column: str, target_table: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    """A reference to another tenant row that the database refuses to point across tenants."""
    return ForeignKeyConstraint(
        ["tenant_id", column], [f"{target_table}.tenant_id", f"{target_table}.id"], ondelete=ondelete
    )


def ensure_aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes although we store UTC; make them aware again."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
