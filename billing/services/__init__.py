"""Billing's verbs, called by pages, the API and tasks alike (they flush, the caller's boundary commits)."""

from billing.services.drafts import delete_draft, recalculate
from billing.services.invoices import (
    add_payment,
    credit_note,
    get_invoice,
    invoices_query,
    issue,
    issuer_missing,
    overdue_query,
    payments_of,
    totals,
)
from billing.services.plan import plan_period
from billing.services.runs import get_run, parse_period, retry, runs_query, start_run

__all__ = [
    "add_payment", "credit_note", "delete_draft", "get_invoice", "get_run", "invoices_query", "issue",
    "issuer_missing", "overdue_query", "parse_period", "payments_of", "plan_period", "recalculate", "retry",
    "runs_query", "start_run", "totals",
]
