"""Issue 14, safe actions in a real browser: a destructive button asks first, with JavaScript (the dialog, whose
yes goes through at once) and without it (core.confirmation's page, whose "Abbrechen" keeps everything)."""
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, chromium_page, live_server  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


@pytest.fixture
def page_without_javascript():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="de-DE", java_script_enabled=False)
            context.set_default_timeout(15_000)
            yield context.new_page()
            context.close()
        finally:
            browser.close()


def _log_in(page, base, fx, role="owner"):
    page.goto(f"{base}/login?tenant={fx.slug}")
    form = page.locator("form.narrow")
    form.locator('[name="email"]').fill(fx.users[role])
    form.locator('[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{base}/{fx.slug}/**")


def test_without_javascript_removing_a_member_shows_a_page_that_names_them(live_server, page_without_javascript,  # noqa: F811
                                                                            tenant_a):
    """Does "Entfernen" without JavaScript lead to a page that names the member and what happens, does
    "Abbrechen" go back with the member kept, and does "Ja, entfernen" remove them?"""
    from playwright.sync_api import expect

    page = page_without_javascript
    _log_in(page, live_server, tenant_a)
    viewer = tenant_a.users["viewer"]
    page.goto(f"{live_server}/{tenant_a.slug}/members")
    page.locator("tr", has_text=viewer).get_by_role("button", name="Entfernen").click()
    expect(page.locator("h1")).to_have_text("Mitglied entfernen?")
    expect(page.locator("main")).to_contain_text(f"Mitglied viewer {tenant_a.slug} wird aus dem Bündnis entfernt.")
    expect(page.locator("main")).to_contain_text("Das kann nicht rückgängig gemacht werden.")
    page.get_by_role("link", name="Abbrechen").click()
    expect(page).to_have_url(f"{live_server}/{tenant_a.slug}/members")
    expect(page.locator("tr", has_text=viewer)).to_be_visible()

    page.locator("tr", has_text=viewer).get_by_role("button", name="Entfernen").click()
    page.get_by_role("button", name="Ja, entfernen").click()
    expect(page).to_have_url(f"{live_server}/{tenant_a.slug}/members")
    expect(page.locator(".flash-success, .kern-alert--success").first).to_be_visible()
    expect(page.locator("tr", has_text=viewer)).to_have_count(0)


def test_with_javascript_the_dialogs_yes_deletes_without_a_second_question(live_server, chromium_page, tenant_a,  # noqa: F811
                                                                            make_agency):
    """With JavaScript, does the dialog name the agency, and does its yes delete it at once (no confirmation page on
    top)?"""
    from playwright.sync_api import expect

    agency_id = make_agency(tenant_a, "Jugendamt Kiel")
    page = chromium_page
    _log_in(page, live_server, tenant_a, "admin")
    page.goto(f"{live_server}/{tenant_a.slug}/agencies/{agency_id}")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Löschen").click()
    expect(page).to_have_url(f"{live_server}/{tenant_a.slug}/agencies/")
    assert asked and "Jugendamt Kiel" in asked[0]
    expect(page.get_by_role("row").filter(has_text="Jugendamt Kiel")).to_have_count(0)
