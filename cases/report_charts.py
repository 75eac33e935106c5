"""The charts of the report for funders (cases/reports.html): each one a picture of the table beside it."""
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from cases import forms as F
from core.charts import Series, bar_chart, hours


def report_charts(figures: dict, locale: str | None = None) -> dict[str, Markup | None]:
    """SVG charts of the report's figures: cases in the period, closures by outcome, hours by service area (none
    when no service was logged). Numbers in the page's language (German unless English is chosen)."""
    locale = locale or str(get_locale() or "de")
    counts = [figures["active"], figures["new"], figures["closed"]]
    outcomes = figures["by_outcome"]
    areas = figures["minutes_by_area"]
    return {
        "cases": bar_chart(_("Cases in the period"), [_("Active cases"), _("New cases"), _("Closed cases")],
                           [Series(_("Cases"), counts)], locale=locale, chart_id="chart-cases"),
        "outcomes": bar_chart(_("Closures by outcome"), [str(F.OUTCOME_LABELS.get(k, k)) for k in outcomes],
                              [Series(_("Cases"), list(outcomes.values()))], locale=locale,
                              chart_id="chart-outcomes"),
        "areas": bar_chart(_("Hours by service area"), list(areas), [Series(_("Hours"), [hours(m) for m in
                                                                                         areas.values()])],
                           places=1, unit="h", locale=locale, chart_id="chart-areas") if areas else None,
    }
