"""The life of an invoice on the worked example (tests/billing/conftest.py), through the API (and the case pages
for billed entries): issued invoices and their entries are frozen (409), a stale draft is refused until it is
recalculated, credit notes and deleted drafts give their charges back to the next run, numbers have no gaps, and
the budget cap counts drafts and issued invoices but not cancelled ones. No files are made here (`no_files`)."""
from datetime import date

import pytest

from tests.billing.test_billing_api import (
    complete_issuer,
    drafts_by_contract,
    issue,
    run_period,
)
from tests.billing.test_worked_example import OCTOBER_A, OCTOBER_B
from tests.conftest import berlin_today


@pytest.fixture(autouse=True)
def no_files(monkeypatch):
    """Issuing without the eager LibreOffice task: nothing here downloads a file."""
    monkeypatch.setattr("billing.services.invoices._queue_files", lambda invoice_id: None)


@pytest.fixture
def finance(api_token, tenant_a):
    return api_token(tenant_a, "finance")


@pytest.fixture
def owner(api_token, tenant_a, client):
    headers = api_token(tenant_a, "owner")
    complete_issuer(client, headers)
    return headers


def _money(invoice):
    return {k: invoice[k] for k in OCTOBER_A}


def _charges(app, fx, invoice_id=None):
    from sqlalchemy import select

    from billing.models import Charge
    from core.extensions import db

    with app.app_context(), fx.context():
        query = select(Charge.key, Charge.amount_cents).where(Charge.released_at.is_(None)).order_by(Charge.key)
        if invoice_id is not None:
            query = query.where(Charge.invoice_id == invoice_id)
        return db.session.execute(query).all()


def _entry(app, fx, entry_id):
    from cases.models import ServiceEntry
    from core.extensions import db

    with app.app_context(), fx.context():
        entry = db.session.get(ServiceEntry, entry_id)
        return None if entry is None else (entry.minutes, entry.on, entry.billed_at is not None)


def test_an_issued_invoice_and_its_entries_cannot_be_changed(app, client, login, example, finance, owner, tenant_a,
                                                            no_csrf):
    """After issuing, are the invoice (recalculate, delete, issue again) and each billed entry (API PATCH/DELETE,
    the case pages' edit and delete) refused with 409 and left as they were, while an entry it did not bill stays
    editable?"""
    run_period(client, finance)
    a = drafts_by_contract(client, finance)[example.contracts["A"]]
    issue(client, finance, a["id"])
    for method, path in (("POST", "/recalculate"), ("DELETE", ""), ("POST", "/issue")):
        r = client.open(f"/api/v1/invoices/{a['id']}{path}", method=method, headers=finance)
        assert r.status_code == 409, (method, path, r.status_code)
        assert r.headers["Content-Type"].startswith("application/problem+json")
    e, c = example.entries, example.cases
    billed = _entry(app, tenant_a, e["1-q1"])
    assert billed[2], "issuing marks the invoice's entries billed"
    url = f"/api/v1/cases/{c[1]}/services/{e['1-q1']}"
    assert client.patch(url, headers=owner, json={"minutes": 10}).status_code == 409
    assert client.patch(url, headers=owner, json={"on": "2026-10-13"}).status_code == 409
    assert client.delete(url, headers=owner).status_code == 409
    listed = client.get(f"/api/v1/cases/{c[1]}/services", headers=owner).json["items"]
    assert {x["id"]: x["billed"] for x in listed}[e["1-q1"]] is True

    login(client, tenant_a, "owner")
    page = f"/{tenant_a.slug}/cases/{c[1]}/services/{e['1-q1']}"
    client.post(f"{page}/edit", data={"on": "2026-10-12", "minutes": "10", "service_area": "qualification",
                                      "note": "geändert"})
    client.post(f"{page}/delete", data={"confirmed": "1"})
    assert _entry(app, tenant_a, e["1-q1"]) == billed
    assert _charges(app, tenant_a, a["id"]) == sorted(_charges(app, tenant_a, a["id"]))
    assert _money(client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json) == OCTOBER_A

    # an entry no invoice billed (no enrolment) is still the case manager's to correct
    free = f"/api/v1/cases/{c[1]}/services/{e['1-early']}"
    assert client.patch(free, headers=owner, json={"minutes": 75}).status_code == 200
    assert client.delete(free, headers=owner).status_code == 204


def test_a_stale_draft_is_refused_until_recalculated(client, example, finance, owner):
    """A service logged after the run: is issuing the draft a 409 (recalculate first), does recalculating add it
    (30 more minutes of qualification for case 1: 90 + 45 + 30 min = 2,75 h × 40,00 € = 110,00 €), and does the
    draft then issue?"""
    run_period(client, finance)
    a = drafts_by_contract(client, finance)[example.contracts["A"]]
    r = client.post(f"/api/v1/cases/{example.cases[1]}/services", headers=owner,
                    json={"on": "2026-10-21", "minutes": 30, "service_area": "qualification"})
    assert r.status_code == 201, r.json
    stale = client.post(f"/api/v1/invoices/{a['id']}/issue", headers=finance)
    assert stale.status_code == 409, stale.json
    assert "ecalculate" in stale.json["detail"]
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json["number"] is None

    fresh = client.post(f"/api/v1/invoices/{a['id']}/recalculate", headers=finance)
    assert fresh.status_code == 200, fresh.json
    net = 54000 + 11000 + 3333
    tax = round(net * 0.19)
    assert _money(fresh.json) == {"net_cents": net, "tax_cents": tax, "gross_cents": net + tax, "budget_cut_cents": 0}
    assert fresh.json["id"] == a["id"]
    issued = issue(client, finance, a["id"])
    assert issued["status"] == "issued" and issued["gross_cents"] == net + tax



def test_a_credit_note_and_a_new_run_bill_the_released_charges_again(app, client, example, finance, owner,
                                                                     tenant_a):
    """After a credit note, does a new run of the period write a new draft with the same amounts and charges as
    the cancelled invoice (and, while the invoice stood, did a run bill nothing of it twice)?"""
    run_period(client, finance)
    a = drafts_by_contract(client, finance)[example.contracts["A"]]
    charges = _charges(app, tenant_a, a["id"])
    issue(client, finance, a["id"])
    rerun = run_period(client, finance)
    assert a["id"] not in rerun["invoice_ids"]
    assert example.contracts["A"] not in drafts_by_contract(client, finance)  # nothing billed twice
    assert _charges(app, tenant_a, a["id"]) == charges

    note = client.post(f"/api/v1/invoices/{a['id']}/credit-note", headers=finance, json={})
    assert note.status_code == 201
    assert _charges(app, tenant_a, a["id"]) == []  # released
    assert _entry(app, tenant_a, example.entries["1-q1"])[2] is False
    run = run_period(client, finance)
    new = drafts_by_contract(client, finance)[example.contracts["A"]]
    assert new["id"] != a["id"] and new["id"] in run["invoice_ids"] and new["number"] is None
    assert _money(new) == OCTOBER_A
    assert _charges(app, tenant_a, new["id"]) == charges
    assert issue(client, finance, new["id"])["gross_cents"] == OCTOBER_A["gross_cents"]
    assert _entry(app, tenant_a, example.entries["1-q1"])[2] is True


def test_deleting_a_draft_returns_its_charges_and_the_next_run_recreates_it(app, client, example, finance,
                                                                            tenant_a):
    run_period(client, finance)
    b = drafts_by_contract(client, finance)[example.contracts["B"]]
    charges = _charges(app, tenant_a, b["id"])
    assert charges
    r = client.delete(f"/api/v1/invoices/{b['id']}", headers=finance)
    assert r.status_code == 204
    assert client.get(f"/api/v1/invoices/{b['id']}", headers=finance).status_code == 404
    assert _charges(app, tenant_a, b["id"]) == []
    preview = client.post("/api/v1/billing/preview", headers=finance, json={"period": "2026-10"}).json
    assert _money(next(i for i in preview["invoices"] if i["contract_id"] == example.contracts["B"])) == OCTOBER_B
    run_period(client, finance)
    again = drafts_by_contract(client, finance)[example.contracts["B"]]
    assert _money(again) == OCTOBER_B  # (SQLite may give it the deleted draft's id again)
    assert _charges(app, tenant_a, again["id"]) == charges


def test_numbers_have_no_gaps_and_a_credit_note_takes_the_next(client, example, finance, owner):
    """Issue October's two drafts and the quarter's, then credit one and issue its re-billed draft: are the
    numbers 00001..00005 in the order of issuing, a refused issue taking none?"""
    run_period(client, finance)
    run_period(client, finance, "2026-Q4")
    drafts = drafts_by_contract(client, finance)
    a, b = drafts[example.contracts["A"]], drafts[example.contracts["B"]]
    c = drafts_by_contract(client, finance, "2026-Q4")[example.contracts["C"]]
    year = berlin_today().year
    numbers = [issue(client, finance, a["id"])["number"]]
    assert client.post(f"/api/v1/invoices/{a['id']}/issue", headers=finance).status_code == 409  # takes no number
    numbers.append(issue(client, finance, c["id"])["number"])
    numbers.append(issue(client, finance, b["id"])["number"])
    note = client.post(f"/api/v1/invoices/{c['id']}/credit-note", headers=finance, json={}).json
    numbers.append(note["number"])
    run_period(client, finance, "2026-Q4")
    again = drafts_by_contract(client, finance, "2026-Q4")[example.contracts["C"]]
    assert again["gross_cents"] == 159000
    numbers.append(issue(client, finance, again["id"])["number"])
    assert numbers == [f"{year}-{n:05d}" for n in range(1, 6)]
    listed = client.get("/api/v1/invoices?limit=500", headers=finance).json["items"]
    assert sorted(i["number"] for i in listed if i["number"]) == numbers


def test_the_budget_cap_counts_drafts_and_issued_invoices_not_cancelled_ones(client, example, finance, owner):
    """B's budget of 300,00 € is used up by October. With October as a draft and as an issued invoice, is
    November's counselling left out (budget_exhausted)? Once October is cancelled, does November bill
    (case 4's full month 120,00 € + 60 min × 50,00 € = 170,00 €), and October, billed again, only the rest
    (130,00 €, the cut shown)?"""
    run_period(client, finance)
    b = drafts_by_contract(client, finance)[example.contracts["B"]]
    exhausted = [(example.entries["4-nov"], "budget_exhausted")]

    def november():
        preview = client.post("/api/v1/billing/preview", headers=finance, json={"period": "2026-11"}).json
        planned = [i for i in preview["invoices"] if i["contract_id"] == example.contracts["B"]]
        left_out = [(u["entry_id"], u["reason"]) for u in preview["unbilled_entries"]]
        return planned, left_out

    assert november() == ([], exhausted)  # the draft counts
    issue(client, finance, b["id"])
    assert november() == ([], exhausted)  # the issued invoice counts
    run = run_period(client, finance, "2026-11")
    assert [(u["entry_id"], u["reason"]) for u in run["unbilled_entries"]] == exhausted

    assert client.post(f"/api/v1/invoices/{b['id']}/credit-note", headers=finance, json={}).status_code == 201
    planned, left_out = november()
    assert left_out == []
    [nov] = planned
    assert (nov["net_cents"], nov["gross_cents"], nov["budget_cut_cents"]) == (17000, 17000, 0)
    run_period(client, finance, "2026-11")
    nov_draft = drafts_by_contract(client, finance, "2026-11")[example.contracts["B"]]
    assert nov_draft["net_cents"] == 17000
    run_period(client, finance)
    october = drafts_by_contract(client, finance)[example.contracts["B"]]
    assert (october["net_cents"], october["budget_cut_cents"]) == (13000, 38586 - 13000)
    assert date.fromisoformat(october["period_start"]) == date(2026, 10, 1)
