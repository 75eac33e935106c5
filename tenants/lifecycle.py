"""Whether an alliance may write, and why not: suspended (by a platform admin or a canceled subscription),
closing, or a subscription past due beyond its grace period. Reads and the export stay possible in every case."""
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.clock import utcnow


def past_due_read_only_at(tenant):
    """When a past-due subscription makes the alliance read-only (None: it is not past due)."""
    if tenant.subscription_status not in ("past_due", "unpaid") or tenant.past_due_since is None:
        return None
    return tenant.past_due_since + timedelta(days=current_app.config["PAST_DUE_GRACE_DAYS"])


def write_block(tenant):
    """The reason (a lazy string) why `tenant` is read-only now, or None when it may write."""
    if tenant.is_suspended:
        return _l("This alliance is suspended; it can read but not write.")
    if tenant.is_closing:
        return _l("This alliance is being closed; it can read and export its data but not write.")
    read_only_at = past_due_read_only_at(tenant)
    if read_only_at is not None and utcnow() >= read_only_at:
        return _l("The subscription of this alliance is past due; it can read but not write until it is paid.")
    return None
