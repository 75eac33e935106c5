def test_two_tenants_and_login(tenant_a, tenant_b, client, login):
    """Can the owner of alpha log in and see alpha's overview, and is beta's overview hidden (404)?"""
    login(client, tenant_a)
    assert "Bündnis Alpha".encode() in client.get("/alpha/").data
    assert client.get("/beta/").status_code == 404
