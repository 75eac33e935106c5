"""One clock: `today()` is the tenant's day (Europe/Berlin by default), whatever zone the server runs in."""
from datetime import UTC, datetime


def test_service_logged_at_half_past_midnight_german_time_counts_for_that_day(
        client, tenant_a, api_token, monkeypatch):
    """At 00:30 in Germany (23:30 UTC the day before), is a service logged for the German date accepted, and
    one for the next German day refused as being in the future?"""
    from core import clock

    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    h = api_token(tenant_a, "case_manager")
    client_id = client.post("/api/v1/clients", json={"first_name": "Nora", "last_name": "Nacht"}, headers=h).json["id"]
    case = client.post("/api/v1/cases", json={"client_id": client_id, "opened_on": "2026-12-02"}, headers=h)
    assert case.status_code == 201, case.json
    url = f"/api/v1/cases/{case.json['id']}/services"
    r = client.post(url, json={"on": "2026-12-02", "minutes": 30, "service_area": "case_management"}, headers=h)
    assert r.status_code == 201, r.json
    r = client.post(url, json={"on": "2026-12-03", "minutes": 30, "service_area": "case_management"}, headers=h)
    assert r.status_code == 422 and "on" in r.json["errors"]


def test_a_tenant_in_another_zone_has_its_own_today(app, monkeypatch):
    """Does a tenant whose clock runs in another zone get that zone's date?"""
    from core import clock
    from core.tenancy.context import tenant_context

    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    with tenant_context(1):
        assert clock.today().isoformat() == "2026-12-02"
    with tenant_context(1, zone="America/New_York"):
        assert clock.today().isoformat() == "2026-12-01"
