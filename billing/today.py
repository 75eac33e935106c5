"""Finance's items on the start page (tenants.today): periods to bill, overdue invoices, drafts to issue. Imported by
billing.views, which serves the pages they link to."""
from flask import url_for

from billing.services import due
from core import clock
from tenants.today import today_item


def _runs_url() -> str:
    """The runs page, its form set to the oldest period still to bill."""
    return url_for("billing.runs", period=due.first_period_to_bill(clock.today()))


today_item("billing.periods_to_bill", "Ended billing periods not billed yet", "billing.write",
           due.count_periods_to_bill, _runs_url, 30, endpoint="billing.runs")
today_item("billing.overdue", "Invoices overdue", "billing.read", due.count_overdue,
           lambda: url_for("billing.overdue"), 32, endpoint="billing.overdue")
today_item("billing.drafts", "Draft invoices waiting to be issued", "billing.write", due.count_drafts,
           lambda: url_for("billing.invoices", status="draft"), 34, endpoint="billing.invoices")
