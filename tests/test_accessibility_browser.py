"""The demo's main pages in a real browser, for each role: axe-core (npm, injected from core/assets/node_modules)
finds nothing serious or critical, the strict Content-Security-Policy refuses nothing (KERN UX, htmx and our own
files come from 'self'), and at 390 px the case file, client page, contract page, contract form and invoice list fit
the screen, with the menu behind its disclosure."""
import re
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, live_server  # noqa: F401  (fixture)
from tests.test_start_pages_browser import _fits

AXE = Path(__file__).resolve().parent.parent / "core" / "assets" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")]

# axe.run in the page: the violations of impact serious or critical, each with its rule and the elements it found
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return {passes: result.passes.length,
          violations: result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))}))};
}"""


@pytest.fixture
def demo(app, monkeypatch):
    """The seeded demo alliance (without its PDFs: LibreOffice is not needed for pages) and the ids its pages need:
    a case of the case manager Fatma, that case's client, an active contract, a draft, the tenant."""
    from cases.models import Case
    from contracts.models import Contract
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants.demo import DEMO_USERS, seed_demo
    from tenants.models import Tenant, User

    monkeypatch.setitem(app.config, "SOFFICE_BINARY", "/nonexistent/soffice")
    with app.test_request_context():
        seed_demo()
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
        fatma = db.session.scalar(select(User).where(User.email == DEMO_USERS[1][0]))
        with tenant_context(tenant.id):
            case = db.session.scalar(select(Case).where(Case.case_manager_id == fatma.id).order_by(Case.id).limit(1))
            contract = db.session.scalar(select(Contract).where(Contract.status == "active").order_by(Contract.id)
                                         .limit(1))
            draft = db.session.scalar(select(Contract.id).where(Contract.status == "draft").order_by(Contract.id)
                                      .limit(1))
            ids = {"case": case.id, "client": case.client_id, "contract": contract.id, "tenant": tenant.id,
                   "draft": draft}
        db.session.commit()
    return ids


def _pages(demo: dict) -> dict[str, list[str]]:
    """The main pages of each role (who logs in: a member's e-mail, `anonymous` or `platform admin`)."""
    case, client, contract = demo["case"], demo["client"], demo["contract"]
    return {
        "anonymous": ["/", "/login", "/login?tenant=demo", "/signup"],
        "inhaberin@demo.buendnisnetz.de": [
            "/demo/", "/demo/cases/", f"/demo/cases/{case}", f"/demo/clients/{client}", "/demo/clients/",
            "/demo/contracts/", f"/demo/contracts/{contract}", "/demo/agencies/", "/demo/partners/", "/demo/members",
            "/demo/settings", "/demo/audit", "/demo/invoices", "/demo/billing", "/demo/reports", "/account"],
        "fallmanagerin@demo.buendnisnetz.de": [
            "/demo/", "/demo/cases/", f"/demo/cases/{case}", f"/demo/clients/{client}", "/demo/caseload"],
        "finanzen@demo.buendnisnetz.de": ["/demo/", "/demo/invoices", "/demo/billing", "/demo/contracts/",
                                          f"/demo/contracts/{contract}"],
        "lesend@demo.buendnisnetz.de": ["/demo/", "/demo/cases/", "/demo/contracts/"],
        "platform admin": ["/admin/", f"/admin/tenants/{demo['tenant']}"],
    }


def _browser(pw, width: int = 1280):
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    context.set_default_timeout(20_000)
    context.add_init_script(path=str(AXE))  # through the browser's protocol: the page's CSP does not apply
    return browser, context


def _log_in(page, base: str, who: str) -> None:
    from tenants.demo import ADMIN_EMAIL, ADMIN_TOTP_SECRET, DEMO_PASSWORD

    if who == "anonymous":
        return
    if who == "platform admin":
        page.goto(f"{base}/login")
        page.fill("#email", ADMIN_EMAIL)
        page.fill("#password", DEMO_PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/login/second-factor"))
        page.fill("#code", pyotp.TOTP(ADMIN_TOTP_SECRET).now())
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/admin/?$"))
        return
    page.goto(f"{base}/login?tenant=demo")
    page.fill("#email", who)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/demo/")


def _check(page, base: str, path: str, refused: list[str]) -> list[str]:
    """Opens `path`; what is wrong there: another status than 200, a CSP refusal, a serious or critical finding."""
    refused.clear()
    response = page.goto(base + path)
    page.wait_for_load_state("networkidle")
    if response is None or response.status != 200:
        return [f"{path}: HTTP {response.status if response else '—'}"]
    found = [f"{path}: CSP refused: {text}" for text in refused]
    result = page.evaluate(RUN_AXE)
    assert result["passes"] > 10, f"{path}: axe-core checked nothing"
    found += [f"{path}: [{v['impact']}] {v['id']} ({v['help']}) at {', '.join(v['targets'][:5])}"
              for v in result["violations"]]
    return found


def test_the_main_pages_of_every_role_have_no_serious_accessibility_findings(live_server, demo):  # noqa: F811
    """Does axe-core find nothing serious or critical on the start page, case list, case file, client, contracts,
    contract, agencies, members, settings, audit, invoices, reports, login, landing and sign-up pages and the admin
    console, each seen by the role that uses it, and does the CSP refuse nothing there?"""
    sync_api = pytest.importorskip("playwright.sync_api")
    assert AXE.exists(), "axe-core is missing: bash .ci/setup installs it (npm ci in core/assets)"
    problems = []
    with sync_api.sync_playwright() as pw:
        browser, context = _browser(pw)
        try:
            for who, paths in _pages(demo).items():
                page = context.new_page()
                refused: list[str] = []
                page.on("console", lambda m, r=refused: r.append(m.text) if "Content Security Policy" in m.text
                        else None)
                _log_in(page, live_server, who)
                for path in paths:
                    problems += [f"{who} {p}" for p in _check(page, live_server, path, refused)]
                page.close()
                context.clear_cookies()
        finally:
            browser.close()
    assert not problems, "\n".join(problems)


def test_axe_finds_what_it_should(live_server):  # noqa: F811
    """The check can fail: a button without a name and a field without a label on the login page are serious or
    critical findings, named by rule and element."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser, context = _browser(pw)
        try:
            page = context.new_page()
            page.goto(live_server + "/login")
            page.evaluate("""() => { const b = document.createElement('button'); b.id = 'nameless';
                                     const i = document.createElement('input'); i.id = 'unlabelled';
                                     document.querySelector('main').append(b, i); }""")
            result = page.evaluate(RUN_AXE)
        finally:
            browser.close()
    found = {v["id"]: v["targets"] for v in result["violations"]}
    assert found.get("button-name") == ["#nameless"] and found.get("label") == ["#unlabelled"], found


@pytest.mark.parametrize("width", [390, 1280])
def test_case_file_client_contract_and_invoices_fit_a_small_screen(live_server, demo, width):  # noqa: F811
    """At 390 px: do the case file, the client page, the contract page, the contract form (new and edit: its rates
    table) and the invoice list fit the screen (wide tables scroll inside their own box) without serious
    accessibility findings, and is the menu a closed disclosure that opens? At 1280 px the menu's links show
    without opening anything."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser, context = _browser(pw, width)
        try:
            page = context.new_page()
            _log_in(page, live_server, "inhaberin@demo.buendnisnetz.de")
            for path in (f"/demo/cases/{demo['case']}", f"/demo/clients/{demo['client']}",
                         f"/demo/contracts/{demo['contract']}", "/demo/contracts/new",
                         f"/demo/contracts/{demo['draft']}/edit", "/demo/invoices"):
                page.goto(live_server + path)
                assert page.locator("h1").is_visible()
                _fits(page)
                violations = page.evaluate(RUN_AXE)["violations"]
                assert not violations, (path, violations)
                # every table either fits or scrolls inside itself, reachable by keyboard while it does
                for table in page.locator("main table").all():
                    wide = table.evaluate("t => t.scrollWidth > t.clientWidth + 1")
                    assert not wide or table.get_attribute("tabindex") == "0", path
            nav = page.get_by_role("navigation", name="Hauptnavigation")
            invoices = nav.get_by_role("link", name="Rechnungen")
            menu = nav.locator("summary")
            if width == 390:
                assert menu.is_visible() and not invoices.is_visible()
                menu.click()
                assert invoices.is_visible()
                invoices.click()
                page.wait_for_url(f"{live_server}/demo/invoices")
            else:
                assert not menu.is_visible() and invoices.is_visible()
        finally:
            browser.close()
