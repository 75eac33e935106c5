"""The API skeleton: tokens, the tenant resource, problem+json and the OpenAPI document."""
from sqlalchemy import update

from tests.conftest import PASSWORD

PROBLEM = "application/problem+json"


def test_token_gives_a_role_and_scopes_requests_to_its_tenant(client, tenant_a, tenant_b, api_token):
    """Does a token of alpha's finance member read alpha's data (and only alpha's)?"""
    r = client.post("/api/v1/token", json={"email": tenant_a.users["finance"], "password": PASSWORD, "tenant": "alpha"})
    assert r.status_code == 201
    assert r.json["role"] == "finance" and r.json["expires_at"]
    headers = {"Authorization": f"Bearer {r.json['token']}"}
    assert client.get("/api/v1/tenant", headers=headers).json["name"] == "Bündnis Alpha"


def test_bad_token_requests_get_field_errors_as_problem_json(client, tenant_a):
    """Does a malformed token request get a 422 problem with the names of the bad fields?"""
    r = client.post("/api/v1/token", json={"email": 42, "tenant": ""})
    assert r.status_code == 422
    assert r.mimetype == PROBLEM
    assert set(r.json["errors"]) == {"email", "password", "tenant"}
    assert r.json["status"] == 422 and r.json["title"] and r.json["type"]
    r = client.post("/api/v1/token", data="not json", content_type="application/json")
    assert r.status_code in (400, 422) and r.mimetype == PROBLEM


def test_wrong_credentials_and_non_members_get_401(client, tenant_a, tenant_b):
    """Do a wrong password, an unknown alliance and a foreign alliance all answer 401 alike?"""
    bodies = [
        {"email": tenant_a.users["owner"], "password": "nope", "tenant": "alpha"},
        {"email": tenant_a.users["owner"], "password": PASSWORD, "tenant": "gamma"},
        {"email": tenant_a.users["owner"], "password": PASSWORD, "tenant": "beta"},
    ]
    for body in bodies:
        r = client.post("/api/v1/token", json=body)
        assert r.status_code == 401 and r.mimetype == PROBLEM
        assert "token" not in r.json


def test_requests_without_or_with_forged_tokens_get_401(client, tenant_a, api_token):
    """Are missing, tampered or re-signed tokens refused?"""
    assert client.get("/api/v1/agencies").status_code == 401
    token = api_token(tenant_a)["Authorization"].split(" ", 1)[1]
    signed, secret = token.rsplit(".", 1)
    other = "y" if secret[0] == "x" else "x"  # a different first character, whatever the random secret is
    for forged in (f"{signed}.{other}{secret[1:]}", f"x{signed}.{secret}", "garbage"):
        r = client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {forged}"})
        assert r.status_code == 401 and r.mimetype == PROBLEM


def test_tenant_issuer_data_can_be_read_and_patched_by_admins_only(client, tenant_a, api_token):
    """Can an admin change the issuer data, a viewer not, and is a bad IBAN refused with a field message?"""
    admin, viewer = api_token(tenant_a, "admin"), api_token(tenant_a, "viewer")
    r = client.patch("/api/v1/tenant", headers=admin,
                     json={"legal_name": "Bündnis Alpha e.V.", "iban": "DE02 1203 0000 0000 2020 51"})
    assert r.status_code == 200 and r.json["iban"] == "DE02120300000000202051"
    assert client.patch("/api/v1/tenant", headers=viewer, json={"name": "x"}).status_code == 403
    bad = client.patch("/api/v1/tenant", headers=admin, json={"iban": "DE00123", "email": "not-an-email"})
    assert bad.status_code == 422 and {"email"} <= set(bad.json["errors"])
    bad = client.patch("/api/v1/tenant", headers=admin, json={"iban": "DE03120300000000202051"})
    assert bad.status_code == 422 and "iban" in bad.json["errors"]
    assert client.get("/api/v1/tenant", headers=viewer).json["legal_name"] == "Bündnis Alpha e.V."


def test_suspended_tenant_can_read_but_not_write(app, client, tenant_a, api_token):
    """Does a suspended alliance get 403 on writes while reads still work?"""
    from core.extensions import db
    from tenants.models import Tenant

    headers = api_token(tenant_a, "admin")
    with app.app_context():
        db.session.execute(update(Tenant).where(Tenant.id == tenant_a.tenant_id).values(status="suspended"))
        db.session.commit()
    assert client.get("/api/v1/agencies", headers=headers).status_code == 200
    r = client.post("/api/v1/agencies", headers=headers, json={"name": "Jobcenter"})
    assert r.status_code == 403 and r.mimetype == PROBLEM


def test_unknown_api_paths_answer_problem_json(client):
    """Does a typo in an API path give a problem document rather than an HTML page?"""
    r = client.get("/api/v1/nothing-here")
    assert r.status_code in (401, 404) and r.mimetype == PROBLEM


def test_openapi_document_lists_the_promised_paths(client):
    """Is the OpenAPI document generated from the code and does it carry the foundation's paths and schemas?"""
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/token", "/api/v1/tenant", "/api/v1/agencies", "/api/v1/agencies/{agency_id}"):
        assert path in spec["paths"], path
    assert {"get", "patch", "delete"} <= set(spec["paths"]["/api/v1/agencies/{agency_id}"])
    agency = spec["components"]["schemas"]["Agency"]["properties"]
    assert {"name", "kind", "leitweg_id", "email", "address"} <= set(agency)


def test_pagination_returns_items_and_a_cursor(client, tenant_a, api_token):
    """Does ?limit= page through a list with a `next` cursor and refuse limits above 500?"""
    headers = api_token(tenant_a, "admin")
    for i in range(5):
        assert client.post("/api/v1/agencies", headers=headers, json={"name": f"Agency {i}"}).status_code == 201
    first = client.get("/api/v1/agencies?limit=2", headers=headers).json
    assert len(first["items"]) == 2 and first["next"]
    second = client.get(f"/api/v1/agencies?limit=2&cursor={first['next']}", headers=headers).json
    assert {a["name"] for a in second["items"]}.isdisjoint({a["name"] for a in first["items"]})
    everything = client.get("/api/v1/agencies?limit=500", headers=headers).json
    assert len(everything["items"]) == 5 and everything["next"] is None
    r = client.get("/api/v1/agencies?limit=501", headers=headers)
    assert r.status_code == 422 and "limit" in r.json["errors"]
    assert client.get("/api/v1/agencies?cursor=@@@", headers=headers).status_code in (400, 422)


def test_out_of_range_ids_and_cursors_are_not_found_or_invalid_never_500(client, tenant_a, api_token, login):
    """Do absurdly large ids or cursors answer 404/422 instead of crashing the database driver?"""
    import base64

    headers = api_token(tenant_a)
    huge = "99999999999999999999"
    r = client.get(f"/api/v1/agencies/{huge}", headers=headers)
    assert r.status_code == 404 and r.mimetype == PROBLEM
    cursor = base64.urlsafe_b64encode(huge.encode()).decode()
    r = client.get(f"/api/v1/agencies?cursor={cursor}", headers=headers)
    assert r.status_code == 422 and "cursor" in r.json["errors"]
    login(client, tenant_a)
    assert client.get(f"/alpha/agencies/{huge}").status_code == 404


def test_all_field_errors_come_back_in_one_answer(client, tenant_a, api_token):
    """Does one bad request list every bad field at once (schema and domain rules), under one title?"""
    headers = api_token(tenant_a, "admin")
    r = client.post("/api/v1/agencies", headers=headers,
                    json={"name": "", "kind": "bogus", "leitweg_id": "12-abc", "email": "x"})
    assert r.status_code == 422
    assert {"name", "kind", "leitweg_id", "email"} <= set(r.json["errors"])
    assert r.json["title"] == "Validation failed"
    r = client.post("/api/v1/token", data="{not json", content_type="application/json")
    assert all(isinstance(m, str) and not m.startswith("[") for ms in r.json.get("errors", {}).values() for m in ms)


def test_openapi_documents_bearer_auth(client):
    """Does the OpenAPI document say how to authenticate, and that the token endpoint needs none?"""
    spec = client.get("/api/v1/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/api/v1/token"]["post"]["security"] == []
