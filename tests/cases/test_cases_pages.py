"""The case manager's journey in the browser (server-rendered pages), and who may see what."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import berlin_today


@pytest.fixture
def setup(tenant_a, client, api_token, app):
    """An agency (Jobcenter) and a partner organisation in alliance A."""
    from core.extensions import db
    from network.models import Partner

    agency = client.post(
        "/api/v1/agencies",
        json={"name": "Jobcenter Alpha", "kind": "jobcenter"},
        headers=api_token(tenant_a, "admin"),
    ).json
    with app.app_context(), tenant_a.context():
        partner = Partner(name="Kita Regenbogen", kind="childcare")
        db.session.add(partner)
        db.session.commit()
        return {"agency_id": agency["id"], "partner_id": partner.id}


def _errors(response) -> list:
    """The field and summary messages of a re-shown form (for assertion messages)."""
    html = response.get_data(as_text=True)
    return re.findall(r'field-error" id="([^"]*)"[^>]*>([^<]*)', html) + re.findall(r"<li>([^<]*)</li>", html)


def _id_from(location: str, kind: str) -> int:
    return int(re.search(rf"/{kind}/(\d+)", location).group(1))


def test_whole_journey(tenant_a, client, login, no_csrf, setup, user_id, app):
    """Can a case manager create a client with two children, record consent, open and work a case, close it
    with an outcome, and see it on the report page?"""
    login(client, tenant_a, "case_manager")
    base = f"/{tenant_a.slug}"
    r = client.post(
        f"{base}/clients/new",
        data={
            "first_name": "Maria",
            "last_name": "Beispiel",
            "birth_year": "1991",
            "children": "2016, 2020",
            "employment_status": "long_term_unemployed",
            "receives_sgb2": "y",
        },
    )
    assert r.status_code == 302, _errors(r)
    client_id = _id_from(r.location, "clients")
    page = client.get(f"{base}/clients/{client_id}").get_data(as_text=True)
    assert "Maria Beispiel" in page and "2016, 2020" in page

    r = client.post(
        f"{base}/clients/{client_id}/consents/new",
        data={
            "recipient": f"agency:{setup['agency_id']}",
            "purposes": "Eingliederung in Arbeit",
            "data_items": ["needs", "progress"],
            "given_on": "2026-01-10",
        },
    )
    assert r.status_code == 302, r.data[:2000]
    client.post(
        f"{base}/clients/{client_id}/consents/new",
        data={
            "recipient": f"partner:{setup['partner_id']}",
            "purposes": "Kita-Platz",
            "data_items": ["needs"],
            "given_on": "2026-01-10",
        },
    )
    assert "Jobcenter Alpha" in client.get(f"{base}/clients/{client_id}").get_data(as_text=True)

    me = str(user_id(tenant_a, "case_manager"))
    r = client.post(
        f"{base}/cases/new",
        data={"client_id": str(client_id), "case_manager_id": me, "opened_on": "2026-01-12"},
    )
    assert r.status_code == 302, r.data[:2000]
    case_id = _id_from(r.location, "cases")
    url = f"{base}/cases/{case_id}"

    for phase in ("assessment", "planning", "active"):
        r = client.post(f"{url}/phase", data={"status": phase})
        assert r.status_code == 302, _errors(r)
    assert (
        client.post(
            f"{url}/needs/new",
            data={"service_area": "childcare", "priority": "high", "agency_id": "", "note": "Kita"},
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{url}/goals/new",
            data={
                "title": "Kita-Platz sichern",
                "responsible": "partner",
                "partner_id": str(setup["partner_id"]),
                "due_on": "2026-03-01",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(f"{url}/referrals/new", data={"partner_id": str(setup["partner_id"]), "reason": "Kita"}).status_code
        == 302
    )
    for day in (2, 3, 5):
        r = client.post(
            f"{url}/services/new",
            data={"on": f"2026-02-0{day}", "minutes": "45", "service_area": "case_management", "direct": "y"},
        )
        assert r.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Kita-Platz sichern" in page and "Kita Regenbogen" in page and "2.2" in page  # 135 minutes
    assert client.post(f"{url}/plan/approve", data={"to": "approve"}).status_code == 302

    r = client.post(
        f"{url}/phase",
        data={
            "status": "closed",
            "outcome": "employment",
            "esf_exit_status": "employed",
            "closed_on": "2026-03-31",
            "confirmed": "1",  # closing asks first (core.confirmation)
        },
    )
    assert r.status_code == 302
    report = client.get(f"{base}/reports?date_from=2026-01-01&date_to=2026-12-31&agency_id=").get_data(as_text=True)
    assert "100 %" in report  # integration rate
    csv = client.get(f"{base}/reports.csv?date_from=2026-01-01&date_to=2026-12-31")
    text = csv.get_data(as_text=True)
    assert csv.status_code == 200 and "Abschlüsse nach Ergebnis;Arbeitsaufnahme;1" in text  # labels, not codes
    assert text.lstrip("\ufeff").startswith("Bereich;Kennzahl;Wert") and "Zeitraum;Von;01.01.2026" in text
    # the rate in per cent as the page shows it (100 %), not the share 1,0 (issue 14 review)
    assert "Integrationsquote in % (Abschlüsse mit Arbeitsaufnahme);100,0" in text, text
    xlsx = client.get(f"{base}/reports.xlsx?date_from=2026-01-01&date_to=2026-12-31")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"  # a zip: the XLSX container
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[1]] == ["Bereich", "Kennzahl", "Wert"]
    assert ["Abschlüsse nach Ergebnis", "Arbeitsaufnahme", 1] in [[c.value for c in row] for row in sheet.iter_rows()]
    cells = {row[1].value: row[2] for row in sheet.iter_rows()}
    assert cells["Integrationsquote in % (Abschlüsse mit Arbeitsaufnahme)"].value == 100
    start = cells["Von"]  # a real date cell, shown as 01.01.2026
    assert start.is_date and start.value.date().isoformat() == "2026-01-01" and start.number_format == "DD.MM.YYYY"


def test_bad_service_input_shows_field_messages(tenant_a, client, login, no_csrf, make_case):
    """Does the service form refuse negative minutes, a far-future date and keep the user on the form?"""
    case = make_case(tenant_a)
    login(client, tenant_a, "case_manager")
    url = f"/{tenant_a.slug}/cases/{case['id']}/services/new"
    r = client.post(url, data={"on": "2026-02-02", "minutes": "-5", "service_area": "childcare"})
    assert r.status_code == 200 and 'class="field-error"' in r.get_data(as_text=True)
    far = (berlin_today() + timedelta(days=400)).isoformat()
    r = client.post(url, data={"on": far, "minutes": "30", "service_area": "childcare"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="on-error"' in page


def test_skipping_a_phase_is_refused_on_the_page(tenant_a, client, login, no_csrf, make_case):
    """Does the phase page refuse skipping a phase with a message instead of an error page?"""
    case = make_case(tenant_a)
    login(client, tenant_a, "case_manager")
    r = client.post(f"/{tenant_a.slug}/cases/{case['id']}/phase", data={"status": "active"})
    assert r.status_code == 200 and "error-summary" in r.get_data(as_text=True)


def test_case_manager_gets_404_for_colleagues_case_page(tenant_a, client, login, make_case):
    """Can a case manager open the case file of a case assigned to someone else? (No: 404; admin: yes.)"""
    case = make_case(tenant_a, manager_role="admin")
    login(client, tenant_a, "case_manager")
    assert client.get(f"/{tenant_a.slug}/cases/{case['id']}").status_code == 404
    assert client.get(f"/{tenant_a.slug}/cases/{case['id']}/services/new").status_code == 404
    other = client.application.test_client()
    login(other, tenant_a, "admin")
    assert other.get(f"/{tenant_a.slug}/cases/{case['id']}").status_code == 200


def test_viewer_reads_without_confidential_note(tenant_a, client, login, make_case):
    """Does a viewer see the case file without the confidential note, and is writing refused (403)?"""
    case = make_case(tenant_a, confidential_note="GEHEIM-Notiz")
    login(client, tenant_a, "viewer")
    page = client.get(f"/{tenant_a.slug}/cases/{case['id']}").get_data(as_text=True)
    assert "GEHEIM-Notiz" not in page
    assert client.get(f"/{tenant_a.slug}/cases/{case['id']}/services/new").status_code == 403
    owner = client.application.test_client()
    login(owner, tenant_a, "admin")
    assert "GEHEIM-Notiz" in owner.get(f"/{tenant_a.slug}/cases/{case['id']}").get_data(as_text=True)


def test_case_page_read_is_audited(tenant_a, client, login, make_case, app):
    """Is opening the case file page written to the audit log?"""
    from core.audit import AuditEvent
    from core.extensions import db

    case = make_case(tenant_a)
    login(client, tenant_a, "case_manager")
    client.get(f"/{tenant_a.slug}/cases/{case['id']}")
    with app.app_context(), tenant_a.context():
        assert (
            db.session.scalar(
                select(AuditEvent.id).where(AuditEvent.action == "case.read", AuditEvent.object_id == case["id"])
            )
            is not None
        )


def test_lists_filters_and_caseload(tenant_a, client, login, make_case, api_token):
    """Do the case list filters, the client search and the caseload page work?"""
    one = make_case(tenant_a, next_review_on="2026-01-20")
    make_case(tenant_a)
    h = api_token(tenant_a, "case_manager")
    client.patch(f"/api/v1/cases/{one['id']}", json={"status": "assessment"}, headers=h)
    login(client, tenant_a, "case_manager")
    base = f"/{tenant_a.slug}"
    page = client.get(f"{base}/cases/?status=assessment").get_data(as_text=True)
    assert page.count(f'/cases/{one["id"]}"') == 1 and "1 " in page
    page = client.get(f"{base}/cases/?q=nobody").get_data(as_text=True)
    assert f'/cases/{one["id"]}"' not in page
    assert one["pseudonym"] in client.get(f"{base}/clients/?q={one['pseudonym']}").get_data(as_text=True)
    page = client.get(f"{base}/caseload").get_data(as_text=True)
    assert one["pseudonym"] in page  # overdue review


def test_gdpr_export(tenant_a, client, login, make_case):
    """Can an admin download all data of a client as JSON, including the cases?"""
    case = make_case(tenant_a)
    login(client, tenant_a, "admin")
    r = client.get(f"/{tenant_a.slug}/clients/{case['client_id']}/export.json")
    assert r.status_code == 200
    assert r.json["client"]["first_name"] == "Anna" and r.json["cases"][0]["id"] == case["id"]


def test_admin_edits_service_areas_and_retention(tenant_a, client, login, no_csrf, setup, app):
    """Can an admin add a service area, map an area to its agency, deactivate it and set the retention period,
    and is a case manager refused (403)?"""
    from cases import services
    from core.extensions import db
    from network import services as network

    login(client, tenant_a, "admin")
    base = f"/{tenant_a.slug}"
    r = client.post(f"{base}/service-areas/new", data={"code": "language", "name": "Sprachkurs", "active": "y"})
    assert r.status_code == 302, _errors(r)
    with app.app_context(), tenant_a.context():
        housing = network.service_area_by_code("housing").id
    r = client.post(
        f"{base}/service-areas/{housing}/edit", data={"name": "Wohnen", "agency_id": str(setup["agency_id"])}
    )
    assert r.status_code == 302, _errors(r)
    r = client.post(f"{base}/case-settings", data={"retention_years": "0"})
    assert r.status_code == 200 and 'id="retention_years-error"' in r.get_data(as_text=True)
    assert client.post(f"{base}/case-settings", data={"retention_years": "6"}).status_code == 302
    with app.app_context(), tenant_a.context():
        area = network.service_area_by_code("housing")
        assert (area.agency_id, area.active) == (setup["agency_id"], False)
        assert network.service_area_by_code("language").name == "Sprachkurs"
        assert services.case_settings().retention_years == 6
        db.session.rollback()
    page = client.get(f"{base}/service-areas/").get_data(as_text=True)
    assert "Sprachkurs" in page and "Jobcenter Alpha" in page
    other = client.application.test_client()
    login(other, tenant_a, "case_manager")
    assert other.get(f"{base}/case-settings").status_code == 403
    assert other.get(f"{base}/service-areas/").status_code == 403


def test_report_page_defaults_to_this_year_and_links_downloads(tenant_a, client, login):
    """Does the report page without parameters show this year, with download links carrying the period?"""
    login(client, tenant_a, "viewer")
    page = client.get(f"/{tenant_a.slug}/reports").get_data(as_text=True)
    year = berlin_today().year
    assert f"reports.csv?date_from={year}-01-01" in page and f"reports.xlsx?date_from={year}-01-01" in page
    assert client.get(f"/{tenant_a.slug}/reports.csv").status_code == 400


@pytest.mark.slow
def test_case_manager_exports_her_clients_data_as_pdf(client, tenant_a, login, make_case):
    """Can the assigned case manager hand a client everything stored about her as a readable PDF (Art. 15)?"""
    import io

    from pypdf import PdfReader

    case = make_case(tenant_a)
    login(client, tenant_a, "case_manager")
    r = client.get(f"/alpha/clients/{case['client_id']}/export.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    assert "Muster" in text and "Anna" in text
    assert client.get(f"/alpha/clients/{case['client_id']}/export.json").status_code == 200


def test_anonymise_asks_first_then_erases(tenant_a, client, login, no_csrf, make_case):
    """Does anonymising show what goes and what stays before the button, erase the name afterwards, and is it
    closed to case managers (403)?"""
    case = make_case(tenant_a)
    url = f"/{tenant_a.slug}/clients/{case['client_id']}/anonymise"
    other = client.application.test_client()
    login(other, tenant_a, "case_manager")
    assert other.get(url).status_code == 403
    login(client, tenant_a, "admin")
    page = client.get(url).get_data(as_text=True)
    assert "Was gelöscht wird" in page and "Was bleibt" in page
    asked = client.post(url)  # without the page's confirmed=1 it asks again, and nothing is erased
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.get_data(as_text=True)
    assert "Anna Muster" in client.get(f"/{tenant_a.slug}/clients/{case['client_id']}").get_data(as_text=True)
    assert client.post(url, data={"confirmed": "1"}).status_code == 302
    assert "Anna Muster" not in client.get(f"/{tenant_a.slug}/clients/{case['client_id']}").get_data(as_text=True)
