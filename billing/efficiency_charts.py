"""The charts of a contract's efficiency review report (billing/efficiency.html): each a picture of a table beside it.

Amounts are written as the tables write them (German euros, as core.money does in either language); hours and
counts in the page's language.
"""
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from core.charts import Series, bar_chart, euros, hours


def efficiency_charts(report: dict, lines: list[dict], outcomes: list[tuple[str, int]], invoiced: dict,
                      locale: str | None = None) -> dict[str, Markup | None]:
    """SVG charts: cost against budget and invoices, cost per rate line, hours per service area, approved against
    used hours, outcomes of the cases closed. A chart is None where its table has no rows."""
    locale = locale or str(get_locale() or "de")
    money = {"places": 2, "unit": "€", "locale": "de"}
    amounts = [(_("Budget cap"), report["budget_cents"]),
               (_("Cost according to the agreement"), report["total_cents"]),
               (_("Invoiced (net, issued invoices that are not cancelled)"), invoiced["net_cents"]),
               (_("Paid"), invoiced["paid_cents"])]
    amounts = [(label, cents) for label, cents in amounts if cents is not None]
    areas = [row for row in report["areas"] if row["minutes"]]
    approved = report["approved_hours"]
    return {
        "amounts": bar_chart(_("Cost, budget and invoiced"), [label for label, _c in amounts],
                             [Series(_("Amount"), [euros(c) for _l, c in amounts])], chart_id="chart-amounts",
                             **money),
        "lines": bar_chart(_("Cost per rate line"), [line["title"] for line in lines],
                           [Series(_("Cost"), [euros(line["cost_cents"]) for line in lines])],
                           chart_id="chart-lines", **money) if lines else None,
        "areas": bar_chart(_("Hours per service area"), [_area(row) for row in areas],
                           [Series(_("Hours"), [hours(row["minutes"]) for row in areas])], places=1, unit="h",
                           locale=locale, chart_id="chart-areas") if areas else None,
        "approved": bar_chart(_("Approved and used hours"), [_area(row) for row in approved],
                              [Series(_("Approved hours"), [hours(row["approved_minutes"]) for row in approved]),
                               Series(_("Used hours"), [hours(row["used_minutes"]) for row in approved])],
                              places=1, unit="h", locale=locale, chart_id="chart-approved") if approved else None,
        "outcomes": bar_chart(_("Outcomes of cases closed in the period"), [str(label) for label, _n in outcomes],
                              [Series(_("Cases"), [n for _l, n in outcomes])], locale=locale,
                              chart_id="chart-outcomes") if outcomes else None,
    }


def _area(row: dict) -> str:
    return row["area"].name if row["area"] else "–"
