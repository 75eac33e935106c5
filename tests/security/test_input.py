"""Bad input gets a clear answer, never a 500: text with NUL characters (PostgreSQL cannot store them)."""


def test_nul_characters_are_refused_with_the_field(client, tenant_a, api_token, login, no_csrf):
    r = client.post("/api/v1/clients", json={"first_name": "An\u0000na", "last_name": "Muster",
                                             "children": [{"birth_year": 2016}]}, headers=api_token(tenant_a))
    assert r.status_code == 422 and r.json["errors"] == {"first_name": ["Text must not contain NUL characters."]}
    r = client.get("/api/v1/cases?status=active&service_area=%00x", headers=api_token(tenant_a))
    assert r.status_code == 422 and "service_area" in r.json["errors"]  # found by schemathesis
    login(client, tenant_a, "admin")
    assert client.get(f"/{tenant_a.slug}/cases/?q=a%00b").status_code == 400
    page = client.post(f"/{tenant_a.slug}/clients/new", data={"first_name": "An\x00na", "last_name": "Muster"})
    assert page.status_code == 400 and "NUL" in page.get_data(as_text=True)
