"""The demo seed shows case management at work, and can be reset."""


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_demo_seed_has_cases_in_several_phases_and_resets(app, no_pdf):
    """Does `demo seed` create clients with children, Jobcenter consents, cases in several phases with needs,
    goals and services, one closed with an outcome, and does `--reset` recreate it?"""
    assert _run(app, "demo", "seed").exit_code == 0
    client = app.test_client()
    token = client.post(
        "/api/v1/token",
        json={"email": "inhaberin@demo.buendnisnetz.de", "password": "demo-passwort-2026", "tenant": "demo"},
    ).json["token"]
    h = {"Authorization": f"Bearer {token}"}
    cases = client.get("/api/v1/cases", headers=h).json["items"]
    assert {c["status"] for c in cases} >= {"intake", "assessment", "planning", "active", "closed"}
    closed = next(c for c in cases if c["status"] == "closed")
    assert closed["outcome"] == "employment"
    active = next(c for c in cases if c["status"] == "active")
    assert len(client.get(f"/api/v1/cases/{active['id']}/services", headers=h).json["items"]) >= 3
    assert client.get(f"/api/v1/cases/{active['id']}/goals", headers=h).json["items"]
    consents = client.get(f"/api/v1/clients/{active['client_id']}/consents", headers=h).json["items"]
    assert any(c["agency_id"] and c["status"] == "given" for c in consents)
    assert len(client.get(f"/api/v1/clients/{active['client_id']}", headers=h).json["children"]) == 2
    reset = _run(app, "demo", "seed", "--reset")
    assert reset.exit_code == 0, reset.output
    assert "Demo alliance created." in reset.output
