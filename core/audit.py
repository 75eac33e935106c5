"""The audit log: append-only events for every change, every download and every read of client data.

The runtime database role may only INSERT and SELECT this table (see the migration), so not even a bug in the
application can rewrite history on PostgreSQL.
"""
from dataclasses import dataclass
from datetime import datetime

from flask import g, has_request_context
from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import TenantScoped, UTCDateTime, utcnow


@dataclass(frozen=True)
class Actor:
    """Who does something, passed explicitly into services (they never read the request)."""

    user_id: int | None
    role: str | None = None
    ip: str | None = None
    label: str = ""

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(user_id=None, role=None, ip=None, label=label)


class AuditEvent(TenantScoped, db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(60), nullable=False)  # e.g. agency.create, contract.download
    object_type: Mapped[str] = mapped_column(String(60), nullable=False)
    object_id: Mapped[int | None] = mapped_column(Integer)
    diff: Mapped[dict | None] = mapped_column(JSON)


READ_ACTIONS = (".read", ".export", ".download")


def record(actor: Actor, action: str, obj=None, *, object_type: str | None = None, object_id: int | None = None,
           diff: dict | None = None) -> AuditEvent:
    """Add an audit event to the current transaction (it commits or rolls back with the change it describes)."""
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        actor_user_id=actor.user_id, actor_label=actor.label, ip=actor.ip, action=action,
        object_type=object_type or "", object_id=object_id, diff=diff,
    )
    db.session.add(event)
    if action.endswith(READ_ACTIONS) and has_request_context():
        g.bn_read_recorded = True  # a declared read (tenants.access.reads) need not add a generic event
    return event


def changes(obj, data: dict) -> dict:
    """Apply `data` to `obj` and return the short diff {field: [old, new]} of what really changed."""
    diff = {}
    for key, new in data.items():
        old = getattr(obj, key)
        if old != new:
            diff[key] = [_plain(old), _plain(new)]
            setattr(obj, key, new)
    return diff


def _plain(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
