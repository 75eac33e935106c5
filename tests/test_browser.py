"""End to end in a real browser: Debian's headless Chromium against the app served over HTTP in a thread.

Never downloads a browser: Playwright drives /usr/bin/chromium (`apt-get install chromium`); without it the
tests are skipped. Run only these with `pytest -m browser`.
"""
import re
import threading
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} is missing (apt-get install chromium); "
                              "browser tests never download a browser"),
]


@pytest.fixture
def live_server(app):
    """The test app on a real HTTP server at 127.0.0.1 on a free port; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def chromium_page():
    """A fresh page in headless Chromium (German browser locale), closed after the test."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="de-DE")
            context.set_default_timeout(15_000)
            page = context.new_page()
            yield page
            context.close()
        finally:
            browser.close()


@pytest.mark.browser
def test_member_logs_in_and_manages_a_funding_agency(live_server, chromium_page, tenant_a):
    """Can a member log in through the form, reach the funding agencies via the navigation, create one with a
    valid Leitweg-ID, see it on its page, and is an invalid Leitweg-ID refused with a message at the field?"""
    from playwright.sync_api import expect

    page = chromium_page
    slug = tenant_a.slug

    # Log in through the real form (German UI by default).
    page.goto(f"{live_server}/login")
    expect(page.locator("h1")).to_have_text("Anmelden")
    form = page.locator("form.narrow")
    form.locator('[name="tenant"]').fill(slug)
    form.locator('[name="email"]').fill(tenant_a.users["finance"])
    form.locator('[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()

    # The tenant overview.
    expect(page).to_have_url(f"{live_server}/{slug}/")
    expect(page.locator("h1")).to_have_text(tenant_a.name)
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(nav.get_by_role("link", name="Übersicht")).to_have_attribute("aria-current", "page")

    # Funding agencies via the navigation, then the form.
    nav.get_by_role("link", name="Sozialleistungsträger").click()
    expect(page).to_have_url(f"{live_server}/{slug}/agencies/")
    expect(page.locator("h1")).to_have_text("Sozialleistungsträger")
    expect(page.get_by_text("Noch keine Sozialleistungsträger erfasst.")).to_be_visible()
    page.get_by_role("link", name="Neuer Sozialleistungsträger").click()
    expect(page.locator("h1")).to_have_text("Neuer Sozialleistungsträger")

    page.get_by_label("Name", exact=True).fill("Jobcenter Kiel")
    page.get_by_label("Art", exact=True).select_option("jobcenter")
    page.get_by_label("Leitweg-ID", exact=True).fill("04011000-1234512345-06")
    page.get_by_role("button", name="Speichern").click()

    # The agency's own page.
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server)}/{slug}/agencies/\d+$"))
    expect(page.locator("h1")).to_have_text("Jobcenter Kiel")
    expect(page.locator(".flash-success")).to_have_text("Sozialleistungsträger „Jobcenter Kiel“ angelegt.")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Jobcenter (SGB II)")
    expect(facts).to_contain_text("04011000-1234512345-06")

    # And in the list.
    page.get_by_role("link", name="Sozialleistungsträger", exact=True).first.click()
    expect(page).to_have_url(f"{live_server}/{slug}/agencies/")
    row = page.get_by_role("row").filter(has_text="Jobcenter Kiel")
    expect(row).to_contain_text("04011000-1234512345-06")

    # A wrong check digit: the form comes back with the message next to the Leitweg-ID field.
    page.get_by_role("link", name="Neuer Sozialleistungsträger").click()
    page.get_by_label("Name", exact=True).fill("Jugendamt Kiel")
    page.get_by_label("Art", exact=True).select_option("jugendamt")
    page.get_by_label("Leitweg-ID", exact=True).fill("04011000-1234512345-07")
    page.get_by_role("button", name="Speichern").click()

    expect(page.locator("h1")).to_have_text("Neuer Sozialleistungsträger")
    error = page.locator("#leitweg_id-error")
    expect(error).to_be_visible()
    # German once the service messages are translated; today the service returns English (see test_i18n).
    expect(error).to_have_text(re.compile(r"Prüfziffer|check digits", re.I))
    expect(page.locator("#leitweg_id")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#leitweg_id")).to_have_value("04011000-1234512345-07")
    expect(page.locator(".error-summary")).to_contain_text("Leitweg-ID")

    # Nothing was created.
    page.get_by_role("link", name="Abbrechen").click()
    expect(page).to_have_url(f"{live_server}/{slug}/agencies/")
    expect(page.get_by_role("row").filter(has_text="Jugendamt Kiel")).to_have_count(0)


@pytest.mark.browser
def test_removing_a_member_asks_first(live_server, chromium_page, tenant_a):
    """Does "Entfernen" on the members page ask before it removes, and does cancelling keep the member?"""
    from playwright.sync_api import expect

    page = chromium_page
    page.goto(f"{live_server}/login?tenant={tenant_a.slug}")
    form = page.locator("form.narrow")
    form.locator('[name="email"]').fill(tenant_a.users["owner"])
    form.locator('[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()
    page.goto(f"{live_server}/{tenant_a.slug}/members")
    row = page.locator("tr", has_text=tenant_a.users["viewer"])
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    row.get_by_role("button", name="Entfernen").click()
    assert asked == [f"{tenant_a.users['viewer']} aus dem Bündnis entfernen?"]
    page.reload()
    expect(page.locator("tr", has_text=tenant_a.users["viewer"])).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text=tenant_a.users["viewer"]).get_by_role("button", name="Entfernen").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("tr", has_text=tenant_a.users["viewer"])).to_have_count(0)
