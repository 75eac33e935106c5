"""Corrections a finance team needs (found in the independent review of the billing issue): a payment recorded by
mistake is taken back, a paid invoice can still be cancelled (its credit note owes the refund), credit notes are
never "open" or overdue and count negative, fractional cents are refused, a period that has not begun is not
billed, and a deleted draft's id is never handed to another invoice."""
from datetime import timedelta

import pytest

from tests.billing.test_billing_api import complete_issuer, drafts_by_contract, issue, run_period
from tests.conftest import berlin_today


@pytest.fixture
def no_files(monkeypatch):
    monkeypatch.setattr("billing.services.invoices._queue_files", lambda invoice_id: None)


@pytest.fixture
def finance(api_token, tenant_a):
    return api_token(tenant_a, "finance")


@pytest.fixture
def owner(api_token, tenant_a):
    return api_token(tenant_a, "owner")


def _issued_a(client, example, finance, owner):
    complete_issuer(client, owner)
    run_period(client, finance)
    return issue(client, finance, drafts_by_contract(client, finance)[example.contracts["A"]]["id"])


def test_a_payment_recorded_by_mistake_is_taken_back(client, example, finance, owner, no_files):
    a = _issued_a(client, example, finance, owner)
    today = berlin_today().isoformat()
    r = client.post(f"/api/v1/invoices/{a['id']}/payments", headers=finance,
                    json={"on": today, "amount_cents": a["gross_cents"]})
    assert r.status_code == 201, r.json
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json["status"] == "paid"
    r = client.delete(f"/api/v1/invoices/{a['id']}/payments/{r.json['id']}", headers=finance)
    assert r.status_code == 204
    after = client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json
    assert (after["status"], after["paid_cents"], after["open_cents"], after["payments"]) == (
        "issued", 0, a["gross_cents"], [])
    assert client.delete(f"/api/v1/invoices/{a['id']}/payments/999999", headers=finance).status_code == 404


def test_fractional_cents_are_refused_not_rounded(client, example, finance, owner, no_files):
    a = _issued_a(client, example, finance, owner)
    r = client.post(f"/api/v1/invoices/{a['id']}/payments", headers=finance,
                    json={"on": berlin_today().isoformat(), "amount_cents": 1.5})
    assert r.status_code == 422 and "amount_cents" in r.json["errors"]
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json["paid_cents"] == 0


def test_a_paid_invoice_is_cancelled_and_its_credit_note_owes_nothing(client, example, finance, owner, no_files):
    a = _issued_a(client, example, finance, owner)
    client.post(f"/api/v1/invoices/{a['id']}/payments", headers=finance,
                json={"on": berlin_today().isoformat(), "amount_cents": 10000})
    r = client.post(f"/api/v1/invoices/{a['id']}/credit-note", headers=finance, json={"reason": "Falscher Satz"})
    assert r.status_code == 201, r.json
    note = r.json
    # the refund is due within the payment terms; a credit note is never open or overdue itself
    assert note["open_cents"] == 0 and note["due_on"] == (berlin_today() + timedelta(days=30)).isoformat()
    assert client.get(f"/api/v1/invoices/{a['id']}", headers=finance).json["status"] == "cancelled"
    overdue = client.get("/api/v1/invoices?status=overdue", headers=finance).json["items"]
    assert overdue == []


def test_a_period_that_has_not_begun_is_not_billed(client, example, finance):
    future = (berlin_today().replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    r = client.post("/api/v1/billing/runs", headers=finance, json={"period": future})
    assert r.status_code == 422 and "period" in r.json["errors"]
    assert client.post("/api/v1/billing/preview", headers=finance, json={"period": future}).status_code == 200


def test_a_deleted_drafts_id_is_not_given_to_another_invoice(client, example, finance):
    run = run_period(client, finance)
    deleted = drafts_by_contract(client, finance)[example.contracts["B"]]["id"]
    assert client.delete(f"/api/v1/invoices/{deleted}", headers=finance).status_code == 204
    run_period(client, finance, "2026-Q4")
    ids = [i["id"] for i in client.get("/api/v1/invoices", headers=finance).json["items"]]
    assert deleted not in ids and max(ids) > deleted
    assert deleted in client.get(f"/api/v1/billing/runs/{run['id']}", headers=finance).json["invoice_ids"]
