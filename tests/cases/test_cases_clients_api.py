"""Clients and their children through /api/v1/clients."""

from tests.conftest import berlin_today


def test_create_client_with_children_and_pseudonym(tenant_a, client, api_token, make_client):
    """Does a new client get a pseudonym K-YYYY-NNNN counted per tenant, and keep her two children?"""
    first = make_client(tenant_a)
    second = make_client(tenant_a, first_name="Berta")
    year = berlin_today().year
    assert first["pseudonym"] == f"K-{year}-0001"
    assert second["pseudonym"] == f"K-{year}-0002"
    assert [c["birth_year"] for c in first["children"]] == [2016, 2020]
    r = client.get(f"/api/v1/clients/{first['id']}", headers=api_token(tenant_a, "case_manager"))
    assert r.status_code == 200
    assert r.json["first_name"] == "Anna" and r.json["last_name"] == "Muster"


def test_pseudonyms_count_per_tenant(tenant_a, tenant_b, make_client):
    """Does each alliance count its own pseudonyms (both start at 0001)?"""
    assert make_client(tenant_a)["pseudonym"].endswith("-0001")
    assert make_client(tenant_b)["pseudonym"].endswith("-0001")


def test_other_tenants_client_is_404(tenant_a, tenant_b, client, api_token, make_client):
    """Can alliance B read or change a client of alliance A by id? (No: 404.)"""
    c = make_client(tenant_a)
    h = api_token(tenant_b, "owner")
    assert client.get(f"/api/v1/clients/{c['id']}", headers=h).status_code == 404
    assert client.patch(f"/api/v1/clients/{c['id']}", json={"first_name": "X"}, headers=h).status_code == 404
    assert client.get("/api/v1/clients", headers=h).json["items"] == []


def test_patch_replaces_children(tenant_a, client, api_token, make_client):
    """Does PATCH with `children` replace the list of children?"""
    c = make_client(tenant_a)
    r = client.patch(
        f"/api/v1/clients/{c['id']}",
        json={"children": [{"birth_year": 2019}]},
        headers=api_token(tenant_a, "case_manager"),
    )
    assert r.status_code == 200, r.json
    assert r.json["children"] == [{"birth_year": 2019}]


def test_bad_client_input_is_422_with_fields(tenant_a, client, api_token):
    """Are a missing name, a birth year in the future and a bad child year refused field by field?"""
    r = client.post(
        "/api/v1/clients",
        json={"first_name": "", "last_name": "M", "birth_year": 3000, "children": [{"birth_year": 1800}]},
        headers=api_token(tenant_a, "case_manager"),
    )
    assert r.status_code == 422
    assert r.mimetype == "application/problem+json"
    assert {"first_name", "birth_year", "children.0.birth_year"} <= set(r.json["errors"])


def test_viewer_cannot_create_client(tenant_a, client, api_token):
    """Can a viewer create a client? (No: 403.)"""
    r = client.post(
        "/api/v1/clients", json={"first_name": "A", "last_name": "B"}, headers=api_token(tenant_a, "viewer")
    )
    assert r.status_code == 403


def test_confidential_note_hidden_from_viewer(tenant_a, client, api_token, make_client):
    """Does a viewer see a client's confidential note? (No: null; the admin sees it.)"""
    c = make_client(tenant_a, role="admin", confidential_note="Gewalterfahrung")
    assert (
        client.get(f"/api/v1/clients/{c['id']}", headers=api_token(tenant_a, "viewer")).json["confidential_note"]
        is None
    )
    assert (
        client.get(f"/api/v1/clients/{c['id']}", headers=api_token(tenant_a, "admin")).json["confidential_note"]
        == "Gewalterfahrung"
    )


def test_search_clients(tenant_a, client, api_token, make_client):
    """Does ?q= find a client by last name or pseudonym?"""
    make_client(tenant_a, last_name="Schmidt")
    other = make_client(tenant_a, last_name="Yilmaz")
    h = api_token(tenant_a, "case_manager")
    assert [c["last_name"] for c in client.get("/api/v1/clients?q=yil", headers=h).json["items"]] == ["Yilmaz"]
    found = client.get(f"/api/v1/clients?q={other['pseudonym']}", headers=h).json["items"]
    assert [c["id"] for c in found] == [other["id"]]


def test_service_areas_seeded_and_extendable(tenant_a, client, api_token):
    """Is the catalogue seeded, can an admin add an area, and is a duplicate code a 409?"""
    h = api_token(tenant_a, "admin")
    codes = {a["code"] for a in client.get("/api/v1/service-areas?limit=100", headers=h).json["items"]}
    assert {"case_management", "childcare", "debt_counselling", "housing", "health"} <= codes
    r = client.post("/api/v1/service-areas", json={"code": "language", "name": "Sprachkurs"}, headers=h)
    assert r.status_code == 201, r.json
    assert client.post("/api/v1/service-areas", json={"code": "language", "name": "X"}, headers=h).status_code == 409
    r = client.post(
        "/api/v1/service-areas", json={"code": "x", "name": "X"}, headers=api_token(tenant_a, "case_manager")
    )
    assert r.status_code == 403


def test_case_manager_sees_own_and_unassigned_clients_only(tenant_a, client, api_token, make_case, make_client):
    """Does a case manager see the clients of her cases and those without a case, but not a client whose only
    case belongs to a colleague (404, also for opening a case or recording consent)?"""
    own = make_case(tenant_a)
    colleagues = make_case(tenant_a, role="admin", manager_role="admin")
    waiting = make_client(tenant_a)
    h = api_token(tenant_a, "case_manager")
    listed = {c["id"] for c in client.get("/api/v1/clients", headers=h).json["items"]}
    assert listed == {own["client_id"], waiting["id"]}
    url = f"/api/v1/clients/{colleagues['client_id']}"
    assert client.get(url, headers=h).status_code == 404
    assert client.post(f"{url}/consents", json={}, headers=h).status_code == 404
    r = client.post("/api/v1/cases", json={"client_id": colleagues["client_id"]}, headers=h)
    assert r.status_code == 422 and "client_id" in r.json["errors"]
    assert client.get(url, headers=api_token(tenant_a, "admin")).status_code == 200
    assert client.get(url, headers=api_token(tenant_a, "viewer")).status_code == 200


def test_name_search_ignores_case_accents_and_umlaut_spelling(tenant_a, client, api_token, make_client):
    """Do "krüger", "KRUEGER", "kruger" and "sabine krüger" all find Sabine Krüger, and does a "%" match only a
    literal percent sign?"""
    h = api_token(tenant_a, "admin")
    found = make_client(tenant_a, "admin", first_name="Sabine", last_name="Krüger")
    make_client(tenant_a, "admin", first_name="Ole", last_name="Brandt")
    for q in ("krüger", "KRUEGER", "kruger", "sabine krüger", "Sabine Krueger", found["pseudonym"].lower()):
        items = client.get("/api/v1/clients", query_string={"q": q}, headers=h).json["items"]
        assert [c["id"] for c in items] == [found["id"]], q
    assert client.get("/api/v1/clients", query_string={"q": "%"}, headers=h).json["items"] == []
