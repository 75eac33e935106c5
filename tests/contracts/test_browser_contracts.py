"""The issue's walk-through in a real browser: draft a contract from the default template with three rate lines,
render it, download the .docx and the PDF, and walk it to active with four-eyes approval."""
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import PASSWORD
from tests.test_browser import CHROMIUM, chromium_page, live_server  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


def _log_in(page, base, fx, role):
    page.goto(f"{base}/login")
    form = page.locator("form.narrow")
    form.locator('[name="tenant"]').fill(fx.slug)
    form.locator('[name="email"]').fill(fx.users[role])
    form.locator('[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{base}/{fx.slug}/")


def test_draft_render_download_and_activate_in_the_browser(live_server, chromium_page, tenant_a, make_agency):  # noqa: F811
    """Can finance draft a contract with three rate lines, render and download it (rate table and mandatory
    sections filled in), and can the owner (not the drafter) approve it and walk it to active?"""
    from playwright.sync_api import expect

    page, base, slug = chromium_page, live_server, tenant_a.slug
    make_agency(tenant_a, name="Jobcenter Musterstadt & Umland")
    _log_in(page, base, tenant_a, "finance")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_role("link", name="Verträge").click()
    expect(page.locator("h1")).to_have_text("Verträge")
    page.get_by_role("link", name="Vertrag entwerfen").click()

    page.get_by_label("Titel", exact=True).fill("Fallmanagement für Alleinerziehende 2027")
    page.get_by_label("Inhalt und Umfang der Leistung").fill("Fallmanagement für 40 Alleinerziehende.")
    page.get_by_label("Qualität der Leistung").fill("Sozialpädagogische Fachkräfte.")
    rows = page.locator("table tbody tr")
    for i, (kind, area, label, amount) in enumerate([
        ("per_case_month", "case_management", "", "180,00"),
        ("per_unit", "childcare", "", "32,50"),
        ("per_period", "", "Koordination", "500,00"),
    ]):
        row = rows.nth(i)
        row.locator(f"#rates-{i}-kind").select_option(kind)
        row.locator(f"#rates-{i}-service_area").select_option(area)
        row.locator(f"#rates-{i}-label").fill(label)
        row.locator(f"#rates-{i}-amount").fill(amount)
    page.get_by_label("Höchstbetrag in € (netto, ganze Laufzeit)").fill("120.000,00")
    page.get_by_label("Prüfung der Wirtschaftlichkeit und Qualität", exact=True).fill("Halbjährlicher Bericht.")
    page.get_by_label("Mitteilungspflichten", exact=True).fill("Abbrüche binnen einer Woche.")
    page.get_by_label("Gültig ab").fill("2027-01-01")
    page.get_by_label("Gültig bis").fill("2027-12-31")
    page.get_by_label("Kündigung", exact=True).fill("Aus wichtigem Grund jederzeit.")
    page.get_by_role("button", name="Speichern").click()

    expect(page.locator(".flash-success")).to_have_text("Vertragsentwurf angelegt.")
    expect(page.get_by_text("Vollständig", exact=True)).to_be_visible()
    page.get_by_role("button", name="Vertrag erstellen (.docx und PDF)").click()
    expect(page.locator(".flash-success")).to_have_text("Dokument erstellt.")

    with page.expect_download() as info:
        page.get_by_role("link", name=".docx").first.click()
    assert info.value.suggested_filename.endswith(".docx")
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF").first.click()
    pdf = Path(info.value.path()).read_bytes()
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())
    for expected in ("§ 2 Inhalt, Umfang und Qualität der Leistung", "§ 3 Vergütung", "180,00 € je Fall und Monat",
                     "32,50 € je Stunde", "Koordination", "Prüfung der Wirtschaftlichkeit und Qualität",
                     "Jobcenter Musterstadt & Umland"):
        assert expected in text, expected

    page.get_by_role("button", name="Zur Prüfung geben").click()
    expect(page.locator(".lead")).to_contain_text("In Prüfung")
    expect(page.get_by_text("Vier-Augen-Prinzip")).to_be_visible()
    page.get_by_role("button", name="Abmelden").click()

    _log_in(page, base, tenant_a, "owner")
    page.goto(f"{base}/{slug}/contracts/")
    page.get_by_role("link", name="Fallmanagement für Alleinerziehende 2027").click()
    for button, status in (("Freigeben", "Freigegeben"), ("Als versandt markieren", "Versandt"),
                           ("Als unterzeichnet markieren", "Unterzeichnet"), ("In Kraft setzen", "In Kraft")):
        page.get_by_role("button", name=button).click()
        expect(page.locator(".lead")).to_contain_text(status)
    history = page.locator("table").filter(has_text="Entwurf → In Prüfung")
    expect(history).to_contain_text(tenant_a.users["finance"])
    expect(history).to_contain_text(tenant_a.users["owner"])
    assert re.search(r"/contracts/\d+$", page.url)
