"""The start pages in a real browser at 1280 px and 390 px: what each role is told needs them today, where the
links go, and that no page is wider than the screen."""
from datetime import timedelta

import pytest

from tests import today_rows as rows
from tests.conftest import PASSWORD, berlin_today
from tests.test_browser import CHROMIUM, chromium_page, live_server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no chromium")]

WIDTHS = [1280, 390]


@pytest.fixture
def due_things(app, tenant_a, make_agency):
    """A review due tomorrow for the case manager, a contract in review drafted by the admin, an overdue
    invoice."""
    from billing.models import Invoice

    today = berlin_today()
    agency = make_agency(tenant_a)
    with app.app_context(), tenant_a.context() as s:
        rows.case(tenant_a, review_on=today + timedelta(days=1), last_name="Krüger")
        c = rows.contract(agency)
        rows.contract(agency, status="in_review", drafted_by=rows.user_id(tenant_a, "admin"), title="Neu")
        s.add(Invoice(kind="invoice", agency_id=agency, contract_id=c.id, period="2026-01",
                      period_start=today.replace(day=1), period_end=today, state="issued",
                      due_on=today - timedelta(days=5), gross_cents=5000, net_cents=5000))
        s.commit()
    return tenant_a


def _log_in(page, base, fx, role):
    page.goto(f"{base}/login?tenant={fx.slug}")
    form = page.locator("form.narrow")
    form.locator('[name="email"]').fill(fx.users[role])
    form.locator('[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{base}/{fx.slug}/")


WIDEST = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)
  .map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)"""


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        page.url, page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"), page.evaluate(WIDEST))


def _today(page):
    return {li.get_attribute("data-item"): li.inner_text() for li in page.locator(".today-items li").all()}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_case_managers_start_page_lists_the_review_due_tomorrow(live_server, chromium_page, due_things,  # noqa: F811
                                                                    width):
    """Does the case manager see the review due tomorrow (and nothing of contracts or billing), does the link
    lead to the list with that case, and do both pages fit the screen?"""
    page = chromium_page
    page.set_viewport_size({"width": width, "height": 900})
    _log_in(page, live_server, due_things, "case_manager")
    items = _today(page)
    assert set(items) == {"cases.reviews_due", "cases.no_service_this_week"}
    assert items["cases.reviews_due"].startswith("1")
    assert "Fallüberprüfungen" in items["cases.reviews_due"]
    _fits(page)
    page.locator('[data-item="cases.reviews_due"] a').click()
    page.wait_for_url("**/cases/?due=review")
    assert "Krüger" in page.locator("main").inner_text()
    _fits(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_owners_start_page_lists_approvals_and_overdue_invoices(live_server, chromium_page, due_things,  # noqa: F811
                                                                    width):
    """Does the owner see the contract awaiting approval, the overdue invoice and the review (admins see every
    case), and does the approval link list the contract?"""
    page = chromium_page
    page.set_viewport_size({"width": width, "height": 900})
    _log_in(page, live_server, due_things, "owner")
    items = _today(page)
    assert {"contracts.approval", "billing.overdue", "cases.reviews_due"} <= set(items)
    assert "Verträge, die auf Ihre Freigabe warten" in items["contracts.approval"]
    _fits(page)
    page.locator('[data-item="contracts.approval"] a').click()
    page.wait_for_url("**/contracts/?due=approval")
    assert "Neu" in page.locator("main table").inner_text()
    _fits(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_finance_start_page_lists_the_overdue_invoice(live_server, chromium_page, due_things, width):  # noqa: F811
    """Does finance see the overdue invoice (and no case), and does the link open the overdue list?"""
    page = chromium_page
    page.set_viewport_size({"width": width, "height": 900})
    _log_in(page, live_server, due_things, "finance")
    items = _today(page)
    assert "billing.overdue" in items and items["billing.overdue"].startswith("1")
    assert not [k for k in items if k.startswith("cases.")]
    _fits(page)
    page.locator('[data-item="billing.overdue"] a').click()
    page.wait_for_url("**/invoices/overdue")
    _fits(page)


def test_a_viewer_is_told_nothing_is_due(live_server, chromium_page, due_things):  # noqa: F811
    page = chromium_page
    page.set_viewport_size({"width": 390, "height": 900})
    _log_in(page, live_server, due_things, "viewer")
    assert page.locator(".today-items li").count() == 0
    assert "Heute steht für Sie nichts an." in page.locator("main").inner_text()
    _fits(page)
