"""Issue 14: does every export, PDF, diff and audit entry of the demo speak German to the person who reads it?

The demo is seeded, each output a person reads is downloaded or rendered once, its text extracted (pypdf, openpyxl,
csv, HTML), and searched for what must not be there: the models' column keys and enum codes, ISO dates and
decimal points in numbers. Machine-readable copies stay out: the JSON export (GDPR Art. 20), the XRechnung XML,
and the key row that a CSV/XLSX gives machines when asked for it (`?header=keys`).
"""
import csv
import html
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.audit import Actor

pytestmark = pytest.mark.slow  # LibreOffice renders the PDFs (each once)

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ISO_MONTH = re.compile(r"\b\d{4}-(?:0[1-9]|1[0-2])\b(?!-)")  # a billing period "2026-07" (not in "2026-07-01")
DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d{1,2}(?![\d.])")
# e-mails, links, IBANs, file names and types (rechnung-2026-00006.pdf, ".docx")
NOT_TEXT = re.compile(r"\S+@\S+|https?://\S+|\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b|\S*\.(docx|pdf|xlsx|csv|xml)\b")


def _codes() -> set[str]:
    """The column keys and enum codes of the models: what a person must never read."""
    from billing import models as billing_models
    from cases import models as cases_models
    from contracts import models as contracts_models
    from core.extensions import db
    from network import models as network_models
    from tenants.roles import ROLES

    keys = {column.name for table in db.metadata.sorted_tables for column in table.columns}
    for module in (cases_models, contracts_models, billing_models, network_models):
        for value in vars(module).values():
            if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
                keys.update(value)
    keys.update(code for code, _name in network_models.DEFAULT_SERVICE_AREAS)
    keys.update(ROLES)
    # digits (ISCED levels, "19" % VAT) and one-letter words are no codes a reader could notice
    return {k for k in keys if len(k) > 2 and not k.isdigit() and k.islower()}


def _findings(text: str, codes: set[str]) -> list[str]:
    text = NOT_TEXT.sub(" ", text)
    words = set(re.findall(r"\b[a-z][a-z0-9_]*\b", text))
    found = sorted(words & codes)
    found += ISO_DATE.findall(text)
    found += ISO_MONTH.findall(text)
    found += DECIMAL_POINT.findall(text)
    return found


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    assert data[:4] == b"%PDF", data[:200]
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    return [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def _page_text(data: bytes, start: str, end: str) -> str:
    """The visible text of a page between two markers (its main part), tags and attributes dropped."""
    page = data.decode()
    part = page[page.index(start):page.index(end, page.index(start))]
    return html.unescape(re.sub(r"<[^>]+>", " ", part))


@pytest.fixture
def demo(app, monkeypatch):
    """The seeded demo plus what it lacks for this test: an amendment that changes budget and a rate. The
    seed's own PDFs are skipped (fast); the test makes the ones it reads."""
    from billing.models import Invoice
    from billing.services import documents
    from contracts import services as contracts
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants.demo import seed_demo
    from tenants.models import Tenant

    soffice = app.config["SOFFICE_BINARY"]
    monkeypatch.setitem(app.config, "SOFFICE_BINARY", "/nonexistent/soffice")
    with app.test_request_context():
        seed_demo()
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
        with tenant_context(tenant.id):
            actor = Actor.system("test")
            active = next(c for c in contracts.list_contracts() if c.status == "active")
            amendment = contracts.create_amendment(active, actor)
            rates = [{"kind": r.kind, "service_area": r.service_area, "amount_cents": r.amount_cents + 1500,
                      "label": r.label} for r in amendment.rates]
            contracts.update_contract(amendment, {"budget_cents": (active.budget_cents or 0) + 1_500_000,
                                                  "valid_to": (active.valid_to or date.today()) + timedelta(days=365),
                                                  "rates": rates}, actor)
            invoice = db.session.scalar(select(Invoice).where(Invoice.kind == "invoice", Invoice.number.is_not(None))
                                        .order_by(Invoice.issued_on.desc()))
            assert documents.make_files(invoice.id, tenant.id) == "failed"  # the CSV is made, the PDFs are not
            ids = {"contract": active.id, "amendment": amendment.id, "invoice": invoice.id,
                   "client": _client_with_cases(), "from": active.valid_from, "tenant": tenant.id, "soffice": soffice}
            db.session.commit()
    return ids


def _make_pdfs(app, demo: dict) -> None:
    """The invoice's PDFs, now with LibreOffice (the slow part: only the test that reads them)."""
    from billing.services import documents
    from core.extensions import db
    from core.tenancy.context import tenant_context

    app.config["SOFFICE_BINARY"] = demo["soffice"]  # monkeypatch restores the fixture's setting afterwards
    with app.app_context(), tenant_context(demo["tenant"]):
        assert documents.make_files(demo["invoice"], demo["tenant"]) == "done"
        db.session.commit()


def _client_with_cases() -> int:
    from cases.models import Case
    from core.extensions import db

    return db.session.scalar(select(Case.client_id).order_by(Case.opened_on).limit(1))


def _login_owner(client):
    from tenants.demo import DEMO_PASSWORD, DEMO_USERS
    from tests.conftest import csrf_from

    page = client.get("/login?tenant=demo")
    response = client.post("/login?tenant=demo", data={"csrf_token": csrf_from(page.data), "tenant": "demo",
                                                        "email": DEMO_USERS[0][0], "password": DEMO_PASSWORD})
    assert response.status_code == 302


def _get(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.data[:300])
    return response.data


def _outputs(client, demo: dict) -> dict[str, str]:
    """name -> the text a person reads in that output."""
    d = demo
    today = date.today()
    report = f"date_from={d['from'].isoformat()}&date_to={today.isoformat()}"
    out = {
        "GDPR export (PDF)": _pdf_text(_get(client, f"/demo/clients/{d['client']}/export.pdf")),
        "invoice (PDF)": _pdf_text(_get(client, f"/demo/invoices/{d['invoice']}/pdf")),
        "statement of services (PDF)": _pdf_text(_get(client, f"/demo/invoices/{d['invoice']}/statement.pdf")),
        "efficiency report (PDF)": _pdf_text(_get(client, f"/demo/contracts/{d['contract']}/efficiency.pdf")),
        "amendment diff": _page_text(_get(client, f"/demo/contracts/{d['amendment']}"), "<main", "</main>"),
        "audit log": _page_text(_get(client, "/demo/audit"), "<main", "</main>"),
    }
    statement = _csv_rows(_get(client, f"/demo/invoices/{d['invoice']}/statement.csv"))
    out["statement of services (CSV)"] = "\n".join(" ".join(row) for row in statement)
    report_csv = _csv_rows(_get(client, f"/demo/reports.csv?{report}"))
    out["case report (CSV)"] = "\n".join(" ".join(row) for row in report_csv)
    report_xlsx = _xlsx_rows(_get(client, f"/demo/reports.xlsx?{report}"))
    out["case report (XLSX)"] = "\n".join(" ".join(_cell(c) for c in row) for row in report_xlsx)
    return out


def _cell(value) -> str:
    """An XLSX cell as German Excel shows it: numbers and dates are typed values, not text."""
    if value is None or isinstance(value, int | float | date):
        return ""
    return str(value)


def test_every_output_a_person_reads_is_german(app, client, demo):
    """In the demo's PDFs, downloads, amendment diff and audit log: no column key, no enum code, no ISO date and
    no decimal point; and each output has text at all (an empty extraction would pass anything)."""
    codes = _codes()
    assert {"budget_cents", "per_case_month", "case_management", "in_review", "opened_on"} <= codes
    _make_pdfs(app, demo)
    _login_owner(client)
    outputs = _outputs(client, demo)
    assert all(len(text) > 200 for text in outputs.values()), {k: len(v) for k, v in outputs.items()}
    findings = {name: found for name, text in outputs.items() if (found := _findings(text, codes))}
    assert findings == {}, "\n".join(f"{name}: {', '.join(found)}" for name, found in findings.items())


def test_the_audit_log_shows_changes_by_label_in_german_formats(app, client, demo):
    """Does the amendment's change read 'Höchstbetrag 150.000,00 € → 165.000,00 €' instead of budget_cents
    15000000 → 16500000?"""
    _login_owner(client)
    text = _page_text(_get(client, "/demo/audit?action=contract.update"), "<main", "</main>")
    assert "Höchstbetrag" in text and "€" in text
    assert re.search(r"\d{1,3}(\.\d{3})*,\d{2}\s€", text), text


def test_the_amendment_diff_names_rates_by_their_labels(app, client, demo):
    """Does the diff read 'Monatspauschale je Fall, Fallmanagement: 195,00 €' instead of per_case_month
    case_management 19500?"""
    _login_owner(client)
    text = _page_text(_get(client, f"/demo/contracts/{demo['amendment']}"), "<main", "</main>")
    assert "Fallmanagement" in text and re.search(r"\d+,\d{2}\s€", text), text


def test_pages_name_periods_and_cases_as_people_do(app, client, demo):
    """Issue 14 review: does the invoice page give its period as "Juli 2026" (not 2026-07), the client page and
    the funding approvals name a case as its case file does (not "Fall 1", its database id), and the amendment
    diff head its column "Vertragsbestandteil" (a term of the contract, not "Laufzeit", its duration)?"""
    _login_owner(client)
    invoice = _page_text(_get(client, f"/demo/invoices/{demo['invoice']}"), "<main", "</main>")
    months = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
    assert re.search(rf"Leistungszeitraum\s+({months}) \d{{4}} \(", invoice), invoice
    assert not ISO_MONTH.findall(invoice), ISO_MONTH.findall(invoice)
    page = _get(client, f"/demo/clients/{demo['client']}").decode()
    text = _page_text(page.encode(), "<main", "</main>")
    assert re.search(r"Fall vom \d{2}\.\d{2}\.\d{4}", text) and not re.search(r"Fall \d+\b", text), text
    case_id = re.search(r'href="/demo/cases/(\d+)"', page)[1]
    pseudonym = re.search(r"<h1>(K-\d{4}-\d{4})", page)[1]
    enrolments = _page_text(_get(client, f"/demo/cases/{case_id}/enrolments"), "<main", "</main>")
    assert f"← Fallakte {pseudonym}" in enrolments and f"Kostenzusagen zur Fallakte {pseudonym}" in enrolments
    assert not re.search(r"Fall \d+\b", enrolments), enrolments
    diff = _page_text(_get(client, f"/demo/contracts/{demo['amendment']}"), "Änderungen gegenüber", "</table>")
    assert "Vertragsbestandteil" in diff and "Laufzeit" not in diff.split("Vorher")[0], diff


def test_a_csv_offers_its_stable_keys_to_machines(app, client, demo):
    """With ?header=keys, do the downloads head their columns with stable English keys (for scripts), and by
    default with German headings?"""
    _login_owner(client)
    report = f"date_from={demo['from'].isoformat()}&date_to={date.today().isoformat()}"
    german = _csv_rows(_get(client, f"/demo/reports.csv?{report}"))[0]
    keys = _csv_rows(_get(client, f"/demo/reports.csv?{report}&header=keys"))[0]
    assert german[0] == "Bereich" and keys == ["section", "indicator", "value"]
    statement_de = _csv_rows(_get(client, f"/demo/invoices/{demo['invoice']}/statement.csv"))
    statement_keys = _csv_rows(_get(client, f"/demo/invoices/{demo['invoice']}/statement.csv?header=keys"))
    assert statement_de[1:] == statement_keys[1:]
    assert all(re.fullmatch(r"[a-z_]+", key) for key in statement_keys[0]), statement_keys[0]
    assert not any(re.fullmatch(r"[a-z_]+", key) for key in statement_de[0]), statement_de[0]
