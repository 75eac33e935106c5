"""The report for funders shows each table with a chart beside it (server-rendered SVG) that pictures the same
numbers, in German."""
import re
from datetime import date

from tests import today_rows as rows


def _chart(page: str, chart_id: str) -> str:
    match = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', page, re.S)
    assert match, f"no chart {chart_id}"
    return match.group(0)


def test_report_shows_charts_with_the_numbers_of_its_tables(app, client, login, tenant_a):
    """Cases in the period, closures by outcome and hours by service area: does each appear as an image (role img)
    whose name carries the table's numbers in German, with bars as long as their share of the largest?"""
    from sqlalchemy import select

    from cases.models import ServiceEntry
    from core.extensions import db
    from network.models import ServiceArea

    with app.app_context(), tenant_a.context():
        areas = {a.code: a for a in db.session.scalars(select(ServiceArea))}
        first = rows.case(tenant_a, opened_on=date(2026, 2, 1), last_name="Krüger")
        second = rows.case(tenant_a, opened_on=date(2026, 3, 1))
        second.status, second.closed_on, second.outcome = "closed", date(2026, 5, 31), "employment"
        for case, minutes, area in ((first, 90, "childcare"), (first, 60, "childcare"), (second, 30, "housing")):
            db.session.add(ServiceEntry(case_id=case.id, on=date(2026, 4, 2), minutes=minutes,
                                        service_area_id=areas[area].id))
        db.session.commit()
        childcare, housing = areas["childcare"].name, areas["housing"].name
    login(client, tenant_a, "owner")
    page = client.get(f"/{tenant_a.slug}/reports?date_from=2026-01-01&date_to=2026-12-31&agency_id=")
    assert page.status_code == 200
    html = page.get_data(as_text=True)

    cases = _chart(html, "chart-cases")
    assert 'role="img"' in cases and "<title>Fälle im Zeitraum</title>" in cases
    assert "Aktive Fälle: 2; Neue Fälle: 2; Abgeschlossene Fälle: 1" in cases.replace("\u00a0", " ")

    outcomes = _chart(html, "chart-outcomes")
    assert "Arbeitsaufnahme: 1" in outcomes

    hours = _chart(html, "chart-areas")
    assert f"{childcare}: 2,5\u00a0h; {housing}: 0,5\u00a0h" in hours  # 150 and 30 minutes
    widths = [float(w) for w in re.findall(r'<rect x="0" y="[\d.]+" width="([\d.]+)"', hours)]
    assert widths[1] == widths[0] / 5
    # the table beside it: the same hours, and the chart sits next to it (one row of the grid)
    assert re.search(rf"<th scope=\"row\">{re.escape(childcare)}</th><td class=\"num\">2,5</td>", html)
    row = html[html.index('<h2>Stunden nach Leistungsbereich</h2>'):]
    assert row.index("<table>") < row.index('id="chart-areas"') < row.index("</div>\n</div>")


def test_report_without_services_has_no_hours_chart(client, login, tenant_a):
    """A period with nothing logged: is the hours chart left out, with the sentence saying so, and do the other
    charts show zeros rather than break?"""
    login(client, tenant_a, "owner")
    html = client.get(f"/{tenant_a.slug}/reports?date_from=2026-01-01&date_to=2026-12-31&agency_id=") \
        .get_data(as_text=True)
    assert 'id="chart-areas"' not in html and "In diesem Zeitraum wurden keine Leistungen dokumentiert." in html
    assert "Aktive Fälle: 0" in _chart(html, "chart-cases")
