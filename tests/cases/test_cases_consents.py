"""Consent (release from confidentiality) per receiving agency: its states and the question `may_share`."""

from datetime import date, timedelta

import pytest

from core.audit import Actor
from tests.conftest import berlin_today

ACTOR = Actor.system("test")


@pytest.fixture
def agency_id(client, api_token, tenant_a):
    r = client.post(
        "/api/v1/agencies",
        json={"name": "Jobcenter Alpha", "kind": "jobcenter"},
        headers=api_token(tenant_a, "admin"),
    )
    return r.json["id"]


def _consent(client, headers, client_id, agency_id, **fields):
    body = {
        "agency_id": agency_id,
        "purposes": "Abstimmung der Eingliederung",
        "data_items": ["needs", "progress"],
        "given_on": "2026-02-01",
        **fields,
    }
    return client.post(f"/api/v1/clients/{client_id}/consents", json=body, headers=headers)


def test_given_consent_then_withdrawn(tenant_a, client, api_token, make_client, agency_id):
    """Does a consent with given_on start as given, and can it be withdrawn once (second time 409)?"""
    c = make_client(tenant_a)
    h = api_token(tenant_a, "case_manager")
    r = _consent(client, h, c["id"], agency_id)
    assert r.status_code == 201, r.json
    assert r.json["status"] == "given"
    url = f"/api/v1/clients/{c['id']}/consents/{r.json['id']}/withdraw"
    w = client.post(url, json={"on": "2026-03-01"}, headers=h)
    assert w.status_code == 200, w.json
    assert w.json["status"] == "withdrawn" and w.json["withdrawn_on"] == "2026-03-01"
    assert client.post(url, json={}, headers=h).status_code == 409


def test_requested_then_given(tenant_a, client, api_token, make_client, agency_id):
    """Does a consent without given_on start as requested, become given, and refuse being given twice?"""
    c = make_client(tenant_a)
    h = api_token(tenant_a, "case_manager")
    r = _consent(client, h, c["id"], agency_id, given_on=None)
    assert r.json["status"] == "requested"
    url = f"/api/v1/clients/{c['id']}/consents/{r.json['id']}/give"
    assert client.post(url, json={"on": "2026-02-02"}, headers=h).json["status"] == "given"
    assert client.post(url, json={}, headers=h).status_code == 409


def test_expired_consent_cannot_be_withdrawn(tenant_a, client, api_token, make_client, agency_id):
    """Is a consent past its expiry date `expired`, and is withdrawing it then a 409?"""
    c = make_client(tenant_a)
    h = api_token(tenant_a, "case_manager")
    r = _consent(client, h, c["id"], agency_id, given_on="2025-01-01", expires_on="2025-12-31")
    assert r.json["status"] == "expired"
    url = f"/api/v1/clients/{c['id']}/consents/{r.json['id']}/withdraw"
    assert client.post(url, json={}, headers=h).status_code == 409


def test_reissue_keeps_history(tenant_a, client, api_token, make_client, agency_id):
    """After withdrawing and re-issuing, are both consents listed (history kept, nothing edited)?"""
    c = make_client(tenant_a)
    h = api_token(tenant_a, "case_manager")
    old = _consent(client, h, c["id"], agency_id).json
    client.post(f"/api/v1/clients/{c['id']}/consents/{old['id']}/withdraw", json={"on": "2026-03-01"}, headers=h)
    new = _consent(client, h, c["id"], agency_id, given_on="2026-03-02", replaces_id=old["id"]).json
    items = client.get(f"/api/v1/clients/{c['id']}/consents", headers=h).json["items"]
    assert {(i["id"], i["status"]) for i in items} == {(old["id"], "withdrawn"), (new["id"], "given")}
    assert new["replaces_id"] == old["id"]


def test_foreign_agency_and_bad_input_are_field_errors(tenant_a, tenant_b, client, api_token, make_client):
    """Are an agency of another alliance, an unknown data item and expiry before giving refused per field
    (422)?"""
    foreign = client.post("/api/v1/agencies", json={"name": "Jobcenter Beta"}, headers=api_token(tenant_b, "admin"))
    c = make_client(tenant_a)
    h = api_token(tenant_a, "case_manager")
    r = _consent(client, h, c["id"], foreign.json["id"], expires_on="2026-01-01")
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"agency_id", "expires_on"}
    r = _consent(client, h, c["id"], foreign.json["id"], data_items=["bank_account"])
    assert r.status_code == 422 and "data_items.0" in r.json["errors"]


def test_future_given_on_refused(tenant_a, client, api_token, make_client, agency_id):
    """Can a consent be recorded as given tomorrow? (No: 422 on given_on.)"""
    c = make_client(tenant_a)
    tomorrow = (berlin_today() + timedelta(days=1)).isoformat()
    r = _consent(client, api_token(tenant_a, "case_manager"), c["id"], agency_id, given_on=tomorrow)
    assert r.status_code == 422 and "given_on" in r.json["errors"]


def test_may_share(app, tenant_a, make_client, agency_id):
    """Does may_share say yes only for the named agency and item, between giving and withdrawal/expiry?"""
    from cases import services
    from core.extensions import db
    from network.models import Agency
    from network.services import create_agency

    c = make_client(tenant_a)
    with app.app_context(), tenant_a.context():
        client_row = services.get_client(c["id"])
        jobcenter = db.session.get(Agency, agency_id)
        other = create_agency({"name": "Jugendamt"}, ACTOR)
        consent = services.create_consent(
            client_row,
            {
                "agency_id": agency_id,
                "purposes": "Eingliederung",
                "data_items": ["needs"],
                "given_on": date(2026, 2, 1),
                "expires_on": date(2026, 12, 31),
            },
            ACTOR,
        )
        assert services.may_share(client_row, "needs", jobcenter, date(2026, 2, 1))
        assert not services.may_share(client_row, "needs", jobcenter, date(2026, 1, 31))  # before giving
        assert not services.may_share(client_row, "progress", jobcenter, date(2026, 3, 1))  # item not named
        assert not services.may_share(client_row, "needs", other, date(2026, 3, 1))  # other agency
        assert not services.may_share(client_row, "needs", jobcenter, date(2027, 1, 1))  # expired
        services.withdraw_consent(consent, date(2026, 6, 1), ACTOR)
        assert services.may_share(client_row, "needs", jobcenter, date(2026, 5, 31))  # still valid then
        assert not services.may_share(client_row, "needs", jobcenter, date(2026, 6, 1))  # withdrawn
        requested = services.create_consent(
            client_row, {"agency_id": other.id, "purposes": "Hilfeplan", "data_items": ["needs"]}, ACTOR
        )
        assert requested.status == "requested"
        assert not services.may_share(client_row, "needs", other, date(2026, 6, 1))  # only requested
