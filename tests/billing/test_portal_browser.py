"""The agency portal end to end in headless Chromium, with a real SMTP conversation: finance issues an invoice and
e-mails it (a local SMTP sink, aiosmtpd, started by the test, receives it with the XRechnung attached once that file
kind exists, else the PDF), the agency's user logs in, lands on its invoices and downloads each file; another
agency's user sees none of them (404 by URL). Skipped without /usr/bin/chromium (never downloads a browser)."""
import re
import time

import pytest

from tests.billing.test_billing_browser import _issue, _issuer_data
from tests.billing.test_portal import _agency_user
from tests.conftest import PASSWORD
from tests.mail_sink import smtp_sink  # noqa: F401 - fixture
from tests.test_browser import CHROMIUM, chromium_page, live_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")]


def _log_in(page, base, slug, email):
    page.context.clear_cookies()
    page.goto(f"{base}/login?tenant={slug}")
    form = page.locator("form.narrow")
    form.locator('[name="email"]').fill(email)
    form.locator('[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()


def test_an_agency_receives_its_invoice_by_mail_and_downloads_it_from_the_portal(
        app, client, live_server, chromium_page, smtp_sink, tenant_a, example, api_token):  # noqa: F811
    from playwright.sync_api import expect

    from billing.services.documents import FILES
    from tests.billing.test_billing_api import drafts_by_contract, run_period

    _issuer_data(app, tenant_a)
    finance = api_token(tenant_a, "finance")
    run_period(client, finance)
    draft = drafts_by_contract(client, finance)[example.contracts["A"]]
    _agency_user(app, tenant_a, "jc", example.agencies["jc"])
    _agency_user(app, tenant_a, "ja", example.agencies["ja"])
    page, slug = chromium_page, tenant_a.slug

    # finance issues the Jobcenter's invoice and e-mails it
    _log_in(page, live_server, slug, tenant_a.users["finance"])
    page.goto(f"{live_server}/{slug}/invoices/{draft['id']}")
    _issue(page)
    expect(page.locator("h1")).to_contain_text("2026-00001")
    page.locator("summary", has_text="Per E-Mail senden").click()
    page.locator("details.confirm form", has_text="rechnung@jc.example.org").get_by_role(
        "button", name="Per E-Mail senden").click()
    expect(page.locator(".flash-success")).to_contain_text("rechnung@jc.example.org")
    expect(page.locator("#invoice-sendings")).to_contain_text("rechnung@jc.example.org")

    deadline = time.monotonic() + 15
    while not smtp_sink and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(smtp_sink) == 1, "the SMTP sink received no mail"
    mail = smtp_sink[0]
    assert mail["To"] == "rechnung@jc.example.org" and "2026-00001" in mail["Subject"]
    attachments = {part.get_filename(): part for part in mail.iter_attachments()}
    if "xrechnung" in FILES:
        xml = [p for name, p in attachments.items() if name.endswith(".xml")]
        assert xml and xml[0].get_content_subtype() == "xml", list(attachments)
        assert b"2026-00001" in xml[0].get_payload(decode=True)
    else:
        assert "rechnung-2026-00001.pdf" in attachments, list(attachments)
        assert attachments["rechnung-2026-00001.pdf"].get_payload(decode=True).startswith(b"%PDF")
    link = re.search(r"https?://\S+/portal/invoices/\d+", mail.get_body(("plain",)).get_content()).group(0)
    invoice_path = link.split("://", 1)[1].split("/", 1)[1]

    # the Jobcenter's user lands on its invoices and downloads every file
    _log_in(page, live_server, slug, tenant_a.users["jc"])
    expect(page).to_have_url(f"{live_server}/{slug}/portal")
    expect(page.locator("h1")).to_have_text("Meine Rechnungen")
    rows = page.locator("#portal-invoices tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("2026-00001")
    expect(rows.first).to_contain_text("789,36 €")
    file_links = rows.first.locator("a[href*='/files/']")
    expect(file_links).to_have_count(len(FILES))
    names = []
    for i in range(file_links.count()):
        with page.expect_download() as download:
            file_links.nth(i).click()
        names.append(download.value.suggested_filename)
        assert open(download.value.path(), "rb").read(), names[-1]
    assert "rechnung-2026-00001.pdf" in names
    page.goto(f"{live_server}/{invoice_path}")  # the mail's link
    expect(page.locator("h1")).to_contain_text("2026-00001")
    file_urls = [a.get_attribute("href") for a in page.locator("#portal-files a").all()]

    # the Jugendamt's user sees none of it
    _log_in(page, live_server, slug, tenant_a.users["ja"])
    expect(page).to_have_url(f"{live_server}/{slug}/portal")
    expect(page.locator("main")).not_to_contain_text("2026-00001")
    for url in [f"/{invoice_path}", *file_urls]:
        response = page.request.get(f"{live_server}{url}")
        assert response.status == 404, url

    # finance sees who downloaded which file
    _log_in(page, live_server, slug, tenant_a.users["finance"])
    page.goto(f"{live_server}/{slug}/invoices/{draft['id']}")
    downloads = page.locator("#invoice-downloads")
    for name in names:
        expect(downloads).to_contain_text(name)
    expect(downloads).to_contain_text(tenant_a.users["jc"])
