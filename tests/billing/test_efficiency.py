"""The efficiency review report of a contract over a period: cases, hours, cost according to the agreement,
budget share, outcomes, approved against used hours; as a page and as a PDF."""

import io
from datetime import date
from decimal import Decimal

import pytest

from tests.contracts.test_enrolments import _actor, _cases, _contract

# The contract (tests/contracts/conftest.py): 180,00 € per case and month (case management), 32,50 € per hour
# of childcare, 500,00 € per monthly billing period; budget 120.000,00 €; valid 2027.
PERIOD = (date(2027, 1, 1), date(2027, 2, 28))


def _scenario(fx, agency_id, **terms):
    """Two enrolled cases with services and one closed case; returns (contract, first case, second case)."""
    from sqlalchemy import select

    from cases.models import Case, ServiceEntry
    from contracts import services
    from core.extensions import db
    from network.models import ServiceArea

    contract = _contract(fx, agency_id, **terms)
    first, second = _cases(2)
    services.enrol_case(first, {"contract_id": contract.id, "from_on": date(2027, 1, 15),
                                "to_on": date(2027, 2, 10)}, _actor())
    services.enrol_case(second, {"contract_id": contract.id, "from_on": date(2027, 2, 1),
                                 "to_on": date(2027, 6, 30), "approved_hours": {"childcare": 20}}, _actor())
    areas = {a.code: a.id for a in db.session.scalars(select(ServiceArea))}
    for case_id, on, minutes, area in [
        (first, date(2027, 1, 20), 90, "childcare"),  # 1,5 h × 32,50 € = 48,75 €
        (first, date(2027, 2, 20), 60, "childcare"),  # after the enrolment: not counted
        (second, date(2027, 2, 3), 45, "childcare"),  # 0,75 h × 32,50 € = 24,375 → 24,38 €
        (second, date(2027, 2, 5), 30, "qualification"),  # hours, but no rate line: no cost
        (second, date(2027, 3, 1), 60, "childcare"),  # after the period (counts as used approved hours)
    ]:
        db.session.add(ServiceEntry(case_id=case_id, on=on, minutes=minutes, service_area_id=areas[area]))
    closed = db.session.get(Case, first)
    closed.status, closed.closed_on, closed.outcome = "closed", date(2027, 2, 15), "employment"
    later = db.session.get(Case, second)
    later.status, later.closed_on, later.outcome = "closed", date(2027, 3, 10), "training"
    db.session.commit()
    return contract, first, second


def test_report_computes_cost_according_to_the_agreement(app, tenant_a, make_agency):
    """Does the report count cases and case-months across two months, price 90 minutes at 32,50 €/h as 48,75 €,
    add the flat rate per billing period, and give the total, cost per case and budget share in exact cents?"""
    from billing.efficiency import efficiency_report

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract, _first, _second = _scenario(tenant_a, agency_id)
        report = efficiency_report(contract, *PERIOD)

        assert report["cases"] == 2
        assert report["case_months"] == 3  # first: January and February; second: February
        by_kind = {line["kind"]: line["cost_cents"] for line in report["lines"]}
        assert by_kind == {"per_case_month": 3 * 18000, "per_unit": 4875 + 2438, "per_period": 2 * 50000}
        assert report["total_cents"] == 54000 + 7313 + 100000 == 161313
        assert report["cost_per_case_cents"] == 80657  # 1.613,13 € ÷ 2 = 806,565 → 806,57 €
        assert report["budget_cents"] == 12_000_000
        assert report["budget_share"] == Decimal("0.0134")
        assert report["minutes"] == 90 + 45 + 30
        areas = {row["area"].code: row for row in report["areas"]}
        assert (areas["childcare"]["minutes"], areas["childcare"]["cases"]) == (135, 2)
        assert areas["childcare"]["cost_cents"] == 7313
        assert areas["childcare"]["cost_per_case_cents"] == 3657  # 73,13 € ÷ 2 = 36,565 → 36,57 €
        assert (areas["qualification"]["minutes"], areas["qualification"]["cost_cents"]) == (30, 0)
        assert areas["case_management"]["cost_cents"] == 54000
        assert areas["case_management"]["cost_per_case_cents"] == 27000  # per enrolled case
        assert report["outcomes"] == {"employment": 1}  # the second case closed after the period
        assert [(r["area"].code, r["approved_minutes"], r["used_minutes"]) for r in report["approved_hours"]] == [
            ("childcare", 1200, 105)
        ]


def test_single_enrolled_case_with_one_unit_line(app, tenant_a, make_agency):
    """Is one case with 90 minutes of childcare in January charged exactly 180,00 + 48,75 + 500,00 €?"""
    from billing.efficiency import efficiency_report

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract, _first, _second = _scenario(tenant_a, agency_id)
        report = efficiency_report(contract, date(2027, 1, 1), date(2027, 1, 31))
        assert (report["cases"], report["case_months"]) == (1, 1)
        assert [line["cost_cents"] for line in report["lines"]] == [18000, 4875, 50000]
        assert report["total_cents"] == 72875
        assert report["outcomes"] == {}


def test_prorated_case_months(app, tenant_a, make_agency):
    """With pro-rating by days, is each case-month charged amount × enrolled days ÷ days in month, rounded
    half-up per case and month?"""
    from billing.efficiency import efficiency_report

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract, _first, _second = _scenario(tenant_a, agency_id, prorate_days=True)
        report = efficiency_report(contract, *PERIOD)
        # first: 17/31 of January (9.870,97… → 9871) and 10/28 of February (6.428,57… → 6429);
        # second: 28/28 of February (18000)
        assert report["lines"][0]["cost_cents"] == 9871 + 6429 + 18000


def test_quarterly_contract_charges_each_quarter_touched(app, tenant_a, make_agency):
    """With a quarterly billing cycle, is the flat rate per period charged once for each quarter the period
    touches (February to April: Q1 and Q2)?"""
    from billing.efficiency import efficiency_report

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract, _first, _second = _scenario(tenant_a, agency_id, billing_cycle="quarterly")
        report = efficiency_report(contract, date(2027, 2, 1), date(2027, 4, 30))
        per_period = next(line for line in report["lines"] if line["kind"] == "per_period")
        assert (report["billing_periods"], per_period["cost_cents"]) == (2, 100000)


def test_period_outside_the_contract_is_empty(app, tenant_a, make_agency):
    """Does a period outside the contract's validity report nothing and cost nothing?"""
    from billing.efficiency import efficiency_report

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract, _first, _second = _scenario(tenant_a, agency_id)
        report = efficiency_report(contract, date(2028, 1, 1), date(2028, 3, 31))
        assert (report["cases"], report["case_months"], report["total_cents"]) == (0, 0, 0)
        assert report["budget_share"] == Decimal("0")


def test_page_shows_german_numbers_and_is_linked(client, tenant_a, login, make_agency, app):
    """Does the contract page link to the report, and does the report show the cost in German notation?"""
    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract, _first, _second = _scenario(tenant_a, agency_id)
        contract_id = contract.id
    login(client, tenant_a, "viewer")
    base = f"/{tenant_a.slug}/contracts/{contract_id}"
    assert f"{base}/efficiency" in client.get(base).get_data(as_text=True)
    page = client.get(f"{base}/efficiency?from=2027-01-01&to=2027-02-28").get_data(as_text=True)
    for text in ("1.613,13 €", "806,57 €", "73,13 €", "120.000,00 €", "1,3 %", "Bericht zur Prüfung der "
                 "Wirtschaftlichkeit", "<caption>", 'scope="col"'):
        assert text in page, text
    assert client.get(f"{base}/efficiency?from=kaputt").status_code == 200  # falls back to the default


@pytest.mark.slow
def test_pdf_download_contains_the_total_and_is_audited(client, tenant_a, login, make_agency, app):
    """Does the PDF download carry the total cost, and is the download recorded in the audit log?"""
    from pypdf import PdfReader
    from sqlalchemy import select

    from core.audit import AuditEvent
    from core.extensions import db

    agency_id = make_agency(tenant_a)
    with app.app_context(), tenant_a.context():
        contract, _first, _second = _scenario(tenant_a, agency_id)
        contract_id = contract.id
    login(client, tenant_a, "viewer")
    r = client.get(f"/{tenant_a.slug}/contracts/{contract_id}/efficiency.pdf?from=2027-01-01&to=2027-02-28")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    assert "1.613,13 €" in text and "Kosten laut Vereinbarung" in text
    with app.app_context(), tenant_a.context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "contract.efficiency_report" in actions
