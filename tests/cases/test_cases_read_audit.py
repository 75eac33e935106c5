"""Finding 3: every read of client data is audited, through one mechanism declared on the route."""
import pytest

CLIENT_DATA_BLUEPRINTS = {"cases", "api_cases", "api_clients", "api_enrolments"}
CLIENT_DATA_ENDPOINTS = {"contracts.case_enrolments"}
# GET routes of those blueprints that show no client data, with the reason
NOT_CLIENT_DATA = {
    "cases.case_settings": "the retention setting only",
    "cases.new_client": "an empty form",
}


def test_every_route_that_shows_client_data_declares_its_read(app):
    """Does every GET route of case management (pages and API) carry `@reads` (tenants.access), so that a new
    route cannot forget the audit?"""
    undeclared = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        blueprint = rule.endpoint.split(".")[0]
        if blueprint not in CLIENT_DATA_BLUEPRINTS and rule.endpoint not in CLIENT_DATA_ENDPOINTS:
            continue
        if rule.endpoint in NOT_CLIENT_DATA:
            continue
        if not getattr(app.view_functions[rule.endpoint], "audited_read", None):
            undeclared.append(rule.endpoint)
    assert not undeclared, f"routes that show client data without @reads: {sorted(undeclared)}"


@pytest.fixture
def journey(tenant_a, make_case, api_token, client):
    case = make_case(tenant_a)
    return {"case": case["id"], "client": case["client_id"], "h": api_token(tenant_a, "case_manager")}


def _reads_by(app, fx, email) -> int:
    from sqlalchemy import func, select

    from core.audit import AuditEvent
    from core.extensions import db

    with app.app_context(), fx.context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor_label == email,
            AuditEvent.action.like("%.read") | AuditEvent.action.like("%.export")))


@pytest.mark.parametrize("url", [
    "/{slug}/clients/", "/{slug}/clients/{client}", "/{slug}/clients/{client}/edit", "/{slug}/cases/",
    "/{slug}/cases/{case}", "/{slug}/cases/{case}/edit", "/{slug}/cases/{case}/enrolments", "/{slug}/caseload",
    "/{slug}/reports.csv?date_from=2026-01-01&date_to=2026-12-31",
    "/{slug}/reports.xlsx?date_from=2026-01-01&date_to=2026-12-31", "/{slug}/clients/{client}/export.json",
    "api:/api/v1/clients/{client}", "api:/api/v1/clients/{client}/consents", "api:/api/v1/clients",
    "api:/api/v1/cases/{case}/enrolments", "api:/api/v1/cases/{case}", "api:/api/v1/cases/{case}/services",
])
def test_each_read_writes_one_audit_event(app, client, tenant_a, login, journey, url):
    """Does reading this page or resource as the case manager add exactly one read event by them?"""
    login(client, tenant_a, "case_manager")
    api = url.startswith("api:")
    url = url.removeprefix("api:").format(slug=tenant_a.slug, **journey)
    before = _reads_by(app, tenant_a, tenant_a.users["case_manager"])
    r = client.get(url, headers=journey["h"] if api else None)
    assert r.status_code == 200, (url, r.status_code)
    assert _reads_by(app, tenant_a, tenant_a.users["case_manager"]) == before + 1
