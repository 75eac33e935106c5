"""Finding 3: every read of client data is audited, through one mechanism declared on the route."""
import pytest

# Every GET route either declares its read with @reads or is named here with why it shows no client data, so
# that a new route anywhere (billing, the portal, …) has to decide.
NO_CLIENT_DATA_BLUEPRINTS = {
    "network": "the alliance's directory: agencies, partners, service areas",
    "api_agencies": "the directory", "api_service_areas": "the directory",
    "public": "the public landing page", "auth": "login, password reset and invitation pages",
    "tenant_auth": "the alliance's login redirect", "api-docs": "the OpenAPI document",
    "api_tenant": "the alliance's own issuer data", "api_tokens": "the member's own API tokens",
    "admin": "the platform admin console: alliances, counts, subscriptions, members and audit actions without "
             "their changes; its export is audited as tenant.exported in the alliance's own log",
    "signup": "the public sign-up, its verification links and the published terms and AV-Vertrag",
    "account": "the user's own account, second factor and the list of their alliances",
    "legal": "the text of an accepted terms or AV-Vertrag version with who accepted it (no client data)",
}
NO_CLIENT_DATA = {
    "static": "files of the UI", "healthz": "process health", "readyz": "readiness",
    "metrics": "counts by endpoint, task and state; no label names a client",
    "cases.case_settings": "the retention setting only", "cases.new_client": "an empty form",
    "contracts.contracts": "agreements with agencies", "contracts.new_contract": "an empty agreement form",
    "contracts.edit_contract": "the agreement's terms", "contracts.templates": "contract templates",
    "contracts.upload_template": "an upload form", "contracts.template_help": "template documentation",
    "contracts.download_template": "a template (audited as a download)",
    "contracts.download_docx": "the agreement's text (audited as a download)",
    "contracts.download_pdf": "the agreement's text (audited as a download)",
    "api_contracts.list_contracts": "agreements", "api_contracts.get_contract": "an agreement's terms",
    "api_contracts.download_document_docx": "the agreement's text (audited as a download)",
    "api_contracts.download_document_pdf": "the agreement's text (audited as a download)",
    "billing.efficiency": "aggregate figures (counts, hours, cost)", "billing.efficiency_pdf": "the same, as PDF",
    "billing.runs": "billing runs (period, status, counts)",
    "billing.preview": "amounts per contract; entries left out by case number, date, area and minutes, no names",
    "billing.run": "the same for a run", "billing.run_progress": "a run's status and progress",
    "billing.invoices": "invoices to agencies (amounts, no case)", "billing.overdue": "the same, overdue",
    "billing_portal.portal": "the agency's own invoices (amounts, no case)",
    "api_billing.list_runs": "billing runs: progress, invoice ids, left-out entries by entry and case id only",
    "api_billing.get_run": "the same for one run", "api_invoices.list_invoices": "invoices: amounts per line",
    "api_invoices.get_invoice": "an invoice's lines and payments (its statement of services is audited)",
    "tenants.dashboard": "the start page", "tenants.members": "the alliance's staff",
    "tenants.settings": "the alliance's issuer data", "tenants.tokens": "API tokens",
    "tenant_export.owner_export": "a page with a button; the export (POST) is audited as tenant.exported",
}


def test_every_get_route_declares_its_read_or_why_it_has_none(app):
    """Does every GET route carry `@reads` (tenants.access) or a reason here, so that a new route that shows
    client data cannot forget the audit?"""
    undeclared = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NO_CLIENT_DATA:
            continue
        if rule.endpoint.split(".")[0] in NO_CLIENT_DATA_BLUEPRINTS:
            continue
        if not getattr(app.view_functions[rule.endpoint], "audited_read", None):
            undeclared.append(rule.endpoint)
    assert not undeclared, f"GET routes without @reads or a reason: {sorted(undeclared)}"
    declared = {e for e, view in app.view_functions.items() if getattr(view, "audited_read", None)}
    assert declared & set(NO_CLIENT_DATA) == set()  # a reason for a route that does read is stale


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
