"""The first-steps checklist on a new alliance's start page: owners and admins see it, each step ticks itself off
when it is done (issuer data, first agency, first contract, first case), and it is gone when all are done."""
import re

from tests.cases.conftest import api_token, make_client, user_id  # noqa: F401 - fixtures
from tests.contracts.conftest import contract_payload

ISSUER = {"legal_name": "Bündnis Alpha e.V.", "address": "Markt 1\n59065 Hamm", "tax_number": "322/5760/1234",
          "iban": "DE89370400440532013000", "contact_name": "Ines Alpha", "phone": "+49 2381 1", "email": "a@alpha.de"}


def _steps(client) -> dict[str, str]:
    """{step key: "done" | "open"} of the checklist on the start page (empty when it is not shown)."""
    page = client.get("/alpha/").get_data(as_text=True)
    return {key: state for state, key in re.findall(r'<li class="(done|open)" data-step="([a-z_]+)"', page)}


def test_checklist_ticks_itself_off(app, client, tenant_a, login, make_agency, api_token, make_client,  # noqa: F811
                                    user_id):  # noqa: F811
    """Does each step tick itself off as it is done, and the checklist disappear once all are?"""
    from core.audit import Actor
    from core.extensions import db
    from tenants import services
    from tenants.models import Tenant

    login(client, tenant_a, "owner")
    assert _steps(client) == {"issuer": "open", "agency": "open", "contract": "open", "case": "open"}
    with app.app_context(), tenant_a.context():
        services.update_tenant(db.session.get(Tenant, tenant_a.tenant_id), ISSUER, Actor.system("test"))
        db.session.commit()
    assert _steps(client)["issuer"] == "done"
    agency_id = make_agency(tenant_a)
    assert _steps(client) == {"issuer": "done", "agency": "done", "contract": "open", "case": "open"}
    r = client.post("/api/v1/contracts", json=contract_payload(agency_id), headers=api_token(tenant_a, "owner"))
    assert r.status_code == 201, r.get_json()
    assert _steps(client)["contract"] == "done"
    c = make_client(tenant_a)
    r = client.post("/api/v1/cases", json={"client_id": c["id"], "case_manager_id": user_id(tenant_a, "case_manager")},
                    headers=api_token(tenant_a, "case_manager"))
    assert r.status_code == 201
    assert _steps(client) == {}
    assert 'id="first-steps"' not in client.get("/alpha/").get_data(as_text=True)


def test_checklist_is_for_owners_and_admins(client, tenant_a, login):
    """Do a case manager and a viewer start without the checklist, an admin with it?"""
    for role, shown in (("case_manager", False), ("viewer", False), ("admin", True)):
        client.post("/logout")
        login(client, tenant_a, role)
        assert bool(_steps(client)) is shown, role


def test_checklist_links_lead_to_the_steps(client, tenant_a, login):
    """Does each open step link to the page where it is done?"""
    login(client, tenant_a, "owner")
    page = client.get("/alpha/").get_data(as_text=True)
    for path in ("/alpha/settings", "/alpha/agencies/new", "/alpha/contracts/new", "/alpha/cases/new"):
        assert f'href="{path}"' in page, path


def test_the_case_step_in_an_empty_alliance_leads_to_the_first_client(client, tenant_a, login,
                                                                      make_client):  # noqa: F811
    """Does the checklist's case step mention the client, and the new-case form without any client say so and
    link to adding one (instead of an empty choice)? With a client, the note is gone."""
    login(client, tenant_a, "owner")
    start = client.get("/alpha/").get_data(as_text=True)
    assert "Klient" in re.search(r'<li class="open" data-step="case".*?</li>', start, re.S)[0]
    form = client.get("/alpha/cases/new").get_data(as_text=True)
    assert "es gibt noch keine Klient/innen" in form
    assert 'href="/alpha/clients/new"' in form
    make_client(tenant_a)
    assert 'href="/alpha/clients/new"' not in client.get("/alpha/cases/new").get_data(as_text=True)
