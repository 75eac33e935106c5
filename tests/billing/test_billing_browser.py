"""Billing end to end in headless Chromium: preview a month, run it, watch the progress, issue an invoice, download
its PDF (the § 14 UStG fields in its text) and the statement, record a payment, cancel another invoice by a credit
note and bill it again. Skipped without /usr/bin/chromium (never downloads a browser)."""
import csv
import io

import pytest

from tests.conftest import PASSWORD, berlin_today
from tests.test_browser import CHROMIUM, chromium_page, live_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ISSUER = {"legal_name": "Bündnis für Familie Alpha e. V.", "address": "Marktplatz 1\n59065 Hamm",
          "tax_number": "322/5760/1234", "register_number": "VR 1234, Amtsgericht Hamm",
          "iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "contact_name": "Ines Inhaberin",
          "phone": "+49 2381 123456", "email": "rechnung@alpha.example.org"}


def _issuer_data(app, fx):
    from core.extensions import db
    from tenants.models import Tenant

    with app.app_context():
        tenant = db.session.get(Tenant, fx.tenant_id)
        for key, value in ISSUER.items():
            setattr(tenant, key, value)
        db.session.commit()


def _issue(page):
    page.locator("summary", has_text="Rechnung stellen").click()
    page.locator("details.confirm form").get_by_role("button", name="Rechnung stellen").click()


@pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")
def test_finance_bills_a_month_in_the_browser(app, live_server, chromium_page, tenant_a, example):  # noqa: F811
    from playwright.sync_api import expect
    from pypdf import PdfReader

    _issuer_data(app, tenant_a)
    page, slug = chromium_page, tenant_a.slug
    page.goto(f"{live_server}/login")
    form = page.locator("form.narrow")
    form.locator('[name="tenant"]').fill(slug)
    form.locator('[name="email"]').fill(tenant_a.users["finance"])
    form.locator('[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()

    # preview October from the billing page reached through the menu
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Abrechnung").click()
    page.get_by_label("Abrechnungszeitraum").fill("2026-10")
    page.get_by_role("button", name="Vorschau").click()
    expect(page.locator("h1")).to_contain_text("Oktober 2026")
    expect(page.locator("main")).to_contain_text("789,36 €")  # contract A, gross
    expect(page.locator("main")).to_contain_text("Sozialleistungsträger nicht eindeutig")  # case 3's childcare

    # run it: the run page shows its progress and the drafts it wrote
    page.get_by_role("button", name="Lauf starten").click()
    expect(page.locator("h1")).to_contain_text("Oktober 2026")
    expect(page.locator("#run-progress")).to_contain_text("2 von 2")
    page.locator("main tr", has_text="Jobcenter Hamm").get_by_role("link").first.click()

    # issue contract A's draft; its files follow
    _issue(page)
    expect(page.locator("h1")).to_contain_text("2026-00001")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Rechnung (PDF)").click()
    text = "".join(p.extract_text() for p in PdfReader(pdf.value.path()).pages)
    for field in ("2026-00001", "Bündnis für Familie Alpha e. V.", "Jobcenter Hamm", "322/5760/1234",
                  "01.10.2026", "31.10.2026", "663,33", "126,03", "789,36", "DE89", "19"):
        assert field in text.replace("\u00a0", " ") or field in text.replace(" ", ""), field
    with page.expect_download() as statement:
        page.get_by_role("link", name="Leistungsnachweis (CSV)").click()
    rows = list(csv.reader(io.StringIO(open(statement.value.path(), encoding="utf-8-sig").read()), delimiter=";"))
    assert "Beispiel" not in str(rows)  # pseudonyms only, never a client's name
    assert any("K-" in cell for row in rows for cell in row)

    # a partial payment
    payment = page.locator("#payment-form")
    payment.get_by_label("Bezahlt am").fill(berlin_today().isoformat())
    payment.get_by_label("Betrag in Euro").fill("500,00")
    payment.get_by_role("button", name="Zahlung speichern").click()
    expect(page.locator("main")).to_contain_text("teilweise bezahlt")

    # contract B's invoice: issue, cancel by a credit note, bill it again
    page.goto(f"{live_server}/{slug}/invoices?period=2026-10")
    page.locator("main tr", has_text="Jugendamt Hamm").get_by_role("link").first.click()
    _issue(page)
    expect(page.locator("h1")).to_contain_text("2026-00002")
    page.locator("summary", has_text="Stornieren durch Gutschrift").click()
    page.get_by_label("Grund der Gutschrift").fill("Falscher Leistungszeitraum")
    page.get_by_role("button", name="Gutschrift erstellen").click()
    expect(page.locator("h1")).to_contain_text("2026-00003")
    page.goto(f"{live_server}/{slug}/billing")
    page.get_by_label("Abrechnungszeitraum").fill("2026-10")
    page.get_by_role("button", name="Lauf starten").click()
    expect(page.locator("#run-progress")).to_contain_text("von")
    expect(page.locator("main")).to_contain_text("Jugendamt Hamm")  # a new draft for the released charges
