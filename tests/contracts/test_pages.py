"""The contract pages: partners, drafting with rate lines, lifecycle buttons, templates and their help."""

import io

import pytest

from tests.conftest import csrf_from


def _draft_form(agency_id: int, **overrides) -> dict:
    data = {
        "agency_id": str(agency_id),
        "title": "Fallmanagement 2027",
        "template_id": "0",
        "legal_basis": "sgb2_16a",
        "route": "agreement",
        "scope": "Fallmanagement für 40 Alleinerziehende",
        "quality": "Fachkräfte",
        "valid_from": "2027-01-01",
        "valid_to": "2027-12-31",
        "billing_cycle": "monthly",
        "budget": "120.000,00",
        "vat": "exempt",
        "efficiency_review": "Halbjährlicher Bericht",
        "notification_duties": "Binnen einer Woche",
        "termination": "Aus wichtigem Grund",
        "notice_period_months": "3",
        "rates-0-kind": "per_case_month",
        "rates-0-service_area": "case_management",
        "rates-0-amount": "180,00",
        "rates-1-kind": "per_unit",
        "rates-1-service_area": "childcare",
        "rates-1-amount": "32,50",
        "rates-2-kind": "per_period",
        "rates-2-service_area": "",
        "rates-2-label": "Koordination",
        "rates-2-amount": "500",
    }
    data.update(overrides)
    return data


def test_partner_crud(client, tenant_a, login, no_csrf):
    """Can an admin create, edit and delete a partner organisation, with names shown escaped?"""
    login(client, tenant_a, "admin")
    r = client.post(
        f"/{tenant_a.slug}/partners/new", data={"name": "Kita <Sonne> & Mond", "kind": "childcare"}
    )
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Kita &lt;Sonne&gt; &amp; Mond" in page
    partner_url = r.headers["Location"]
    r = client.post(
        partner_url + "/edit", data={"name": "Kita Mond", "kind": "childcare", "email": "kita@example.org"}
    )
    assert r.status_code == 302
    assert "Kita Mond" in client.get(f"/{tenant_a.slug}/partners/").get_data(as_text=True)
    assert client.post(partner_url + "/delete", data={"confirmed": "1"}).status_code == 302
    assert "Kita Mond" not in client.get(f"/{tenant_a.slug}/partners/").get_data(as_text=True)


def test_draft_contract_with_three_rate_lines_and_walk_it(client, app, tenant_a, login, no_csrf, make_agency):
    """Can finance draft a contract in the browser with three rate lines, and another person approve it?"""
    agency_id = make_agency(tenant_a)
    login(client, tenant_a, "finance")
    assert client.get(f"/{tenant_a.slug}/contracts/new").status_code == 200
    r = client.post(f"/{tenant_a.slug}/contracts/new", data=_draft_form(agency_id))
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    url = r.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    for text in ("180,00 €", "32,50 €", "500,00 €", "Koordination", "120.000,00 €"):
        assert text in page, text
    assert "Vollständig" in page
    edit = client.get(url + "/edit").get_data(as_text=True)
    assert 'value="180,00"' in edit
    client.post(url + "/transition", data={"to": "in_review", "on": "2026-11-20"})
    page = client.get(url).get_data(as_text=True)  # the author cannot approve: no button, the reason instead
    assert ">Freigeben</button>" not in page and 'id="four-eyes"' in page and "Vier-Augen-Prinzip" in page
    r = client.post(url + "/transition", data={"to": "approved", "on": "2026-11-21"}, follow_redirects=True)
    assert "Vier-Augen-Prinzip" in r.get_data(as_text=True)
    client.post("/logout")
    login(client, tenant_a, "owner")
    for to in ("approved", "sent", "signed", "active"):
        assert client.post(url + "/transition", data={"to": to, "on": "2026-11-25"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Änderung entwerfen (neue Version)" in page
    r = client.post(url + "/edit", data=_draft_form(agency_id, title="Geändert"))
    assert r.status_code == 302
    assert "Geändert" not in client.get(url).get_data(as_text=True)


def test_bad_amount_and_unknown_area_show_field_errors(client, tenant_a, login, no_csrf, make_agency):
    """Does a typo in an amount or an hourly rate without service area come back as an error, not a 500?"""
    agency_id = make_agency(tenant_a)
    login(client, tenant_a, "admin")
    r = client.post(
        f"/{tenant_a.slug}/contracts/new",
        data=_draft_form(
            agency_id, **{"rates-0-amount": "18o", "rates-1-service_area": "", "budget": "viel"}
        ),
    )
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "error-summary" in page and 'aria-invalid="true"' in page


def test_template_pages(client, tenant_a, login, no_csrf):
    """Do the template list (with the built-in template), its download and the help page work?"""
    login(client, tenant_a, "viewer")
    page = client.get(f"/{tenant_a.slug}/contract-templates/").get_data(as_text=True)
    assert "Standardvorlage" in page
    import re

    href = re.search(r'href="([^"]+\.docx)"', page).group(1)
    r = client.get(href)
    assert r.status_code == 200 and r.data[:2] == b"PK"
    help_page = client.get(f"/{tenant_a.slug}/contract-templates/help").get_data(as_text=True)
    for name in ("provider", "agency", "partners", "contract", "rates", "today", "tr for r in rates"):
        assert name in help_page
    assert client.get(f"/{tenant_a.slug}/contract-templates/new").status_code == 403


def test_upload_form_refuses_non_docx(client, tenant_a, login):
    """Is a text file uploaded as template refused with a message (CSRF on)?"""
    login(client, tenant_a, "admin")
    token = csrf_from(client.get(f"/{tenant_a.slug}/contract-templates/new").data)
    r = client.post(
        f"/{tenant_a.slug}/contract-templates/new",
        content_type="multipart/form-data",
        data={"csrf_token": token, "name": "X", "file": (io.BytesIO(b"hello"), "x.docx")},
    )
    assert r.status_code == 200 and "ZIP" in r.get_data(as_text=True)


@pytest.mark.slow
def test_render_download_and_signed_copy_in_the_browser(client, tenant_a, login, no_csrf, make_agency):
    """Can the contract be rendered, .docx and PDF downloaded, and the signed PDF uploaded with both dates?"""
    import re

    agency_id = make_agency(tenant_a)
    login(client, tenant_a, "owner")
    url = client.post(f"/{tenant_a.slug}/contracts/new", data=_draft_form(agency_id)).headers["Location"]
    assert client.post(url + "/documents").status_code == 302
    page = client.get(url).get_data(as_text=True)
    docx_href = re.search(r'href="([^"]+\.docx)"', page).group(1)
    pdf_href = re.search(r'href="([^"]+\.pdf)"', page).group(1)
    assert client.get(docx_href).data[:2] == b"PK"
    pdf = client.get(pdf_href).data
    assert pdf.startswith(b"%PDF-")
    # walk to "sent" (before the signatures: they cannot precede approval and sending), then upload the
    # countersigned copy
    client.post(url + "/transition", data={"to": "in_review", "on": "2026-11-01"})
    client.post("/logout")
    login(client, tenant_a, "admin")
    for to in ("approved", "sent"):
        client.post(url + "/transition", data={"to": to, "on": "2026-11-01"})
    r = client.post(
        url + "/signed-copy",
        content_type="multipart/form-data",
        data={
            "file": (io.BytesIO(pdf), "unterschrieben.pdf"),
            "signed_by_provider_on": "2026-11-02",
            "signed_by_agency_on": "2026-11-03",
        },
        follow_redirects=True,
    )
    page = r.get_data(as_text=True)
    assert "02.11.2026" in page and "03.11.2026" in page
    r = client.post(
        url + "/signed-copy",
        content_type="multipart/form-data",
        data={
            "file": (io.BytesIO(b"not a pdf"), "x.pdf"),
            "signed_by_provider_on": "2026-11-02",
            "signed_by_agency_on": "2026-11-03",
        },
        follow_redirects=True,
    )
    assert "Keine PDF-Datei." in r.get_data(as_text=True)


def test_amendment_page_shows_versions_and_the_diff_of_terms(client, tenant_a, login, no_csrf, make_agency):
    """After amending an active contract, do both versions stay readable and does the new one show what changed?"""
    agency_id = make_agency(tenant_a)
    login(client, tenant_a, "finance")
    url = client.post(f"/{tenant_a.slug}/contracts/new", data=_draft_form(agency_id)).headers["Location"]
    client.post(url + "/transition", data={"to": "in_review"})
    client.post("/logout")
    login(client, tenant_a, "owner")
    for to in ("approved", "sent", "signed", "active"):
        client.post(url + "/transition", data={"to": to})
    r = client.post(url + "/amend")
    assert r.status_code == 302 and r.headers["Location"].endswith("/edit")
    amended = r.headers["Location"].removesuffix("/edit")
    assert client.post(amended + "/edit", data=_draft_form(agency_id, budget="150.000,00")).status_code == 302
    page = client.get(amended).get_data(as_text=True)
    assert "Version 2" in page and "Höchstbetrag" in page and "120.000,00 €" in page and "150.000,00 €" in page
    assert "Version 1" in client.get(url).get_data(as_text=True)


def test_absurd_amount_in_the_form_is_a_field_error(client, tenant_a, login, no_csrf, make_agency):
    """Is a budget or rate of trillions refused with a message instead of overflowing the database?"""
    agency_id = make_agency(tenant_a)
    login(client, tenant_a, "admin")
    r = client.post(f"/{tenant_a.slug}/contracts/new", data=_draft_form(
        agency_id, budget="9999999999999999", **{"rates-0-amount": "99999999999999"}))
    assert r.status_code == 200 and "Zu groß." in r.get_data(as_text=True)
