"""Pages that update in part, in a real browser: the case list's search replaces only its results (no reload, the
URL follows), the back button brings the earlier list back, and a billing run's page polls until the run ends."""
import re

import pytest

from tests.conftest import PASSWORD
from tests.test_browser import CHROMIUM, chromium_page, live_server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no chromium")]


def _log_in(page, base, fx, role):
    page.goto(f"{base}/login?tenant={fx.slug}")
    form = page.locator("form.narrow")
    form.locator('[name="email"]').fill(fx.users[role])
    form.locator('[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{base}/{fx.slug}/")


def _console_errors(page) -> list[str]:
    """Errors the page logs (a refused inline style or script would show up here, as a CSP violation) and requests
    that failed; the browser's own look for a favicon (there is none) aside."""
    errors: list[str] = []

    def console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def response(answer):
        if answer.status >= 400 and "/favicon.ico" not in answer.url:
            errors.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("response", response)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def two_cases(client, api_token, tenant_a, app):
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
    return tenant_a


def test_typing_in_the_case_search_updates_the_list_in_place(live_server, chromium_page, two_cases):  # noqa: F811
    """Does typing "krueger" into the case list's search narrow the list to Krüger without reloading the page (a
    marker set on window survives), put the search into the URL, and does the back button bring both back?"""
    from playwright.sync_api import expect

    page, fx = chromium_page, two_cases
    errors = _console_errors(page)
    _log_in(page, live_server, fx, "case_manager")
    page.goto(f"{live_server}/{fx.slug}/cases/")
    results = page.locator("#case-results")
    expect(results).to_contain_text("Krüger")
    expect(results).to_contain_text("Lindqvist")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("Name oder Pseudonym").press_sequentially("krueger", delay=30)
    expect(results).not_to_contain_text("Lindqvist")
    expect(results).to_contain_text("Krüger")
    expect(results.get_by_role("status")).to_have_text("1 Fall")
    expect(page).to_have_url(re.compile(r"/cases/\?q=krueger(&|$)"))
    assert page.evaluate("window.stillTheSamePage === true"), "the page was loaded again"

    page.get_by_label("Phase").select_option("closed")  # a select updates the list as well
    expect(results).to_contain_text("Keine Fälle gefunden.")
    expect(page).to_have_url(re.compile(r"status=closed"))
    assert page.evaluate("window.stillTheSamePage === true")

    page.go_back()
    expect(page).to_have_url(re.compile(r"q=krueger"))
    expect(page).not_to_have_url(re.compile(r"status=closed"))
    expect(results).to_contain_text("Krüger")
    page.go_back()
    expect(page).to_have_url(f"{live_server}/{fx.slug}/cases/")
    expect(results).to_contain_text("Lindqvist")
    assert not page.evaluate("Object.keys(sessionStorage).concat(Object.keys(localStorage))"
                             ".filter(k => k.startsWith('htmx-history'))"), "htmx kept a copy of a list"
    assert errors == [], errors


def test_without_javascript_the_filter_form_still_works(live_server, two_cases):  # noqa: F811
    """With JavaScript off, does the search form of the case list still filter (a plain GET of the whole page)?"""
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.test_browser import CHROMIUM_ARGS

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="de-DE", java_script_enabled=False).new_page()
            page.set_default_timeout(15_000)
            _log_in(page, live_server, two_cases, "case_manager")
            page.goto(f"{live_server}/{two_cases.slug}/cases/")
            page.get_by_label("Name oder Pseudonym").fill("lindqvist")
            page.get_by_role("button", name="Filtern").click()
            page.wait_for_url(re.compile(r"q=lindqvist"))
            results = page.locator("#case-results")
            sync_api.expect(results).to_contain_text("Lindqvist")
            sync_api.expect(results).not_to_contain_text("Krüger")
        finally:
            browser.close()


def test_a_billing_run_page_polls_until_the_run_has_ended(live_server, chromium_page, app, tenant_a):  # noqa: F811
    """Does the page of a run at work show its progress as the run moves (polled, no reload), and once the run
    has ended reload by itself to show its invoices?"""
    from playwright.sync_api import expect

    from billing.models import BillingRun
    from core.extensions import db

    with app.app_context(), tenant_a.context():
        run = BillingRun(period="2026-09", status="running", steps_total=4, steps_done=1)
        db.session.add(run)
        db.session.commit()
        run_id = run.id

    def move(**values):
        with app.app_context(), tenant_a.context():
            row = db.session.get(BillingRun, run_id)
            for key, value in values.items():
                setattr(row, key, value)
            db.session.commit()

    page = chromium_page
    errors = _console_errors(page)
    _log_in(page, live_server, tenant_a, "finance")
    page.goto(f"{live_server}/{tenant_a.slug}/billing/runs/{run_id}")
    progress = page.locator("#run-progress")
    expect(progress).to_contain_text("1 von 4 Vereinbarungen abgerechnet (25 %)")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.stillTheSamePage = true")

    move(steps_done=3)
    expect(progress).to_contain_text("3 von 4 Vereinbarungen abgerechnet (75 %)", timeout=10_000)
    assert page.evaluate("window.stillTheSamePage === true"), "the page was loaded again while the run works"

    move(steps_done=4, status="done")
    expect(page.get_by_text("Dieser Lauf hat keine Rechnung geschrieben.")).to_be_visible(timeout=10_000)
    assert page.evaluate("window.stillTheSamePage === undefined"), "the ended run's page was not reloaded"
    assert errors == [], errors
