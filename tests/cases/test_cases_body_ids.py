"""Finding 8: ids inside request bodies are bounded like ids in paths (422 on the field, never an overflow)."""
import pytest

HUGE = 10**20


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/clients/{client}/consents", {"agency_id": HUGE, "purposes": "x", "data_items": ["identity"]},
     "agency_id"),
    ("/api/v1/clients/{client}/consents", {"partner_id": HUGE, "purposes": "x", "data_items": ["identity"]},
     "partner_id"),
    ("/api/v1/cases/{case}/goals", {"title": "Ziel", "partner_id": HUGE}, "partner_id"),
    ("/api/v1/cases/{case}/referrals", {"partner_id": HUGE, "reason": "x"}, "partner_id"),
    ("/api/v1/cases/{case}/needs", {"service_area": "childcare", "agency_id": HUGE}, "agency_id"),
    ("/api/v1/cases/{case}/enrolments", {"contract_id": HUGE, "from_on": "2026-01-05", "to_on": "2026-02-01"},
     "contract_id"),
    ("/api/v1/service-areas", {"code": "big", "name": "Groß", "agency_id": HUGE}, "agency_id"),
    ("/api/v1/cases", {"client_id": HUGE, "opened_on": "2026-01-05"}, "client_id"),
])
def test_an_id_beyond_the_range_is_a_field_error(tenant_a, client, api_token, make_case, path, body, field):
    case = make_case(tenant_a)
    r = client.post(path.format(client=case["client_id"], case=case["id"]), json=body,
                    headers=api_token(tenant_a, "admin"))
    assert r.status_code == 422, r.get_data(as_text=True)[:300]
    assert field in r.json["errors"]
