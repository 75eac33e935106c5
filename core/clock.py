"""One clock: `now()` and `today()` in the current tenant's time zone (Europe/Berlin unless it says otherwise).

A service logged "today" just after midnight in Germany is today in Germany, whatever zone the server runs in.
Timestamps are stored in UTC (`utcnow`); dates the users see and type are the tenant's.
"""
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core.tenancy.context import current_zone_name

DEFAULT_ZONE = "Europe/Berlin"


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone(current_zone_name() or DEFAULT_ZONE)


def now() -> datetime:
    """The current time, aware, in the tenant's zone."""
    return utcnow().astimezone(zone())


def today() -> date:
    """Today's date in the tenant's zone."""
    return now().date()


def valid_zone(name: str) -> bool:
    try:
        return bool(name) and name in _zone_names() and _zone(name) is not None
    except (ZoneInfoNotFoundError, ValueError):
        return False


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())
