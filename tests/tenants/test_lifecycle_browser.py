"""Issue 12 end to end in a real browser: a newcomer signs up an alliance, verifies the e-mail through a real
SMTP sink, lands in the empty alliance and follows the first-steps checklist; a platform admin logs in with the
second factor, finds the alliance, suspends it, and the alliance's pages become read-only with the reason."""
import re

import pyotp
import pytest

from tests.mail_sink import link_in, smtp_sink, wait_for_mail  # noqa: F401 - fixture
from tests.test_browser import chromium_page, live_server  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Sonnenblume-Wiese-42"


def test_newcomer_signs_up_verifies_and_follows_the_first_steps(app, live_server, chromium_page, smtp_sink):  # noqa: F811
    page = chromium_page
    page.goto(live_server + "/")
    page.get_by_role("link", name=re.compile("registrieren", re.I)).first.click()
    page.fill("#name", "Bündnis für Familie Waldstadt")
    page.fill("#slug", "waldstadt")
    page.fill("#owner_name", "Greta Neumann")
    page.fill("#email", "greta@waldstadt.example")
    page.fill("#password", NEW_PASSWORD)
    page.check("#accept_terms")
    # forgetting the AV-Vertrag: an error at its field, nothing created
    page.locator("form button[type=submit]").last.click()
    assert page.locator("#accept_dpa").is_visible()
    assert "Auftragsverarbeitung" in page.content() or "AV-Vertrag" in page.content()
    assert not smtp_sink
    page.fill("#password", NEW_PASSWORD)  # password fields are not refilled
    page.check("#accept_dpa")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/signup/check-mail"))

    wait_for_mail(smtp_sink)
    link = link_in(smtp_sink[0], "/signup/verify/")
    page.goto(live_server + link)
    page.wait_for_url(re.compile(r"/waldstadt/?$"))
    html = page.content()
    assert "Bündnis für Familie Waldstadt" in html
    steps = page.locator("#first-steps li")
    assert steps.count() >= 4
    assert page.locator("#first-steps li.done").count() == 0

    # the first step of the directory: a funding agency; back on the start page it is ticked off
    page.locator('#first-steps li[data-step="agency"] a').click()
    page.fill("#name", "Jobcenter Waldstadt")
    page.locator("form button[type=submit]").last.click()
    page.goto(live_server + "/waldstadt/")
    assert page.locator('#first-steps li[data-step="agency"].done').count() == 1
    assert page.locator("#first-steps li.open").count() >= 3

    # the link works once: a second browser that opens it again is not let in
    other = page.context.browser.new_context(locale="de-DE").new_page()
    other.goto(live_server + link)
    assert not re.search(r"/waldstadt/?$", other.url)
    assert other.locator(".flash-error, .flash-info, .flash-warning").count() >= 1


def test_platform_admin_with_second_factor_suspends_an_alliance(app, live_server, chromium_page, tenant_a,  # noqa: F811
                                                               make_agency):
    from core.audit import Actor
    from core.extensions import db
    from tenants import second_factor, services

    with app.app_context():
        admin = services.create_user("plattform@buendnisnetz.example", NEW_PASSWORD, "Paula Plattform",
                                     platform_admin=True)
        secret = second_factor.new_secret()
        second_factor.set_up_without_code(admin, secret, Actor.system("test"))
        db.session.commit()
    make_agency(tenant_a)

    page = chromium_page
    page.goto(live_server + "/login")
    page.fill("#email", "plattform@buendnisnetz.example")
    page.fill("#password", NEW_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/login/second-factor"))
    page.fill("#code", pyotp.TOTP(secret).now())
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/admin/?"))

    page.fill("#q", tenant_a.slug)
    page.locator("form[role=search] button").click()
    page.get_by_role("link", name=tenant_a.name).click()
    page.get_by_role("link", name="Sperren").click()
    page.fill("#reason", "Zahlung seit drei Monaten offen")
    page.locator("form button[type=submit]").last.click()
    assert "gesperrt" in page.content().lower()

    # the alliance's owner: every page says why, and writing is refused
    member = page.context.browser.new_context(locale="de-DE").new_page()
    member.goto(live_server + f"/login?tenant={tenant_a.slug}")
    member.fill("#email", tenant_a.email("owner"))
    from tests.conftest import PASSWORD

    member.fill("#password", PASSWORD)
    member.locator("form button[type=submit]").last.click()
    member.goto(live_server + f"/{tenant_a.slug}/agencies")
    banner = member.locator(".banner").first.inner_text()
    assert "gesperrt" in banner and "Zahlung seit drei Monaten offen" in banner
    response = member.goto(live_server + f"/{tenant_a.slug}/agencies/new")
    member.fill("#name", "Neues Amt")
    member.locator("form button[type=submit]").last.click()
    assert "Neues Amt" not in member.locator("main").inner_text() or "gesperrt" in member.content()
    assert response is not None
    with app.app_context():
        from sqlalchemy import select

        from core.tenancy.context import tenant_context
        from network.models import Agency

        with tenant_context(tenant_a.tenant_id):
            assert db.session.scalar(select(Agency).where(Agency.name == "Neues Amt")) is None
