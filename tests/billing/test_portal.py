"""The agency portal (billing/portal.py) on the worked example: an agency member lands on its own agency's issued
invoices and nothing else of the alliance (another agency's invoice or a draft: 404 by URL, on every route that
takes an invoice id); its menu leads nowhere forbidden; every download is audited and shown to finance on the
invoice page; each sending is recorded with the SHA-256 of every attached file; an admin invites an agency user
from the agency's page.

No LibreOffice here: `no_files` keeps the file task from running and `_files_done` stores each file kind's bytes.
"""
import hashlib
import re
from email import message_from_bytes

import pytest

from tests.billing.test_billing_api import (  # noqa: F401 - fixtures
    complete_issuer,
    drafts_by_contract,
    finance,
    issue,
    no_files,
    owner,
    run_period,
)
from tests.conftest import PASSWORD, csrf_from


def _text(response) -> str:
    return response.get_data(as_text=True)


def _agency_user(app, fx, key: str, agency_id: int | None) -> str:
    """A member with role `agency` (tied to `agency_id`; None: tied to none), loggable as `fx.users[key]`."""
    from core.audit import Actor
    from core.extensions import db
    from tenants import services
    from tenants.models import Membership, Tenant

    email = f"{key}@agency.example.org"
    with app.app_context(), fx.context():
        user = services.create_user(email, PASSWORD, f"Sachbearbeitung {key}")
        if agency_id is None:  # cannot be made through the services: an agency member needs an agency
            db.session.add(Membership(tenant_id=fx.tenant_id, user_id=user.id, role="agency", agency_id=None))
        else:
            services.add_member(db.session.get(Tenant, fx.tenant_id), user, "agency", Actor.system("test"),
                                agency_id=agency_id)
        db.session.commit()
    fx.users[key] = email
    return email


def _files_done(app, fx, invoice_id: int) -> dict[str, bytes]:
    """Every file kind of the invoice made (stored bytes of its own, no LibreOffice); returns kind -> bytes."""
    from billing.models import InvoiceDocument
    from billing.services.documents import FILES, documents_of
    from billing.services.invoices import get_invoice
    from core import storage
    from core.extensions import db

    made = {}
    with app.app_context(), fx.context():
        existing = documents_of(get_invoice(invoice_id))  # issuing may have recorded some (the e-invoice)
        for kind, (suffix, _mime) in FILES.items():
            data = f"{kind} of invoice {invoice_id}".encode()
            stored = storage.store(fx.tenant_id, "invoices", data, suffix)
            doc = existing.get(kind) or InvoiceDocument(invoice_id=invoice_id, kind=kind)
            doc.status, doc.path, doc.sha256, doc.size = "done", stored.path, stored.sha256, stored.size
            db.session.add(doc)
            made[kind] = data
        db.session.commit()
    return made


def _draft_of_jobcenter(app, fx, example) -> int:
    """A draft addressed to the Jobcenter (September, so that it does not meet October's)."""
    from datetime import date

    from billing.models import Invoice
    from core.extensions import db

    with app.app_context(), fx.context():
        draft = Invoice(kind="invoice", agency_id=example.agencies["jc"], contract_id=example.contracts["A"],
                        period="2026-09", period_start=date(2026, 9, 1), period_end=date(2026, 9, 30),
                        state="draft", net_cents=100, gross_cents=100)
        db.session.add(draft)
        db.session.commit()
        return draft.id


@pytest.fixture
def billed(app, client, example, finance, owner, no_files, tenant_a):  # noqa: F811
    """October issued: A to the Jobcenter, B to the Jugendamt, both with their files; a Jobcenter draft; a user
    of each agency."""
    complete_issuer(client, owner)
    run_period(client, finance)
    drafts = drafts_by_contract(client, finance)
    a = issue(client, finance, drafts[example.contracts["A"]]["id"])
    b = issue(client, finance, drafts[example.contracts["B"]]["id"])
    files = {a["id"]: _files_done(app, tenant_a, a["id"]), b["id"]: _files_done(app, tenant_a, b["id"])}
    _agency_user(app, tenant_a, "jc", example.agencies["jc"])
    _agency_user(app, tenant_a, "ja", example.agencies["ja"])
    return {"a": a, "b": b, "draft": _draft_of_jobcenter(app, tenant_a, example), "files": files}


def _file_urls(html: str) -> list[str]:
    return re.findall(r'href="(/[^"]+/portal/invoices/\d+/files/[a-z_]+)"', html)


def test_an_agency_member_lands_on_the_portal_with_only_its_issued_invoices(app, client, tenant_a, login, billed):
    """Does the Jobcenter's user land on the portal after login (and from the alliance's start page), see its issued
    invoice with number, period, amounts, German status and every file, and neither the Jugendamt's invoice nor
    its own draft (404 by URL, also on the files and in the API)?"""
    slug, a, b = tenant_a.slug, billed["a"], billed["b"]
    page = client.get(f"/login?tenant={slug}")
    r = client.post(f"/login?tenant={slug}", data={"csrf_token": csrf_from(page.data), "tenant": slug,
                                                    "email": tenant_a.users["jc"], "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/{slug}/portal")
    assert client.get(f"/{slug}/").headers["Location"].endswith(f"/{slug}/portal")

    html = _text(client.get(f"/{slug}/portal"))
    assert "<h1>Meine Rechnungen</h1>" in html and "Jobcenter Hamm" in html
    row = re.search(rf'<tr[^>]*data-invoice="{a["id"]}".*?</tr>', html, re.S).group(0)
    for shown in (a["number"], "Oktober 2026", "663,33 €", "126,03 €", "789,36 €", "gestellt", "Rechnung (PDF)",
                  "Leistungsnachweis (CSV)", "Leistungsnachweis (PDF)"):
        assert shown in row, shown
    assert b["number"] not in html and "Jugendamt" not in html and "September 2026" not in html
    from billing.services.documents import FILES

    assert len(_file_urls(row)) == len(FILES)

    detail = client.get(f"/{slug}/portal/invoices/{a['id']}")
    assert detail.status_code == 200 and a["number"] in _text(detail) and "789,36 €" in _text(detail)
    for other in (b["id"], billed["draft"]):
        assert client.get(f"/{slug}/portal/invoices/{other}").status_code == 404
        for kind in FILES:
            assert client.get(f"/{slug}/portal/invoices/{other}/files/{kind}").status_code == 404, kind

    # the Jugendamt's user sees the Jugendamt's invoice only
    login(client, tenant_a, "ja")
    html = _text(client.get(f"/{slug}/portal"))
    assert b["number"] in html and a["number"] not in html
    assert client.get(f"/{slug}/portal/invoices/{a['id']}").status_code == 404


def test_every_invoice_route_is_a_404_for_another_agencys_invoice(app, client, tenant_a, login, api_token, billed):
    """Across agencies of one tenant: on every GET route with an invoice id (portal, its downloads, the API), is the
    Jugendamt's invoice a 404 for the Jobcenter's user, while its own answers? The alliance's own invoice pages
    are closed to agency members altogether (403)."""
    slug, a, b = tenant_a.slug, billed["a"]["id"], billed["b"]["id"]
    login(client, tenant_a, "jc")
    headers = api_token(tenant_a, "jc")
    adapter = app.url_map.bind("localhost")
    probed, failures = 0, []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or set(rule.arguments) - {"slug"} != {"invoice_id"}:
            continue
        is_api = rule.rule.startswith("/api/")
        tenant_page = rule.endpoint.startswith("billing.")  # the alliance's own invoice pages: not for agencies
        for invoice_id, allowed in ((b, (404,)), (billed["draft"], (404,)), (a, (200, 302))):
            allowed = (403,) if tenant_page else allowed
            path = adapter.build(rule.endpoint, {"invoice_id": invoice_id, **({} if is_api else {"slug": slug})})
            response = client.get(path, headers=headers if is_api else None)
            probed += 1
            if response.status_code not in allowed:
                failures.append(f"GET {path} -> {response.status_code}")
            if invoice_id != a and billed["b"]["number"] in _text(response):
                failures.append(f"GET {path} shows the other agency's invoice")
    assert probed >= 3 * 9
    assert not failures, "\n".join(failures)


def test_nothing_else_of_the_alliance_is_open_to_an_agency_member(client, tenant_a, login, example, billed):
    """Are cases, clients, agencies, agreements, billing runs and the members page closed (403/404) to an agency
    member?"""
    login(client, tenant_a, "jc")
    slug = tenant_a.slug
    for path in ("/cases/", "/clients/", "/caseload", "/agencies/", f"/agencies/{example.agencies['ja']}",
                 f"/agencies/{example.agencies['jc']}", "/contracts/", f"/contracts/{example.contracts['A']}",
                 "/billing", "/members", "/settings", "/audit", "/partners/"):
        status = client.get(f"/{slug}{path}").status_code
        assert status in (403, 404), f"{path} -> {status}"


def test_the_agency_menu_leads_nowhere_forbidden(client, tenant_a, login, billed):
    """Does every link of the agency member's navigation and header (menu, brand, tiles) open without a 403, and
    does the menu offer the portal but not the alliance's overview or invoice lists?"""
    login(client, tenant_a, "jc")
    html = _text(client.get(f"/{tenant_a.slug}/portal"))
    nav = re.search(r'<nav class="main"[^>]*>(.*?)</nav>', html, re.S).group(1)
    labels = [label.strip() for label in re.findall(r"<a [^>]*>([^<]+)</a>", nav)]
    assert "Meine Rechnungen" in labels
    assert not {"Übersicht", "Rechnungen", "Abrechnung", "Fälle", "Sozialleistungsträger"} & set(labels)
    header = re.search(r'<header class="site">(.*?)</header>', html, re.S).group(1)
    links = set(re.findall(r'href="(/[^"?#]*)"', nav + header))
    assert links
    for link in links:
        response = client.get(link, follow_redirects=True)
        assert response.status_code not in (403, 404), f"{link} -> {response.status_code}"


def test_an_agency_member_without_an_agency_sees_an_empty_portal(app, client, tenant_a, login, billed):
    """An agency member tied to no agency: an empty portal with a message, and no invoice by URL."""
    _agency_user(app, tenant_a, "nobody", None)
    login(client, tenant_a, "nobody")
    response = client.get(f"/{tenant_a.slug}/portal")
    html = _text(response)
    assert response.status_code == 200 and 'id="portal-no-agency"' in html and "keinem Sozialleistungsträger" in html
    assert billed["a"]["number"] not in html and billed["b"]["number"] not in html
    assert client.get(f"/{tenant_a.slug}/portal/invoices/{billed['a']['id']}").status_code == 404


def test_downloads_are_audited_and_shown_to_finance_on_the_invoice_page(app, client, tenant_a, login, billed):
    """Does each file the agency member downloads from the portal arrive as stored, write one `invoice.download`
    audit event (who, which file), and does finance see who downloaded which file when on the invoice page — and the
    agency member not?"""
    from sqlalchemy import select

    from core.audit import AuditEvent
    from core.extensions import db

    a = billed["a"]
    login(client, tenant_a, "jc")
    urls = _file_urls(_text(client.get(f"/{tenant_a.slug}/portal/invoices/{a['id']}")))
    from billing.services.documents import FILES

    assert len(urls) == len(FILES)
    names = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        kind = url.rsplit("/", 1)[1]
        assert response.data == billed["files"][a["id"]][kind]
        names.append(re.search(r'filename="([^"]+)"', response.headers["Content-Disposition"]).group(1))
    assert f"rechnung-{a['number']}.pdf" in names
    with app.app_context(), tenant_a.context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "invoice.download",
                                                             AuditEvent.object_id == a["id"])).all()
    assert sorted(e.diff["file"][1] for e in events) == sorted(names)
    assert {e.actor_label for e in events} == {tenant_a.users["jc"]}
    own_view = _text(client.get(f"/{tenant_a.slug}/invoices/{a['id']}"))  # the agency's read-only view
    assert 'id="invoice-downloads"' not in own_view

    login(client, tenant_a, "finance")
    html = _text(client.get(f"/{tenant_a.slug}/invoices/{a['id']}"))
    table = re.search(r'<table id="invoice-downloads">(.*?)</table>', html, re.S).group(1)
    assert "Downloads" in table and "Heruntergeladen am" in table
    assert table.count(tenant_a.users["jc"]) == len(names)
    for name in names:
        assert name in table


def test_sending_records_each_attached_file_with_its_sha256(app, client, tenant_a, login, finance, billed):  # noqa: F811
    """Does sending an invoice mail the agency its files (the XRechnung once it exists), link to the portal with an
    absolute address, and record the sending (when, to whom, by whom, each file's name, SHA-256 and size), shown on
    the invoice page?"""
    from sqlalchemy import select

    from billing.models import InvoiceSending
    from billing.services.documents import FILES
    from core.extensions import db
    from core.mail import outbox

    a = billed["a"]
    r = client.post(f"/api/v1/invoices/{a['id']}/send", headers=finance)
    assert r.status_code == 200, r.json
    assert len(outbox) == 1
    mail = message_from_bytes(outbox[0].as_bytes())
    attached = {part.get_filename(): part.get_payload(decode=True) for part in mail.walk() if part.get_filename()}
    body = outbox[0].get_body(("plain",)).get_content()
    assert f"http://localhost/{tenant_a.slug}/portal/invoices/{a['id']}" in body
    expected = {"pdf", "statement_pdf"} | ({"xrechnung"} & set(FILES))
    made = billed["files"][a["id"]]
    assert sorted(attached.values()) == sorted(made[kind] for kind in expected)
    if "xrechnung" in FILES:
        assert any(name.endswith(".xml") for name in attached)

    with app.app_context(), tenant_a.context():
        rows = db.session.scalars(select(InvoiceSending).where(InvoiceSending.invoice_id == a["id"])).all()
        assert len(rows) == 1
        sending = rows[0]
        assert sending.sent_to == "rechnung@jc.example.org" and sending.sent_at is not None
        assert sending.sent_by_id is not None
        assert {f["name"]: (f["sha256"], f["size"]) for f in sending.files} == {
            name: (hashlib.sha256(data).hexdigest(), len(data)) for name, data in attached.items()}
        digests = [f["sha256"] for f in sending.files]

    assert client.post(f"/api/v1/invoices/{a['id']}/send", headers=finance).status_code == 200
    with app.app_context(), tenant_a.context():
        assert db.session.scalar(select(db.func.count()).select_from(InvoiceSending)) == 2

    login(client, tenant_a, "finance")
    html = _text(client.get(f"/{tenant_a.slug}/invoices/{a['id']}"))
    table = re.search(r'<table id="invoice-sendings">(.*?)</table>', html, re.S).group(1)
    assert "Per E-Mail versandt" in table and table.count("rechnung@jc.example.org") == 2
    assert tenant_a.users["finance"] in table
    for digest in digests:
        assert digest[:12] in table


def test_an_admin_invites_an_agency_user_from_the_agencys_page(app, client, tenant_a, login, example):
    """Does the agency's page link to the invitation form with role and agency chosen, and does sending it invite
    the address as a user of that agency?"""
    from sqlalchemy import select

    from core.extensions import db
    from core.mail import outbox
    from tenants.models import Invitation

    login(client, tenant_a, "admin")
    ja = example.agencies["ja"]
    html = _text(client.get(f"/{tenant_a.slug}/agencies/{ja}"))
    link = re.search(r'id="invite-agency-user" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "role=agency" in link and f"agency_id={ja}" in link
    form = client.get(link)
    page = _text(form)
    assert re.search(r'<option selected value="agency">|<option value="agency" selected>', page), page[-3000:]
    assert re.search(rf'<option selected value="{ja}">|<option value="{ja}" selected>', page)
    r = client.post(f"/{tenant_a.slug}/members", data={"csrf_token": csrf_from(form.data),
                                                       "email": "clerk@jugendamt.example.org", "name": "Clerk",
                                                       "role": "agency", "agency_id": str(ja)})
    assert r.status_code == 302
    with app.app_context(), tenant_a.context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.email == "clerk@jugendamt.example.org"))
        assert (invitation.role, invitation.agency_id) == ("agency", ja)
    assert outbox and outbox[-1]["To"] == "clerk@jugendamt.example.org"

    login(client, tenant_a, "finance")  # not an admin: no invitation link
    assert 'id="invite-agency-user"' not in _text(client.get(f"/{tenant_a.slug}/agencies/{ja}"))
