"""List pages that update in part: an htmx request of a filter form gets only the results, the same URL without
htmx the whole page (a link to share, a form that works with JavaScript off)."""

import pytest

HX = {"HX-Request": "true"}


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def two_clients(client, api_token, tenant_a, app):
    """Two clients of alliance A with a case each: Krüger and Lindqvist."""
    from sqlalchemy import select

    from core.extensions import db
    from tenants.models import User

    headers = api_token(tenant_a, "case_manager")
    with app.app_context():
        manager = db.session.scalar(select(User.id).where(User.email == tenant_a.users["case_manager"]))
    for first, last in (("Jana", "Krüger"), ("Olof", "Lindqvist")):
        made = client.post("/api/v1/clients", json={"first_name": first, "last_name": last, "birth_year": 1990},
                           headers=headers)
        assert made.status_code == 201, made.json
        case = client.post("/api/v1/cases", json={"client_id": made.json["id"], "case_manager_id": manager,
                                                   "opened_on": "2026-01-05"}, headers=headers)
        assert case.status_code == 201, case.json


def test_case_search_by_htmx_returns_only_the_results(client, login, tenant_a, two_clients):
    """Does typing in the case list's search (htmx) get only the results region, with the match and its count but
    no layout, no form, and a response that says it varies by HX-Request?"""
    login(client, tenant_a, "case_manager")
    response = client.get(f"/{tenant_a.slug}/cases/?q=krueger&status=", headers=HX)
    html = _html(response)
    assert "<html" not in html and "<form" not in html and "<nav" not in html.split('class="pager"')[0]
    assert "Krüger" in html and "Lindqvist" not in html
    assert '<p role="status">1 Fall</p>' in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_case_search_without_htmx_renders_the_whole_page(client, login, tenant_a, two_clients):
    """Is the same URL, opened without htmx (a shared link, JavaScript off), the whole page: layout, the filter form
    with the search filled in and pointing htmx at the results, and the same filtered results?"""
    login(client, tenant_a, "case_manager")
    html = _html(client.get(f"/{tenant_a.slug}/cases/?q=krueger&status="))
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert 'id="q" name="q" value="krueger"' in html
    assert 'hx-target="#case-results"' in html and 'hx-push-url="true"' in html
    assert f'hx-get="/{tenant_a.slug}/cases/"' in html
    results = html.split('id="case-results"', 1)[1]
    assert "Krüger" in results and "Lindqvist" not in results


def test_history_restore_and_boosted_requests_get_the_whole_page(client, login, tenant_a, two_clients):
    """When htmx restores a page from the history (back button) or follows a boosted link, does it get the whole
    page rather than a fragment that would replace the body?"""
    login(client, tenant_a, "case_manager")
    for extra in ({"HX-History-Restore-Request": "true"}, {"HX-Boosted": "true"}):
        html = _html(client.get(f"/{tenant_a.slug}/cases/?q=lindqvist", headers={**HX, **extra}))
        assert "<html" in html and 'id="case-results"' in html and "Lindqvist" in html, extra


def test_client_list_answers_htmx_with_its_results(client, login, tenant_a, two_clients):
    """Does the client list give htmx only its results (the matching client), and the whole page without it?"""
    login(client, tenant_a, "case_manager")
    url = f"/{tenant_a.slug}/clients/?q=lindq"
    part = _html(client.get(url, headers=HX))
    assert "<html" not in part and "<form" not in part
    assert "Lindqvist" in part and "Krüger" not in part and '<p role="status">1 Klient' in part
    page = _html(client.get(url))
    assert "<html" in page and 'hx-target="#client-results"' in page and "Lindqvist" in page


def test_contract_list_answers_htmx_with_its_results(client, login, tenant_a):
    """Does the contract list's status filter get only the results region from htmx, and the page without it?"""
    login(client, tenant_a, "owner")
    url = f"/{tenant_a.slug}/contracts/?status=active&due="
    part = _html(client.get(url, headers=HX))
    assert "<html" not in part and "<form" not in part and "<h1" not in part
    assert "Kein Vertrag entspricht dem Filter." in part
    page = _html(client.get(url))
    assert "<h1>" in page and 'hx-target="#contract-results"' in page and '<option value="active" selected' in page


def test_audit_log_answers_htmx_with_its_results(client, login, tenant_a, make_agency):
    """Does the audit log's filter by action get only the matching events from htmx?"""
    make_agency(tenant_a, "Jobcenter Kiel")
    login(client, tenant_a, "owner")
    part = _html(client.get(f"/{tenant_a.slug}/audit?action=agency.", headers=HX))
    assert "<html" not in part and "<form" not in part
    assert "1 Ereignis" in part and "Jobcenter Kiel" in part
    none = _html(client.get(f"/{tenant_a.slug}/audit?action=nothing.like.this", headers=HX))
    assert "0 Ereignisse" in none and "Jobcenter Kiel" not in none
    page = _html(client.get(f"/{tenant_a.slug}/audit?action=agency."))
    assert "<html" in page and 'hx-target="#audit-results"' in page


def test_invoice_list_shows_a_bad_filter_inside_the_results(client, login, tenant_a):
    """An unreadable period typed into the invoice filter: does htmx get the message within the results it
    replaces (the layout that usually shows messages is not sent), and is it not left over for the next page?"""
    login(client, tenant_a, "finance")
    url = f"/{tenant_a.slug}/invoices?period=Oktober"
    part = _html(client.get(url, headers=HX))
    assert "<html" not in part and "<form" not in part
    assert 'class="flash flash-error" role="alert"' in part and "Kein Abrechnungszeitraum: Oktober" in part
    assert 'class="invoices"' in part  # the (unfiltered) table follows the message
    assert "Kein Abrechnungszeitraum" not in _html(client.get(f"/{tenant_a.slug}/invoices"))
    page = _html(client.get(url))
    assert "<html" in page and 'hx-target="#invoice-results"' in page and "Kein Abrechnungszeitraum" in page
