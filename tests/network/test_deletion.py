"""Deleting a directory entry that others still reference answers 409 with the reason, never a 500."""


def test_every_foreign_key_to_the_directory_has_a_reason(app):
    """Does every column that points to agencies, partners or service areas have a reason that a refused
    deletion names (so that a new foreign key without its check fails here)?"""
    from billing.receivers import REFERENCES as BILLING
    from cases.receivers import REFERENCES as CASES
    from contracts.receivers import REFERENCES as CONTRACTS
    from core.extensions import db

    # checked by network itself
    covered = {("memberships", "agency_id"), ("invitations", "agency_id"), ("service_areas", "agency_id")}
    for references in (CASES, CONTRACTS, BILLING):
        covered |= {(column.table.name, column.name) for pairs in references.values() for column, _ in pairs}
    pointing = {
        (fk.parent.table.name, fk.parent.name)
        for table in db.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name in ("agencies", "partners", "service_areas") and fk.parent.name != "tenant_id"
    }
    assert pointing and pointing <= covered, pointing - covered


def test_deleting_an_agency_named_by_a_need_and_a_consent_is_409(client, tenant_a, api_token):
    """Is an agency that a consent and a need refer to kept, with both reasons in the 409?"""
    h = api_token(tenant_a, "admin")
    agency = client.post("/api/v1/agencies", json={"name": "Jugendamt Nord", "kind": "jugendamt"}, headers=h).json
    person = client.post("/api/v1/clients", json={"first_name": "Ada", "last_name": "Lind"}, headers=h).json
    r = client.post(f"/api/v1/clients/{person['id']}/consents", headers=h, json={
        "agency_id": agency["id"], "purposes": "Abstimmung", "data_items": ["identity"], "given_on": "2026-01-05"})
    assert r.status_code == 201, r.json
    assert client.delete(f"/api/v1/agencies/{agency['id']}", headers=h).status_code == 409
    managers = api_token(tenant_a, "case_manager")
    case = client.post("/api/v1/cases", json={"client_id": person["id"], "opened_on": "2026-01-05"}, headers=managers)
    assert case.status_code == 201, case.json
    r = client.post(f"/api/v1/cases/{case.json['id']}/needs", headers=managers,
                    json={"service_area": "childcare", "priority": "high", "agency_id": agency["id"]})
    assert r.status_code == 201, r.json
    r = client.delete(f"/api/v1/agencies/{agency['id']}", headers=h)
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    assert "Consents of clients name it as recipient." in r.json["detail"]
    assert "Needs of cases name it as responsible." in r.json["detail"]
    assert client.get(f"/api/v1/agencies/{agency['id']}", headers=h).status_code == 200


def test_an_unused_agency_is_deleted(client, tenant_a, api_token):
    """Is an agency nobody references deleted (204, then 404)?"""
    h = api_token(tenant_a, "admin")
    agency = client.post("/api/v1/agencies", json={"name": "Sozialamt Süd", "kind": "sozialamt"}, headers=h).json
    assert client.delete(f"/api/v1/agencies/{agency['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/agencies/{agency['id']}", headers=h).status_code == 404


def test_an_agency_a_service_area_names_is_kept_with_the_reason(client, tenant_a, api_token, login, no_csrf):
    """Finding 8: deleting an agency that a service area names as responsible is a 409 with the reason on the
    API and a message on the page, never an integrity error (500)."""
    h = api_token(tenant_a, "admin")
    agency = client.post("/api/v1/agencies", json={"name": "Sozialamt", "kind": "sozialamt"}, headers=h).json
    r = client.post("/api/v1/service-areas", json={"code": "debts2", "name": "Schulden", "agency_id": agency["id"]},
                    headers=h)
    assert r.status_code == 201, r.json
    r = client.delete(f"/api/v1/agencies/{agency['id']}", headers=h)
    assert r.status_code == 409 and "Service areas" in r.json["detail"]
    login(client, tenant_a, "admin")
    page = client.post(f"/{tenant_a.slug}/agencies/{agency['id']}/delete", data={"confirmed": "1"},
                       follow_redirects=True)
    assert page.status_code == 200 and "Leistungsbereiche" in page.get_data(as_text=True)
    assert client.get(f"/api/v1/agencies/{agency['id']}", headers=h).status_code == 200
