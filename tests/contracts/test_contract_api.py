"""The contracts API: drafting, editing only in draft, the lifecycle with four-eyes approval and
completeness."""

from tests.contracts.conftest import contract_payload


def _create(client, headers, agency_id, **overrides):
    r = client.post("/api/v1/contracts", json=contract_payload(agency_id, **overrides), headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def test_create_and_read_contract_with_rate_lines(client, tenant_a, api_token, make_agency):
    """Does POST /api/v1/contracts store the terms and three rate lines, and GET return them with
    documents?"""
    headers = api_token(tenant_a, "finance")
    agency_id = make_agency(tenant_a)
    created = _create(client, headers, agency_id)
    assert created["status"] == "draft"
    r = client.get(f"/api/v1/contracts/{created['id']}", headers=headers)
    assert r.status_code == 200
    body = r.json
    assert body["agency_id"] == agency_id and body["budget_cents"] == 12_000_000 and body["vat"] == "exempt"
    assert [(x["kind"], x["service_area"], x["amount_cents"]) for x in body["rates"]] == [
        ("per_case_month", "case_management", 18000),
        ("per_unit", "childcare", 3250),
        ("per_period", None, 50000),
    ]
    assert body["documents"] == [] and body["missing"] == []
    listing = client.get("/api/v1/contracts", headers=headers).json
    assert [c["id"] for c in listing["items"]] == [created["id"]] and listing["next"] is None


def test_invalid_contract_fields_are_422_with_field_errors(client, tenant_a, api_token, make_agency):
    """Are an unknown service area, an hourly rate without area, a bad agency and a reversed term 422 by
    field?"""
    headers = api_token(tenant_a, "finance")
    agency_id = make_agency(tenant_a)
    r = client.post(
        "/api/v1/contracts",
        headers=headers,
        json=contract_payload(
            agency_id,
            rates=[
                {"kind": "per_unit", "service_area": None, "amount_cents": 100},
                {"kind": "per_case_month", "service_area": "nope", "amount_cents": 100},
            ],
        ),
    )
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert set(r.json["errors"]) == {"rates.0.service_area", "rates.1.service_area"}
    r = client.post("/api/v1/contracts", headers=headers, json=contract_payload(999999))
    assert r.status_code == 422 and "agency_id" in r.json["errors"]
    r = client.post(
        "/api/v1/contracts",
        headers=headers,
        json=contract_payload(agency_id, valid_from="2027-12-31", valid_to="2027-01-01"),
    )
    assert r.status_code == 422 and "valid_to" in r.json["errors"]
    r = client.post(
        "/api/v1/contracts", headers=headers, json=contract_payload(agency_id, budget_cents="12.50")
    )
    assert r.status_code == 422 and "budget_cents" in r.json["errors"]


def test_walk_to_active_with_four_eyes(client, tenant_a, api_token, make_agency):
    """Can a contract go draft → … → active with who and when recorded, approved by someone other than the
    drafter?"""
    drafter = api_token(tenant_a, "finance")
    approver = api_token(tenant_a, "admin")
    cid = _create(client, drafter, make_agency(tenant_a))["id"]
    url = f"/api/v1/contracts/{cid}/transitions"
    assert client.post(url, json={"to": "in_review", "on": "2026-11-20"}, headers=drafter).status_code == 200
    r = client.post(url, json={"to": "approved"}, headers=drafter)
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    assert "Four-eyes" in r.json["detail"]
    for to in ("approved", "sent", "signed", "active"):
        r = client.post(url, json={"to": to, "on": "2026-11-25"}, headers=approver)
        assert r.status_code == 200, r.json
    body = r.json
    assert body["status"] == "active"
    assert [(s["from_status"], s["to_status"]) for s in body["steps"]] == [
        ("draft", "in_review"),
        ("in_review", "approved"),
        ("approved", "sent"),
        ("sent", "signed"),
        ("signed", "active"),
    ]
    assert (
        body["steps"][0]["by_label"] == tenant_a.users["finance"] and body["steps"][0]["on"] == "2026-11-20"
    )
    r = client.post(url, json={"to": "ended", "on": "2027-12-31"}, headers=approver)
    assert r.status_code == 200 and r.json["status"] == "ended" and r.json["end_reason"] == "expired"


def test_illegal_steps_are_409(client, tenant_a, api_token, make_agency):
    """Is skipping a step (draft → active, draft → sent) or leaving 'ended' refused with 409 problem+json?"""
    headers = api_token(tenant_a, "admin")
    cid = _create(client, headers, make_agency(tenant_a))["id"]
    url = f"/api/v1/contracts/{cid}/transitions"
    for to in ("active", "sent", "approved", "signed", "ended"):
        r = client.post(url, json={"to": to}, headers=headers)
        assert r.status_code == 409, to
        assert r.mimetype == "application/problem+json" and r.json["status"] == 409
    assert client.post(url, json={"to": "bogus"}, headers=headers).status_code == 422
    assert client.get(f"/api/v1/contracts/{cid}", headers=headers).json["status"] == "draft"


def test_step_cannot_be_dated_before_the_previous_one(client, tenant_a, api_token, make_agency):
    """Is a step dated before the previous step refused (422)?"""
    headers = api_token(tenant_a, "admin")
    cid = _create(client, headers, make_agency(tenant_a))["id"]
    url = f"/api/v1/contracts/{cid}/transitions"
    assert client.post(url, json={"to": "in_review", "on": "2026-11-20"}, headers=headers).status_code == 200
    r = client.post(url, json={"to": "draft", "on": "2026-11-01"}, headers=headers)
    assert r.status_code == 422 and "on" in r.json["errors"]


def test_incomplete_agreement_cannot_be_sent_and_lists_what_is_missing(
    client, tenant_a, api_token, make_agency
):
    """Does sending an agreement without the EinglMindV § 2 parts fail with 409 naming each missing part?"""
    drafter, approver = api_token(tenant_a, "finance"), api_token(tenant_a, "owner")
    cid = _create(
        client,
        drafter,
        make_agency(tenant_a),
        scope="",
        efficiency_review="",
        notification_duties="",
        termination="",
        notice_period_months=None,
        valid_to=None,
        rates=[],
    )["id"]
    missing = client.get(f"/api/v1/contracts/{cid}", headers=drafter).json["missing"]
    assert {m["key"] for m in missing} == {
        "content_scope",
        "compensation",
        "efficiency_review",
        "notification_duties",
        "fixed_term",
        "termination",
    }
    url = f"/api/v1/contracts/{cid}/transitions"
    assert client.post(url, json={"to": "in_review"}, headers=drafter).status_code == 200
    assert client.post(url, json={"to": "approved"}, headers=approver).status_code == 200
    r = client.post(url, json={"to": "sent"}, headers=approver)
    assert r.status_code == 409
    assert {"scope", "rates", "efficiency_review", "notification_duties", "valid_to", "termination"} <= set(
        r.json["errors"]
    )


def test_terms_change_only_in_draft(client, tenant_a, api_token, make_agency):
    """Can a draft be patched (rates replaced), and is patching a contract in review refused with 409?"""
    headers = api_token(tenant_a, "admin")
    cid = _create(client, headers, make_agency(tenant_a))["id"]
    r = client.patch(
        f"/api/v1/contracts/{cid}",
        headers=headers,
        json={"title": "Neu", "rates": [{"kind": "per_period", "amount_cents": 1}]},
    )
    assert r.status_code == 200 and r.json["title"] == "Neu" and len(r.json["rates"]) == 1
    client.post(f"/api/v1/contracts/{cid}/transitions", json={"to": "in_review"}, headers=headers)
    r = client.patch(f"/api/v1/contracts/{cid}", headers=headers, json={"title": "Später"})
    assert r.status_code == 409


def test_amendment_of_an_active_contract_is_a_new_version(client, tenant_a, api_token, make_agency):
    """Does amending an active contract create version 2 as a draft, and does its activation end version 1?"""
    drafter, approver = api_token(tenant_a, "finance"), api_token(tenant_a, "owner")
    cid = _create(client, drafter, make_agency(tenant_a))["id"]
    for to, h in (
        ("in_review", drafter),
        ("approved", approver),
        ("sent", approver),
        ("signed", approver),
        ("active", approver),
    ):
        assert (
            client.post(f"/api/v1/contracts/{cid}/transitions", json={"to": to}, headers=h).status_code == 200
        )
    assert client.post(f"/api/v1/contracts/{cid}/amendments", headers=drafter).status_code == 201
    listing = client.get("/api/v1/contracts", headers=drafter).json["items"]
    amendment = [c for c in listing if c["amends_id"] == cid][0]
    assert amendment["version"] == 2 and amendment["status"] == "draft"
    assert client.post(f"/api/v1/contracts/{cid}/amendments", headers=drafter).status_code == 409
    aid = amendment["id"]
    assert (
        client.patch(
            f"/api/v1/contracts/{aid}", headers=drafter, json={"budget_cents": 15_000_000}
        ).status_code
        == 200
    )
    for to, h in (
        ("in_review", drafter),
        ("approved", approver),
        ("sent", approver),
        ("signed", approver),
        ("active", approver),
    ):
        assert (
            client.post(f"/api/v1/contracts/{aid}/transitions", json={"to": to}, headers=h).status_code == 200
        )
    old = client.get(f"/api/v1/contracts/{cid}", headers=drafter).json
    assert old["status"] == "ended" and old["end_reason"] == "amended" and old["budget_cents"] == 12_000_000


def test_viewer_cannot_write_and_agency_with_contracts_cannot_be_deleted(
    client, tenant_a, api_token, make_agency
):
    """Is a viewer refused (403) on POST, and is deleting an agency that has contracts a 409?"""
    agency_id = make_agency(tenant_a)
    viewer = api_token(tenant_a, "viewer")
    assert (
        client.post("/api/v1/contracts", json=contract_payload(agency_id), headers=viewer).status_code == 403
    )
    admin = api_token(tenant_a, "admin")
    _create(client, admin, agency_id)
    r = client.delete(f"/api/v1/agencies/{agency_id}", headers=admin)
    assert r.status_code == 409 and "Contracts" in r.json["detail"]


def test_openapi_lists_contract_paths(client):
    """Does /api/v1/openapi.json document the contract endpoints of API.md?"""
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/contracts",
        "/api/v1/contracts/{contract_id}",
        "/api/v1/contracts/{contract_id}/transitions",
        "/api/v1/contracts/{contract_id}/documents",
    ):
        assert path in paths, path


def test_an_editor_of_the_terms_cannot_approve_them_either(client, tenant_a, api_token, make_agency):
    """Can someone who sent the contract back to draft and changed its terms then approve it alone?"""
    drafter, editor = api_token(tenant_a, "owner"), api_token(tenant_a, "finance")
    cid = _create(client, drafter, make_agency(tenant_a))["id"]
    url = f"/api/v1/contracts/{cid}/transitions"
    assert client.post(url, json={"to": "in_review", "on": "2026-11-20"}, headers=drafter).status_code == 200
    assert client.post(url, json={"to": "draft", "on": "2026-11-21"}, headers=editor).status_code == 200
    r = client.patch(f"/api/v1/contracts/{cid}", json={"budget_cents": 9_900_000}, headers=editor)
    assert r.status_code == 200
    assert client.post(url, json={"to": "in_review", "on": "2026-11-22"}, headers=editor).status_code == 200
    r = client.post(url, json={"to": "approved", "on": "2026-11-23"}, headers=editor)
    assert r.status_code == 409 and "Four-eyes" in r.json["detail"]
    r = client.post(url, json={"to": "approved", "on": "2026-11-23"}, headers=api_token(tenant_a, "admin"))
    assert r.status_code == 200


def test_out_of_range_ids_and_amounts_are_422_not_500(client, tenant_a, api_token, make_agency):
    """Are absurdly large ids and amounts refused as invalid fields rather than overflowing the database?"""
    headers = api_token(tenant_a, "admin")
    agency_id = make_agency(tenant_a)
    r = client.post("/api/v1/contracts", headers=headers, json=contract_payload(
        agency_id, partner_ids=[2**40], budget_cents=10**20,
        rates=[{"kind": "per_period", "amount_cents": 10**20}]))
    assert r.status_code == 422
    assert {"partner_ids.0", "budget_cents", "rates.0.amount_cents"} <= set(r.json["errors"])
    r = client.post("/api/v1/contracts", headers=headers, json=contract_payload(2**40))
    assert r.status_code == 422 and "agency_id" in r.json["errors"]


def test_a_step_cannot_be_dated_in_the_future(client, tenant_a, api_token, make_agency):
    """Issue 14's trap: a "sent" dated 2099 would block every later step. Is a future step refused on its field,
    while the end of a contract may be fixed in advance within its term?"""
    from tests.contracts.conftest import contract_payload

    h = api_token(tenant_a, "admin")
    contract = client.post("/api/v1/contracts", json=contract_payload(make_agency(tenant_a)), headers=h).json
    r = client.post(f"/api/v1/contracts/{contract['id']}/transitions", json={"to": "in_review", "on": "2099-01-01"},
                    headers=h)
    assert r.status_code == 422 and "on" in r.json["errors"]
    assert client.post(f"/api/v1/contracts/{contract['id']}/transitions", json={"to": "in_review"},
                       headers=h).status_code == 200


def test_a_draft_can_be_deleted_and_nothing_else(client, tenant_a, api_token, make_agency, login, no_csrf):
    """Issue 14: drafts could not be deleted. Is a draft deleted with its lines (API and page), and is a
    contract that went out a 409?"""
    from tests.contracts.conftest import contract_payload

    h = api_token(tenant_a, "admin")
    agency = make_agency(tenant_a)
    draft = client.post("/api/v1/contracts", json=contract_payload(agency), headers=h).json
    assert client.delete(f"/api/v1/contracts/{draft['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/contracts/{draft['id']}", headers=h).status_code == 404
    other = client.post("/api/v1/contracts", json=contract_payload(agency), headers=h).json
    client.post(f"/api/v1/contracts/{other['id']}/transitions", json={"to": "in_review"}, headers=h)
    r = client.delete(f"/api/v1/contracts/{other['id']}", headers=h)
    assert r.status_code == 409 and "status" in r.json["errors"]
    page_draft = client.post("/api/v1/contracts", json=contract_payload(agency), headers=h).json
    login(client, tenant_a, "admin")
    r = client.post(f"/{tenant_a.slug}/contracts/{page_draft['id']}/delete", data={"confirmed": "1"},
                    follow_redirects=True)
    assert "gelöscht" in r.get_data(as_text=True)
    assert client.get(f"/api/v1/contracts/{page_draft['id']}", headers=h).status_code == 404
