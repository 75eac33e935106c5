"""The efficiency review report of a contract shows charts beside its tables: the same numbers, German money."""
import re


def _chart(page: str, chart_id: str) -> str:
    match = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', page, re.S)
    assert match, f"no chart {chart_id}"
    return match.group(0)


def _label(svg: str) -> str:
    return re.search(r'aria-label="([^"]*)"', svg).group(1).replace("\u00a0", " ")


def test_efficiency_report_pictures_its_tables(app, client, login, tenant_a, example):
    """Contract A in October 2026: do the cost, rate-line and service-area charts name the same amounts and hours
    as the report computes, in German, and are the charts of empty tables (approved hours, outcomes) left out?"""
    from billing.efficiency import efficiency_report
    from contracts.models import Contract
    from core.charts import hours as to_hours
    from core.charts import number_text
    from core.extensions import db
    from core.money import format_cents

    contract_id = example.contracts["A"]
    with app.app_context(), tenant_a.context():
        from datetime import date

        report = efficiency_report(db.session.get(Contract, contract_id), date(2026, 10, 1), date(2026, 10, 31))
        areas = [(row["area"].name, row["minutes"]) for row in report["areas"] if row["minutes"]]
        costs = [line["cost_cents"] for line in report["lines"]]
        total = report["total_cents"]
    assert areas and total > 0
    login(client, tenant_a, "viewer")
    page = client.get(f"/{tenant_a.slug}/contracts/{contract_id}/efficiency?from=2026-10-01&to=2026-10-31")
    assert page.status_code == 200
    html = page.get_data(as_text=True)

    amounts = _label(_chart(html, "chart-amounts"))
    assert amounts.startswith("Kosten, Budget und Abrechnung. ")
    assert f"Kosten laut Vereinbarung: {format_cents(total)}" in amounts and "Höchstbetrag" not in amounts  # no cap

    lines = _chart(html, "chart-lines")
    for cents in costs:
        assert f">{format_cents(cents).replace(' ', chr(0xa0))}</text>" in lines

    hours = _label(_chart(html, "chart-areas"))
    for name, minutes in areas:
        assert f"{name}: {number_text(to_hours(minutes), 1)} h" in hours

    # no hours approved per service area under A, no enrolled case closed in October: no chart of empty tables
    assert 'id="chart-approved"' not in html and 'id="chart-outcomes"' not in html
    assert html.count('role="img"') == 3


def test_efficiency_charts_in_english_keep_german_money(app, client, login, tenant_a, example):
    """In English, are hours written the English way (2.5 h) while money stays German as in the tables?"""
    login(client, tenant_a, "viewer")
    contract_id = example.contracts["A"]
    html = client.get(f"/{tenant_a.slug}/contracts/{contract_id}/efficiency?from=2026-10-01&to=2026-10-31&lang=en") \
        .get_data(as_text=True)
    assert "Cost, budget and invoiced" in _chart(html, "chart-amounts")
    assert re.search(r"\d,\d\d\u00a0€", _chart(html, "chart-lines"))
    assert re.search(r"\d\.\d\u00a0h", _chart(html, "chart-areas"))
