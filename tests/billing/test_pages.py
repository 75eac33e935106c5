"""The billing pages (billing/views.py): preview, runs, invoices, issuing, payments, credit notes, roles, tenants.

They run on the worked example (tests/billing/conftest.py): October 2026, contract A (Jobcenter) bills
789,36 € gross, contract B (Jugendamt) 300,00 € after a budget cut of 85,86 €.
"""
import re

from sqlalchemy import select

from tests.conftest import berlin_today, csrf_from

ISSUER = {"legal_name": "Bündnis für Familie Alpha e.V.", "address": "Marktplatz 1\n59065 Hamm",
          "tax_number": "322/5760/1234", "vat_id": "", "register_number": "VR 1234, Amtsgericht Hamm",
          "iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "contact_name": "Ines Inhaberin",
          "phone": "+49 2381 123456", "email": "kontakt@alpha.example.org", "payment_days": 30}


def text(response) -> str:
    return response.get_data(as_text=True)


def _set_issuer(app, fx, **changes):
    from core.extensions import db
    from tenants.models import Tenant

    with app.app_context(), fx.context():
        tenant = db.session.get(Tenant, fx.tenant_id)
        for name, value in {**ISSUER, **changes}.items():
            setattr(tenant, name, value)
        db.session.commit()


def _post(client, url, page_url, data=None, **kwargs):
    token = csrf_from(client.get(page_url).data)
    assert token, f"no form with a CSRF token on {page_url}"
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def _run(client, fx, period="2026-10"):
    response = _post(client, f"/{fx.slug}/billing/runs", f"/{fx.slug}/billing", {"period": period})
    assert response.status_code == 302
    match = re.search(r"/billing/runs/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _invoice_of(app, fx, contract_id):
    from billing.models import Invoice
    from core.extensions import db

    with app.app_context(), fx.context():
        return db.session.scalar(select(Invoice.id).where(Invoice.contract_id == contract_id,
                                                          Invoice.kind == "invoice").order_by(Invoice.id.desc()))


def _table(html: str) -> str:
    """The invoice table of a list page (the filter's options name every contract)."""
    match = re.search(r'<table class="invoices">.*?</table>', html, re.S)
    assert match, "no invoice table"
    return match.group(0)


def _issue(client, fx, invoice_id):
    page = f"/{fx.slug}/invoices/{invoice_id}"
    return _post(client, f"{page}/issue", page, {"confirmed": "1"}, follow_redirects=True)  # as the page's form


def test_preview_shows_amounts_per_contract_and_each_left_out_entry_in_german(client, tenant_a, login, example):
    """Does the preview list both contracts with their lines, the budget cut and totals in German money, and every
    entry left out with its reason in German, linked to the case?"""
    login(client, tenant_a, "finance")
    html = text(client.get(f"/{tenant_a.slug}/billing/preview?period=2026-10"))
    assert "Vorschau für Oktober 2026" in html
    assert "A: Fallmanagement Jobcenter" in html and "B: Hilfen Jugendamt" in html
    assert "789,36 €" in html and "663,33 €" in html and "126,03 €" in html  # contract A: gross, net, VAT
    assert "-85,86 €" in html  # B's budget cut
    assert "Jobcenter Hamm" in html and "Jugendamt Hamm" in html
    for german in ("keine Kostenzusage an diesem Tag", "Vereinbarung nicht in Kraft",
                   "kein Stundensatz für diesen Leistungsbereich",
                   "Sozialleistungsträger nicht eindeutig (Zuständigkeit im Bedarf festlegen)"):
        assert german in html, german
    assert "05.10.2026" in html  # German dates
    # finance may not open cases: the case number without a link; the owner gets the link
    assert f"Fall {example.cases[3]}" in html
    login(client, tenant_a, "owner")
    html = text(client.get(f"/{tenant_a.slug}/billing/preview?period=2026-10"))
    assert f'href="/{tenant_a.slug}/cases/{example.cases[3]}"' in html
    # nothing was written
    assert "Noch kein Abrechnungslauf." in text(client.get(f"/{tenant_a.slug}/billing"))


def test_preview_of_a_bad_period_says_so(client, tenant_a, login):
    login(client, tenant_a, "finance")
    response = client.get(f"/{tenant_a.slug}/billing/preview?period=2026-13", follow_redirects=True)
    assert "Kein Abrechnungszeitraum." in text(response)


def test_budget_exhausted_is_named_in_german(client, tenant_a, login, example):
    login(client, tenant_a, "finance")
    _run(client, tenant_a, "2026-10")
    html = text(client.get(f"/{tenant_a.slug}/billing/preview?period=2026-11"))
    assert "Budget ausgeschöpft" in html


def test_a_run_from_the_page_ends_done_with_links_to_its_invoices(app, client, tenant_a, login, example):
    """Does starting a run redirect to its page, which shows it done with a link to each draft and the entries left
    unbilled; and does the runs list show it?"""
    login(client, tenant_a, "finance")
    run_id = _run(client, tenant_a)
    html = text(client.get(f"/{tenant_a.slug}/billing/runs/{run_id}"))
    assert "erledigt" in html and "2 von 2 Vereinbarungen abgerechnet (100 %)" in html
    a, b = _invoice_of(app, tenant_a, example.contracts["A"]), _invoice_of(app, tenant_a, example.contracts["B"])
    assert f'href="/{tenant_a.slug}/invoices/{a}"' in html and f'href="/{tenant_a.slug}/invoices/{b}"' in html
    assert "Sozialleistungsträger nicht eindeutig" in html
    assert 'hx-trigger="every 2s"' not in html  # done: no polling
    fragment = client.get(f"/{tenant_a.slug}/billing/runs/{run_id}/progress", headers={"HX-Request": "true"})
    assert 'data-status="done"' in text(fragment)
    assert fragment.headers.get("HX-Refresh") == "true"  # htmx reloads the page, which then lists the invoices
    runs = text(client.get(f"/{tenant_a.slug}/billing"))
    assert f'href="/{tenant_a.slug}/billing/runs/{run_id}"' in runs and "Oktober 2026" in runs


def test_a_run_at_work_is_polled_and_a_failed_one_can_be_retried(app, client, tenant_a, login, example):
    from billing.models import BillingRun
    from core.extensions import db

    with app.app_context(), tenant_a.context():
        run = BillingRun(period="2026-10", status="failed", error="worker lost", steps_total=2)
        waiting = BillingRun(period="2026-09", status="running", steps_total=4, steps_done=1)
        db.session.add_all([run, waiting])
        db.session.commit()
        run_id, waiting_id = run.id, waiting.id
    login(client, tenant_a, "finance")
    html = text(client.get(f"/{tenant_a.slug}/billing/runs/{waiting_id}"))
    assert f'hx-get="/{tenant_a.slug}/billing/runs/{waiting_id}/progress" hx-trigger="every 2s"' in html
    assert "1 von 4 Vereinbarungen abgerechnet (25 %)" in html
    polled = client.get(f"/{tenant_a.slug}/billing/runs/{waiting_id}/progress", headers={"HX-Request": "true"})
    assert "HX-Refresh" not in polled.headers and 'data-status="running"' in text(polled)  # polled on
    page = f"/{tenant_a.slug}/billing/runs/{run_id}"
    assert "worker lost" in text(client.get(page))
    response = _post(client, f"{page}/retry", page, follow_redirects=True)
    html = text(response)
    assert "erledigt" in html and "2 von 2" in html  # the eager worker finished it


def test_invoice_page_shows_lines_totals_and_actions_of_a_draft(app, client, tenant_a, login, example):
    login(client, tenant_a, "finance")
    _run(client, tenant_a)
    b = _invoice_of(app, tenant_a, example.contracts["B"])
    html = text(client.get(f"/{tenant_a.slug}/invoices/{b}"))
    assert "Rechnungsentwurf" in html and "Entwurf" in html
    assert "Fallpauschale je Fall und Monat" in html and "294,19 €" in html  # 120 + 120 + 54,19
    assert "Kürzung auf das verbleibende Budget" in html and "-85,86 €" in html
    assert "300,00 €" in html and "Umsatzsteuerfrei" in html
    assert "Leistungseinträge" in html and "Fallmonate" in html  # what is billed, by kind
    assert "Die Rechnungsnummer wird vergeben, die Rechnung ist danach unveränderlich." in html
    assert f'action="/{tenant_a.slug}/invoices/{b}/delete"' in html
    assert '<details class="confirm">' in html  # the confirmation step before deleting or issuing


def test_issue_without_issuer_data_links_to_the_settings(app, client, tenant_a, login, example):
    """Does issuing without issuer data refuse with the missing fields named and a link to the settings page?"""
    login(client, tenant_a, "owner")
    _run(client, tenant_a)
    a = _invoice_of(app, tenant_a, example.contracts["A"])
    html = text(_issue(client, tenant_a, a))
    assert "Die Absenderangaben des Bündnisses sind unvollständig" in html
    assert f'<a href="/{tenant_a.slug}/settings">' in html
    assert "IBAN fehlt" in html
    assert "<td id=\"invoice-number\">Entwurf</td>" in html


def test_issue_pay_and_credit_note_from_the_pages(app, client, tenant_a, login, example):
    """Issue from the page (number shown), download the statement (audited), record a payment on A, cancel B by a
    credit note and see both link to each other, and a new run bill B's charges again."""
    from billing.models import Invoice
    from core.audit import AuditEvent
    from core.extensions import db

    _set_issuer(app, tenant_a)
    login(client, tenant_a, "finance")
    _run(client, tenant_a)
    a, b = _invoice_of(app, tenant_a, example.contracts["A"]), _invoice_of(app, tenant_a, example.contracts["B"])
    year = berlin_today().year
    html = text(_issue(client, tenant_a, a))
    assert f"Rechnung {year}-00001 gestellt." in html
    assert f'<td id="invoice-number">{year}-00001</td>' in html
    assert "Zahlung erfassen" in html and "Stornieren durch Gutschrift" in html
    csv = client.get(f"/{tenant_a.slug}/invoices/{a}/statement.csv")
    assert csv.status_code == 200 and "Beispiel" not in csv.get_data(as_text=True)  # pseudonyms, no names
    with app.app_context(), tenant_a.context():
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "invoice.download"))

    page = f"/{tenant_a.slug}/invoices/{a}"
    bad = _post(client, f"{page}/payments", page, {"on": berlin_today().isoformat(), "amount": "1.000,00"})
    assert bad.status_code == 422 and "Mehr als der offene Betrag von 789,36 €" in text(bad)
    response = _post(client, f"{page}/payments", page, {"on": berlin_today().isoformat(), "amount": "500,00",
                                                         "note": "Teilzahlung"}, follow_redirects=True)
    html = text(response)
    assert "Zahlung über 500,00 € erfasst." in html
    assert '<td id="invoice-open">289,36 €</td>' in html and "teilweise bezahlt" in html and "Teilzahlung" in html

    _issue(client, tenant_a, b)
    page = f"/{tenant_a.slug}/invoices/{b}"
    refused = _post(client, f"{page}/credit-note", page, {"reason": ""})
    assert refused.status_code == 422
    response = _post(client, f"{page}/credit-note", page, {"reason": "Falscher Zeitraum", "confirmed": "1"})
    assert response.status_code == 302
    note_url = response.headers["Location"]
    html = text(client.get(note_url))
    assert f"Gutschrift {year}-00003" in html and "Diese Gutschrift storniert die Rechnung" in html
    assert f'href="/{tenant_a.slug}/invoices/{b}">{year}-00002</a>' in html
    html = text(client.get(page))
    assert "storniert" in html and "Storniert durch Gutschrift" in html and f"{year}-00003</a>" in html

    listing = _table(text(client.get(f"/{tenant_a.slug}/invoices?status=cancelled")))
    assert f"{year}-00002" in listing and f"{year}-00001" not in listing
    credit_notes = text(client.get(f"/{tenant_a.slug}/invoices?kind=credit_note"))
    # a credit note counts negative in the totals
    assert f"{year}-00003" in credit_notes and "1 gestellter Beleg (Gutschriften abgezogen)" in credit_notes
    assert "-300,00 €" in credit_notes

    _run(client, tenant_a)  # B's charges were released: billed again as a new draft
    with app.app_context(), tenant_a.context():
        drafts = db.session.scalars(select(Invoice).where(Invoice.contract_id == example.contracts["B"],
                                                          Invoice.state == "draft")).all()
        assert [d.net_cents for d in drafts] == [30000]


def test_invoice_list_filters_totals_and_overdue(app, client, tenant_a, login, example):
    from billing.models import Invoice
    from core.extensions import db

    login(client, tenant_a, "finance")
    _run(client, tenant_a)
    html = text(client.get(f"/{tenant_a.slug}/invoices"))
    # drafts are not yet invoiced: counted apart
    assert "0 gestellte Belege" in html and "2 Entwürfe, noch nicht in Rechnung gestellt" in html
    assert "1.089,36 €" in html  # 789,36 + 300,00
    html = _table(text(client.get(f"/{tenant_a.slug}/invoices?agency_id={example.agencies['ja']}")))
    assert "1 Entwurf, noch nicht in Rechnung gestellt" in html and "B: Hilfen Jugendamt" in html
    assert "A: Fallmanagement" not in html
    assert "0 gestellte Belege" in text(client.get(f"/{tenant_a.slug}/invoices?status=overdue"))
    with app.app_context(), tenant_a.context():
        invoice = db.session.get(Invoice, _invoice_of(app, tenant_a, example.contracts["A"]))
        invoice.state, invoice.number, invoice.due_on = "issued", "2026-00099", berlin_today().replace(year=2020)
        db.session.commit()
    overdue = _table(text(client.get(f"/{tenant_a.slug}/invoices/overdue")))
    assert "2026-00099" in overdue and "überfällig" in overdue and "B: Hilfen" not in overdue
    assert "2026-00099" in text(client.get(f"/{tenant_a.slug}/invoices?status=overdue"))


def test_efficiency_report_shows_invoiced_beside_the_agreement(app, client, tenant_a, login, example):
    login(client, tenant_a, "finance")
    _run(client, tenant_a)
    _set_issuer(app, tenant_a)
    _issue(client, tenant_a, _invoice_of(app, tenant_a, example.contracts["A"]))
    html = text(client.get(f"/{tenant_a.slug}/contracts/{example.contracts['A']}/efficiency"
                           "?from=2026-10-01&to=2026-10-31"))
    match = re.search(r'<table id="invoiced">(.*?)</table>', html, re.S)
    assert match and "663,33 €" in match.group(1) and "789,36 €" in match.group(1)


def test_viewer_and_case_manager_see_no_billing(client, tenant_a, login, example, app):
    login(client, tenant_a, "finance")
    _run(client, tenant_a)
    a = _invoice_of(app, tenant_a, example.contracts["A"])
    nav = text(client.get(f"/{tenant_a.slug}/billing"))
    assert ">Abrechnung</a>" in nav and ">Rechnungen</a>" in nav
    for role in ("viewer", "case_manager"):
        login(client, tenant_a, role)
        assert client.get(f"/{tenant_a.slug}/billing").status_code == 403
        assert client.get(f"/{tenant_a.slug}/invoices/{a}").status_code == 403
        assert client.post(f"/{tenant_a.slug}/invoices/{a}/delete").status_code in (400, 403)
        assert ">Abrechnung</a>" not in text(client.get(f"/{tenant_a.slug}/contracts/"))


def test_read_only_finance_view_has_no_write_buttons_for_an_agency_member(app, client, tenant_a, login, example):
    """An agency member sees its agency's issued invoices in the portal, without buttons, no draft, and none of
    the tenant's own invoice pages."""
    from core.audit import Actor
    from core.extensions import db
    from tenants import services
    from tenants.models import Tenant
    from tests.conftest import PASSWORD

    _set_issuer(app, tenant_a)
    login(client, tenant_a, "finance")
    _run(client, tenant_a)
    a, b = _invoice_of(app, tenant_a, example.contracts["A"]), _invoice_of(app, tenant_a, example.contracts["B"])
    _issue(client, tenant_a, a)
    with app.app_context(), tenant_a.context():
        user = services.create_user("portal@jc.example.org", PASSWORD, "Jobcenter")
        services.add_member(db.session.get(Tenant, tenant_a.tenant_id), user, "agency", Actor.system("test"),
                            agency_id=example.agencies["jc"])
        db.session.commit()
    tenant_a.users["agency"] = "portal@jc.example.org"
    login(client, tenant_a, "agency")
    # the tenant's own invoice pages are not theirs: the portal is (tests/billing/test_portal.py)
    for url in (f"/{tenant_a.slug}/invoices/{a}", f"/{tenant_a.slug}/invoices", f"/{tenant_a.slug}/invoices/overdue",
                f"/{tenant_a.slug}/invoices/{a}/pdf", f"/{tenant_a.slug}/billing"):
        assert client.get(url).status_code == 403, url
    html = text(client.get(f"/{tenant_a.slug}/portal/invoices/{a}"))
    assert "789,36 €" in html and "Zahlung erfassen" not in html and "Gutschrift…" not in html
    assert client.get(f"/{tenant_a.slug}/portal/invoices/{b}").status_code == 404  # another agency's draft
    assert client.post(f"/{tenant_a.slug}/invoices/{a}/credit-note").status_code in (400, 403)


def test_another_tenants_member_gets_404_on_runs_and_invoices(app, client, tenant_a, tenant_b, login, example):
    login(client, tenant_a, "finance")
    run_id = _run(client, tenant_a)
    a = _invoice_of(app, tenant_a, example.contracts["A"])
    login(client, tenant_b, "finance")
    for url in (f"/{tenant_b.slug}/billing/runs/{run_id}", f"/{tenant_b.slug}/billing/runs/{run_id}/progress",
                f"/{tenant_b.slug}/invoices/{a}", f"/{tenant_b.slug}/invoices/{a}/pdf",
                f"/{tenant_b.slug}/invoices/{a}/statement.csv"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/{tenant_a.slug}/invoices/{a}").status_code == 404  # not a member of A
