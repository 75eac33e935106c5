"""Finding 2: the GDPR export shows what the exporting person may see on the pages, no more."""
import json


def test_export_withholds_notes_the_case_manager_may_not_see(tenant_a, client, api_token, make_client, make_case,
                                                             login, user_id):
    """A client without a case (note written by an admin) and a case of another case manager: does the
    case manager's export leave both confidential notes out (and say so), while the admin's has them?"""
    admin = api_token(tenant_a, "admin")
    lonely = make_client(tenant_a, "admin", confidential_note="NOTIZ-OHNE-FALL")
    case = make_case(tenant_a, role="admin", manager_role="admin", confidential_note="NOTIZ-FREMDER-FALL")
    r = client.patch(f"/api/v1/clients/{case['client_id']}", json={"confidential_note": "NOTIZ-KLIENTIN"},
                     headers=admin)
    assert r.status_code == 200, r.json
    r = client.post(f"/api/v1/cases/{case['id']}/services", headers=admin, json={
        "on": "2026-01-20", "minutes": 30, "service_area": "childcare", "note": "NOTIZ-LEISTUNG-FREMD"})
    assert r.status_code == 201, r.json
    r = client.patch(f"/api/v1/cases/{case['id']}", headers=admin, json={
        "status": "closed", "outcome": "dropped_out", "closed_on": "2026-02-01", "esf_exit_status": "inactive"})
    assert r.status_code == 200, r.json
    r = client.post("/api/v1/cases", json={"client_id": case["client_id"], "opened_on": "2026-02-01",
                                           "case_manager_id": user_id(tenant_a, "case_manager")}, headers=admin)
    assert r.status_code == 201, r.json

    login(client, tenant_a, "case_manager")
    mine = client.get(f"/{tenant_a.slug}/clients/{lonely['id']}/export.json")
    assert mine.status_code == 200
    data = json.loads(mine.data)
    assert "NOTIZ-OHNE-FALL" not in mine.get_data(as_text=True)
    assert "client.confidential_note" in data["withheld"]
    shared = client.get(f"/{tenant_a.slug}/clients/{case['client_id']}/export.json")
    assert shared.status_code == 200
    text = shared.get_data(as_text=True)
    assert "NOTIZ-KLIENTIN" in text  # her own case: she may see the client's note
    # a colleague's case is not on her pages, so not in her export either (its notes, needs and services)
    assert "NOTIZ-FREMDER-FALL" not in text and "NOTIZ-LEISTUNG-FREMD" not in text
    assert json.loads(text)["withheld"] == [f"cases.{case['id']}"]
    client.post("/logout")

    login(client, tenant_a, "admin")
    full = client.get(f"/{tenant_a.slug}/clients/{lonely['id']}/export.json").get_data(as_text=True)
    assert "NOTIZ-OHNE-FALL" in full and "withheld" not in json.loads(full)
    full = client.get(f"/{tenant_a.slug}/clients/{case['client_id']}/export.json").get_data(as_text=True)
    assert "NOTIZ-FREMDER-FALL" in full and "NOTIZ-KLIENTIN" in full
