"""The billing API of ../shared/API.md (`/billing/preview`, `/billing/runs`, `/invoices…`) on the worked example
(tests/billing/conftest.py): exact paths and fields, the hand-computed cents, issuing, payments, credit notes,
files, sending, and who may see what (another tenant: 404; an agency member: its own issued invoices, no writes).

Invoice files cost two LibreOffice conversions each: only the download test makes them; elsewhere `no_files`
keeps the issuing transaction's file task from running.
"""
import csv
import importlib.util
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.billing.test_worked_example import OCTOBER_A, OCTOBER_B
from tests.conftest import PASSWORD, berlin_today

ISSUER = {
    "legal_name": "Bündnis für Familie Alpha e.V.", "address": "Marktplatz 1\n59065 Hamm",
    "tax_number": "322/5760/1234", "vat_id": "", "register_number": "VR 1234, Amtsgericht Hamm",
    "iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "contact_name": "Ines Inhaberin",
    "phone": "+49 2381 123456", "email": "kontakt@alpha.example.org", "payment_days": 30,
}
INVOICE_FIELDS = {"number", "agency_id", "contract_id", "period", "status", "net_cents", "tax_cents", "gross_cents",
                  "lines"}
LINE_FIELDS = {"kind", "label", "quantity", "unit_cents", "amount_cents"}


@pytest.fixture
def no_files(monkeypatch):
    """Issuing without the eager LibreOffice task (for tests that download nothing)."""
    monkeypatch.setattr("billing.services.invoices._queue_files", lambda invoice_id: None)


@pytest.fixture
def finance(api_token, tenant_a):
    return api_token(tenant_a, "finance")


@pytest.fixture
def owner(api_token, tenant_a):
    return api_token(tenant_a, "owner")


def complete_issuer(client, owner_headers):
    r = client.patch("/api/v1/tenant", headers=owner_headers, json=ISSUER)
    assert r.status_code == 200, r.json


def run_period(client, headers, period="2026-10") -> dict:
    r = client.post("/api/v1/billing/runs", headers=headers, json={"period": period})
    assert r.status_code == 202, r.json
    assert set(r.json) >= {"id", "status"} and r.json["status"] in ("pending", "running", "done")
    run = client.get(f"/api/v1/billing/runs/{r.json['id']}", headers=headers)
    assert run.status_code == 200, run.json
    return run.json


def drafts_by_contract(client, headers, period="2026-10") -> dict[int, dict]:
    r = client.get(f"/api/v1/invoices?period={period}&status=draft", headers=headers)
    assert r.status_code == 200, r.json
    return {i["contract_id"]: i for i in r.json["items"]}


def issue(client, headers, invoice_id) -> dict:
    r = client.post(f"/api/v1/invoices/{invoice_id}/issue", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def _money(invoice: dict) -> dict:
    return {k: invoice[k] for k in OCTOBER_A}


def _october_unbilled(example) -> set:
    e, c = example.entries, example.cases
    return {(e["1-early"], c[1], "no_enrolment"), (e["1-housing"], c[1], "contract_not_active"),
            (e["2-late-q"], c[2], "no_rate"), (e["3-child"], c[3], "ambiguous_funder")}


def test_preview_gives_the_hand_computed_invoices_and_left_out_entries(client, example, finance):
    """Does POST /billing/preview answer 200 with the worked example's invoices to the cent (fields of API.md) and
    each left-out entry with case and reason, creating nothing?"""
    r = client.post("/api/v1/billing/preview", headers=finance, json={"period": "2026-10"})
    assert r.status_code == 200, r.json
    invoices = {i["contract_id"]: i for i in r.json["invoices"]}
    assert set(invoices) == {example.contracts["A"], example.contracts["B"]}
    a, b = invoices[example.contracts["A"]], invoices[example.contracts["B"]]
    for planned in (a, b):
        assert set(planned) >= {"agency_id", "contract_id", "net_cents", "tax_cents", "gross_cents", "lines"}
        assert all(set(line) >= LINE_FIELDS for line in planned["lines"])
    assert a["agency_id"] == example.agencies["jc"] and b["agency_id"] == example.agencies["ja"]
    assert _money(a) == OCTOBER_A and _money(b) == OCTOBER_B
    assert [(x["kind"], x["quantity"], x["unit_cents"], x["amount_cents"]) for x in a["lines"]] == [
        ("per_case_month", "3.0000", 18000, 54000), ("per_unit", "3.0833", 4000, 12333)]
    assert [(x["kind"], x["amount_cents"]) for x in b["lines"]] == [
        ("per_case_month", 29419), ("per_unit", 5000), ("per_unit", 4167), ("budget_cut", -8586)]
    assert {(u["entry_id"], u["case_id"], u["reason"]) for u in r.json["unbilled_entries"]} == \
        _october_unbilled(example)
    assert client.get("/api/v1/invoices", headers=finance).json["items"] == []  # nothing was created


def test_a_run_answers_202_and_ends_done_with_the_previewed_drafts(client, example, finance):
    """Does POST /billing/runs answer 202 {id, status}, GET /billing/runs/{id} show done with the drafts' ids and
    the left-out entries, and a second run of the period bill nothing twice?"""
    preview = client.post("/api/v1/billing/preview", headers=finance, json={"period": "2026-10"}).json
    run = run_period(client, finance)
    assert run["status"] == "done"
    assert {(u["entry_id"], u["case_id"], u["reason"]) for u in run["unbilled_entries"]} == \
        _october_unbilled(example)
    drafts = drafts_by_contract(client, finance)
    assert sorted(run["invoice_ids"]) == sorted(d["id"] for d in drafts.values())
    for planned in preview["invoices"]:
        draft = drafts[planned["contract_id"]]
        assert _money(draft) == _money(planned) and draft["number"] is None and draft["status"] == "draft"
        assert [(x["kind"], x["amount_cents"]) for x in draft["lines"]] == \
            [(x["kind"], x["amount_cents"]) for x in planned["lines"]]
    again = run_period(client, finance)
    assert again["id"] != run["id"] and again["status"] == "done"
    assert sorted(again["invoice_ids"]) == sorted(run["invoice_ids"])
    assert len(client.get("/api/v1/invoices", headers=finance).json["items"]) == 2
    listed = client.get("/api/v1/billing/runs", headers=finance)
    assert listed.status_code == 200 and {r["id"] for r in listed.json["items"]} == {run["id"], again["id"]}


def test_invoice_list_filters_and_detail_fields(client, example, finance, owner, no_files):
    """Do GET /invoices filters (agency, contract, period, status, kind) select the right invoices, and does
    GET /invoices/{id} carry the fields of API.md?"""
    run_period(client, finance)
    drafts = drafts_by_contract(client, finance)
    a, b = drafts[example.contracts["A"]], drafts[example.contracts["B"]]
    complete_issuer(client, owner)
    issue(client, finance, a["id"])

    def ids(query):
        r = client.get(f"/api/v1/invoices?{query}", headers=finance)
        assert r.status_code == 200, r.json
        return {i["id"] for i in r.json["items"]}

    assert ids("") == {a["id"], b["id"]}
    assert ids(f"agency_id={example.agencies['jc']}") == {a["id"]}
    assert ids(f"contract_id={example.contracts['B']}") == {b["id"]}
    assert ids("period=2026-10") == {a["id"], b["id"]} and ids("period=2026-11") == set()
    assert ids("status=issued") == {a["id"]} and ids("status=draft") == {b["id"]}
    assert ids("kind=invoice") == {a["id"], b["id"]} and ids("kind=credit_note") == set()
    assert ids("limit=1") <= {a["id"], b["id"]} and len(ids("limit=1")) == 1
    for bad in ("period=2026-13", "status=lost", "agency_id=abc", "limit=0"):
        r = client.get(f"/api/v1/invoices?{bad}", headers=finance)
        assert r.status_code == 422, bad
        assert r.headers["Content-Type"].startswith("application/problem+json")
    detail = client.get(f"/api/v1/invoices/{a['id']}", headers=finance)
    assert detail.status_code == 200, detail.json
    assert set(detail.json) >= INVOICE_FIELDS | {"id", "payments", "files"}
    assert re.fullmatch(r"\d{4}-\d{5}", detail.json["number"]) and detail.json["status"] == "issued"
    assert (detail.json["agency_id"], detail.json["contract_id"], detail.json["period"]) == (
        example.agencies["jc"], example.contracts["A"], "2026-10")
    assert _money(detail.json) == OCTOBER_A
    assert all(set(line) >= LINE_FIELDS for line in detail.json["lines"]) and len(detail.json["lines"]) == 2


def test_bad_periods_are_422_problems_naming_the_period(client, example, finance):
    for path in ("/api/v1/billing/preview", "/api/v1/billing/runs"):
        for period in ("2026-13", "2026-Q5", "2026-00", "26-10", "2026-10-01", "", 202610, None):
            r = client.post(path, headers=finance, json={"period": period})
            assert r.status_code == 422, (path, period, r.json)
            assert r.headers["Content-Type"].startswith("application/problem+json")
            assert "period" in r.json["errors"], r.json
        r = client.post(path, headers=finance, json={})
        assert r.status_code == 422 and "period" in r.json["errors"]


def test_issuing_needs_the_issuer_data_then_numbers_the_invoice(client, example, finance, owner, no_files):
    """Without complete issuer data, is issuing a 409 naming each missing field? With it, does the invoice get the
    first number of the year, the issue date, the due date, and refuse a second issue?"""
    run_period(client, finance)
    a = drafts_by_contract(client, finance)[example.contracts["A"]]
    r = client.post(f"/api/v1/invoices/{a['id']}/issue", headers=finance)
    assert r.status_code == 409, r.json
    assert set(r.json["errors"]) == {"address", "tax_number", "iban", "contact_name", "phone", "email"}
    assert "/alpha/settings" in r.json["detail"]
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json["status"] == "draft"

    complete_issuer(client, owner)
    issued = issue(client, finance, a["id"])
    today = berlin_today()
    assert issued["number"] == f"{today.year}-00001"
    assert issued["status"] == "issued" and issued["issued_on"] == today.isoformat()
    assert issued["due_on"] > today.isoformat() and _money(issued) == OCTOBER_A
    again = client.post(f"/api/v1/invoices/{a['id']}/issue", headers=finance)
    assert again.status_code == 409
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json["number"] == issued["number"]


def test_payments_reconcile_and_an_overpayment_is_422(client, example, finance, owner, no_files):
    """Does POST /invoices/{id}/payments {on, amount_cents} move the invoice to partly paid and paid, refuse more
    than the open amount (422 on amount_cents), a zero amount, a day in the future, and a payment on a draft?"""
    run_period(client, finance)
    drafts = drafts_by_contract(client, finance)
    a, b = drafts[example.contracts["A"]], drafts[example.contracts["B"]]
    complete_issuer(client, owner)
    issue(client, finance, a["id"])
    today = berlin_today().isoformat()
    url = f"/api/v1/invoices/{a['id']}/payments"
    over = client.post(url, headers=finance, json={"on": today, "amount_cents": OCTOBER_A["gross_cents"] + 1})
    assert over.status_code == 422 and "amount_cents" in over.json["errors"], over.json
    for bad in ({"on": today, "amount_cents": 0}, {"on": "2999-01-01", "amount_cents": 100},
                {"on": "gestern", "amount_cents": 100}, {"amount_cents": 100}, {"on": today}):
        r = client.post(url, headers=finance, json=bad)
        assert r.status_code == 422, (bad, r.json)
    first = client.post(url, headers=finance, json={"on": today, "amount_cents": 10000})
    assert first.status_code == 201, first.json
    assert set(first.json) >= {"id", "on", "amount_cents"} and first.json["amount_cents"] == 10000
    invoice = client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json
    assert invoice["status"] == "partly_paid" and invoice["paid_cents"] == 10000
    assert invoice["open_cents"] == OCTOBER_A["gross_cents"] - 10000 and len(invoice["payments"]) == 1
    rest = client.post(url, headers=finance, json={"on": today, "amount_cents": invoice["open_cents"]})
    assert rest.status_code == 201
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json["status"] == "paid"
    assert client.post(url, headers=finance, json={"on": today, "amount_cents": 1}).status_code == 409
    on_draft = client.post(f"/api/v1/invoices/{b['id']}/payments", headers=finance,
                           json={"on": today, "amount_cents": 100})
    assert on_draft.status_code == 409


def test_a_credit_note_cancels_and_releases_the_charges(client, example, finance, owner, no_files):
    """Does POST /invoices/{id}/credit-note create a numbered credit note, cancel the invoice, and make its charges
    billable again (the preview shows them), while a draft or a cancelled invoice cannot be credited?"""
    run_period(client, finance)
    drafts = drafts_by_contract(client, finance)
    a, b = drafts[example.contracts["A"]], drafts[example.contracts["B"]]
    assert client.post(f"/api/v1/invoices/{a['id']}/credit-note", headers=finance, json={}).status_code == 409
    complete_issuer(client, owner)
    issued = issue(client, finance, a["id"])
    preview = client.post("/api/v1/billing/preview", headers=finance, json={"period": "2026-10"}).json
    assert {i["contract_id"] for i in preview["invoices"]} == {example.contracts["B"]}  # B is still a draft

    r = client.post(f"/api/v1/invoices/{a['id']}/credit-note", headers=finance, json={"reason": "Falscher Monat"})
    assert r.status_code == 201, r.json
    note = r.json
    year = issued["number"][:4]
    assert note["kind"] == "credit_note" and note["cancels_id"] == a["id"] and note["number"] == f"{year}-00002"
    assert _money(note) == OCTOBER_A
    cancelled = client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_by_id"] == note["id"]
    assert client.post(f"/api/v1/invoices/{a['id']}/credit-note", headers=finance, json={}).status_code == 409
    assert client.post(f"/api/v1/invoices/{b['id']}/credit-note", headers=finance, json={}).status_code == 409
    again = client.post("/api/v1/billing/preview", headers=finance, json={"period": "2026-10"}).json
    released = next(i for i in again["invoices"] if i["contract_id"] == example.contracts["A"])
    assert _money(released) == OCTOBER_A
    assert {i["id"] for i in client.get("/api/v1/invoices?kind=credit_note", headers=finance).json["items"]} == {
        note["id"]}


@pytest.mark.slow
def test_files_download_after_issuing_and_sending_attaches_them(client, example, finance, owner):
    """After issuing (files made by the eager task with LibreOffice): does /pdf hold the § 14 fields, /statement
    give the pseudonymised CSV and ?format=pdf a PDF, and /send answer {sent_at, to} with the files attached?
    Before issuing, a draft has no files (409)."""
    from core.mail import outbox

    run_period(client, finance)
    a = drafts_by_contract(client, finance)[example.contracts["A"]]
    assert client.get(f"/api/v1/invoices/{a['id']}/pdf", headers=finance).status_code == 409
    assert client.post(f"/api/v1/invoices/{a['id']}/send", headers=finance).status_code == 409
    complete_issuer(client, owner)
    number = issue(client, finance, a["id"])["number"]
    files = client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json["files"]
    assert all(files[kind] for kind in ("pdf", "statement_csv", "statement_pdf")), files

    pdf = client.get(f"/api/v1/invoices/{a['id']}/pdf", headers=finance)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert f"rechnung-{number}.pdf" in pdf.headers["Content-Disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    for expected in (number, "Bündnis für Familie Alpha e.V.", "Jobcenter Hamm", "322/5760/1234",
                     "DE89", "789,36", "663,33", "126,03"):
        assert expected in text.replace("\u00a0", " "), expected
    again = client.get(f"/api/v1/invoices/{a['id']}/pdf", headers=finance)
    assert again.data == pdf.data  # made once, never regenerated

    statement = client.get(f"/api/v1/invoices/{a['id']}/statement", headers=finance)
    assert statement.status_code == 200 and statement.mimetype == "text/csv"
    body = statement.data.decode("utf-8-sig")
    assert "Beispiel" not in body and "Person 1" not in body  # pseudonyms, never names
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(rows) > 5
    statement_pdf = client.get(f"/api/v1/invoices/{a['id']}/statement?format=pdf", headers=finance)
    assert statement_pdf.status_code == 200 and statement_pdf.data.startswith(b"%PDF")
    assert client.get(f"/api/v1/invoices/{a['id']}/statement?format=xls", headers=finance).status_code == 422

    outbox.clear()
    sent = client.post(f"/api/v1/invoices/{a['id']}/send", headers=finance)
    assert sent.status_code == 200, sent.json
    assert set(sent.json) >= {"sent_at", "to"} and sent.json["to"] == "rechnung@jc.example.org"
    [mail] = outbox
    assert mail["To"] == "rechnung@jc.example.org" and number in mail["Subject"]
    attached = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert attached[f"rechnung-{number}.pdf"] == pdf.data
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json["status"] == "sent"


def test_another_tenant_gets_404_on_runs_and_invoices(client, example, finance, owner, api_token, tenant_b,
                                                      no_files):
    """Does tenant B's token get 404 for tenant A's run and invoice ids on every billing route, and see none of
    A's runs and invoices in its lists?"""
    run = run_period(client, finance)
    complete_issuer(client, owner)
    invoice_id = run["invoice_ids"][0]
    issue(client, finance, invoice_id)
    theirs = api_token(tenant_b, "owner")
    assert client.get(f"/api/v1/billing/runs/{run['id']}", headers=theirs).status_code == 404
    for method, path, body in (
        ("GET", "", None), ("DELETE", "", None), ("GET", "/pdf", None), ("GET", "/statement", None),
        ("GET", "/statement?format=pdf", None), ("POST", "/issue", None), ("POST", "/recalculate", None),
        ("POST", "/send", None), ("POST", "/credit-note", {}),
        ("POST", "/payments", {"on": berlin_today().isoformat(), "amount_cents": 100}),
        ("POST", "/payments", {}),
    ):
        r = client.open(f"/api/v1/invoices/{invoice_id}{path}", method=method, headers=theirs, json=body)
        assert r.status_code == 404, (method, path, r.status_code)
    assert client.get("/api/v1/invoices", headers=theirs).json["items"] == []
    assert client.get("/api/v1/billing/runs", headers=theirs).json["items"] == []
    assert client.post("/api/v1/billing/preview", headers=theirs, json={"period": "2026-10"}).json["invoices"] == []
    mine = client.get(f"/api/v1/invoices/{invoice_id}", headers=finance).json
    assert mine["status"] == "issued" and mine["payments"] == []


def test_an_agency_member_sees_only_its_agencys_issued_invoices_and_writes_nothing(app, client, example, finance,
                                                                                   owner, tenant_a, no_files):
    """Does a member with role `agency` (tied to the Jobcenter) list and read only the Jobcenter's issued invoices
    (not its draft, not the Jugendamt's), get 404 for the others, and 403 on runs, preview and every write?"""
    from core.audit import Actor
    from core.extensions import db
    from tenants import services as tenant_services
    from tenants.models import Tenant

    run = run_period(client, finance)
    with app.app_context(), tenant_a.context():
        user = tenant_services.create_user("rechnung@jobcenter.example.org", PASSWORD, "Jobcenter Rechnungsstelle")
        tenant_services.add_member(db.session.get(Tenant, tenant_a.tenant_id), user, "agency", Actor.system("test"),
                                   agency_id=example.agencies["jc"])
        db.session.commit()
    r = client.post("/api/v1/token", json={"email": "rechnung@jobcenter.example.org", "password": PASSWORD,
                                           "tenant": tenant_a.slug})
    assert r.status_code == 201, r.json
    agency = {"Authorization": f"Bearer {r.json['token']}"}
    drafts = drafts_by_contract(client, finance)
    a, b = drafts[example.contracts["A"]], drafts[example.contracts["B"]]

    assert client.get("/api/v1/invoices", headers=agency).json["items"] == []  # a draft is not addressed yet
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=agency).status_code == 404
    complete_issuer(client, owner)
    issue(client, finance, a["id"])
    issue(client, finance, b["id"])  # the Jugendamt's
    listed = client.get("/api/v1/invoices", headers=agency)
    assert listed.status_code == 200 and [i["id"] for i in listed.json["items"]] == [a["id"]]
    assert client.get(f"/api/v1/invoices?agency_id={example.agencies['ja']}", headers=agency).json["items"] == []
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=agency).status_code == 200
    assert client.get(f"/api/v1/invoices/{b['id']}", headers=agency).status_code == 404
    for path in ("/pdf", "/statement", "/statement?format=pdf"):
        assert client.get(f"/api/v1/invoices/{b['id']}{path}", headers=agency).status_code == 404, path
    today = berlin_today().isoformat()
    for method, path, body in (
        ("POST", f"/api/v1/invoices/{a['id']}/payments", {"on": today, "amount_cents": 100}),
        ("POST", f"/api/v1/invoices/{a['id']}/credit-note", {}), ("POST", f"/api/v1/invoices/{a['id']}/send", None),
        ("POST", f"/api/v1/invoices/{a['id']}/issue", None), ("POST", f"/api/v1/invoices/{a['id']}/recalculate", None),
        ("DELETE", f"/api/v1/invoices/{a['id']}", None),
        ("POST", f"/api/v1/invoices/{b['id']}/credit-note", {}),
        ("POST", "/api/v1/billing/runs", {"period": "2026-10"}),
        ("POST", "/api/v1/billing/preview", {"period": "2026-10"}),
        ("GET", f"/api/v1/billing/runs/{run['id']}", None), ("GET", "/api/v1/billing/runs", None),
    ):
        r = client.open(path, method=method, headers=agency, json=body)
        assert r.status_code in (403, 404), (method, path, r.status_code)
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json["status"] == "issued"
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json["payments"] == []


def _promised_billing_paths():
    """The billing and invoice paths of ../shared/API.md, read by ../shared/tools/api_paths_check.py (XRechnung and
    ZUGFeRD belong to the e-invoice issue)."""
    tool = Path(__file__).resolve().parents[3] / "shared" / "tools" / "api_paths_check.py"
    if not tool.exists():
        pytest.skip("../shared/tools/api_paths_check.py is not there")
    spec = importlib.util.spec_from_file_location("api_paths_check", tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    promised = {(m, p) for m, p in module.promised()
                if p.startswith(("/api/v1/billing", "/api/v1/invoices"))
                and not p.endswith(("/xrechnung", "/zugferd"))}
    return module, promised


def test_every_promised_billing_path_is_in_the_openapi_document(client):
    module, promised = _promised_billing_paths()
    assert len(promised) >= 10, promised
    spec = client.get("/api/v1/openapi.json").json
    have = {(m.upper(), module.norm(p if p.startswith("/api/v1") else "/api/v1" + p))
            for p, ops in spec["paths"].items() for m in ops if m.upper() in ("GET", "POST", "PATCH", "DELETE")}
    assert promised - have == set()
