"""Cases through /api/v1/cases: phases, closing and reopening, who sees which case, filters, audit trail."""

from sqlalchemy import select

from tests.cases.conftest import advance


def test_phases_one_step_at_a_time(tenant_a, client, api_token, make_case):
    """Can a case go intake → assessment → … → evaluation, and is skipping a phase a 409 problem?"""
    case = make_case(tenant_a)
    h = api_token(tenant_a, "case_manager")
    r = client.patch(f"/api/v1/cases/{case['id']}", json={"status": "planning"}, headers=h)
    assert r.status_code == 409
    assert r.mimetype == "application/problem+json"
    assert "skip" in r.json["detail"]
    advance(client, h, case["id"], "assessment", "planning", "active", "evaluation")
    # stepping back (re-planning) is allowed
    advance(client, h, case["id"], "planning")


def test_new_case_starts_in_intake(tenant_a, client, api_token, make_client, user_id):
    """Can a case be created directly in the active phase? (No: 409.)"""
    c = make_client(tenant_a)
    r = client.post(
        "/api/v1/cases",
        json={"client_id": c["id"], "status": "active"},
        headers=api_token(tenant_a, "case_manager"),
    )
    assert r.status_code == 409


def test_case_manager_defaults_to_creator(tenant_a, client, api_token, make_client, user_id):
    """Does a case manager who opens a case without naming a manager become its manager?"""
    c = make_client(tenant_a)
    r = client.post("/api/v1/cases", json={"client_id": c["id"]}, headers=api_token(tenant_a, "case_manager"))
    assert r.status_code == 201, r.json
    assert r.json["case_manager_id"] == user_id(tenant_a, "case_manager")
    assert r.json["status"] == "intake"


def test_close_requires_outcome_then_reopen(tenant_a, client, api_token, make_case):
    """Is closing without an outcome a 409, closing with one fine from any phase, and reopening possible?"""
    case = make_case(tenant_a)
    h = api_token(tenant_a, "case_manager")
    url = f"/api/v1/cases/{case['id']}"
    r = client.patch(url, json={"status": "closed"}, headers=h)
    assert r.status_code == 409
    assert "outcome" in r.json["errors"]
    r = client.patch(
        url,
        json={
            "status": "closed",
            "outcome": "dropped_out",
            "closed_on": "2026-02-01",
            "esf_exit_status": "inactive",
        },
        headers=h,
    )
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["outcome"], r.json["closed_on"]) == (
        "closed",
        "dropped_out",
        "2026-02-01",
    )
    r = client.patch(url, json={"status": "assessment"}, headers=h)
    assert r.status_code == 200
    assert r.json["outcome"] is None and r.json["closed_on"] is None


def test_bad_case_input(tenant_a, tenant_b, client, api_token, make_case, make_client, user_id):
    """Are an unknown outcome, a foreign client, a non-member manager and closing before opening refused?"""
    h = api_token(tenant_a, "case_manager")
    foreign = make_client(tenant_b)
    r = client.post(
        "/api/v1/cases",
        json={"client_id": foreign["id"], "case_manager_id": user_id(tenant_b, "case_manager")},
        headers=h,
    )
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"client_id", "case_manager_id"}
    case = make_case(tenant_a)
    r = client.patch(f"/api/v1/cases/{case['id']}", json={"status": "closed", "outcome": "lottery"}, headers=h)
    assert r.status_code == 422 and "outcome" in r.json["errors"]
    r = client.patch(
        f"/api/v1/cases/{case['id']}",
        json={"status": "closed", "outcome": "other", "closed_on": "2025-01-01"},
        headers=h,
    )
    assert r.status_code == 422 and "closed_on" in r.json["errors"]
    r = client.patch(f"/api/v1/cases/{case['id']}", json={"outcome": "other"}, headers=h)
    assert r.status_code == 409


def test_case_manager_cannot_open_colleagues_case(tenant_a, make_tenant, client, api_token, make_case, app):
    """Can a case manager read or change a colleague's case? (No: 404.) Can the admin? (Yes.)"""
    from core.audit import Actor
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants import services
    from tenants.models import Tenant

    with app.app_context():
        colleague = services.create_user("kollegin@alpha.example.org", "correct-horse-battery", "Kollegin")
        tenant = db.session.get(Tenant, tenant_a.tenant_id)
        with tenant_context(tenant.id):
            services.add_member(tenant, colleague, "case_manager", Actor.system())
            db.session.commit()
    tenant_a.users["colleague"] = "kollegin@alpha.example.org"
    case = make_case(tenant_a)
    url = f"/api/v1/cases/{case['id']}"
    other = api_token(tenant_a, "colleague")
    assert client.get(url, headers=other).status_code == 404
    assert client.patch(url, json={"status": "assessment"}, headers=other).status_code == 404
    assert client.get(url + "/services", headers=other).status_code == 404
    assert client.get("/api/v1/cases", headers=other).json["items"] == []
    assert client.get(url, headers=api_token(tenant_a, "admin")).status_code == 200
    assert client.get(url, headers=api_token(tenant_a, "viewer")).status_code == 200


def test_other_tenant_case_is_404(tenant_a, tenant_b, client, api_token, make_case):
    """Can an owner of alliance B see a case of alliance A? (No: 404.)"""
    case = make_case(tenant_a)
    h = api_token(tenant_b, "owner")
    assert client.get(f"/api/v1/cases/{case['id']}", headers=h).status_code == 404
    assert (
        client.post(f"/api/v1/cases/{case['id']}/needs", json={"service_area": "childcare"}, headers=h).status_code
        == 404
    )


def test_reading_a_case_is_audited(tenant_a, client, api_token, make_case, app):
    """Is every read of a case file written to the audit log?"""
    from core.audit import AuditEvent
    from core.extensions import db

    case = make_case(tenant_a)
    h = api_token(tenant_a, "admin")
    client.get(f"/api/v1/cases/{case['id']}", headers=h)
    client.get(f"/api/v1/cases/{case['id']}", headers=h)
    with app.app_context(), tenant_a.context():
        reads = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.read", AuditEvent.object_id == case["id"])
        ).all()
    assert len(reads) == 2
    assert reads[0].actor_label == tenant_a.users["admin"]
    client.get(f"/api/v1/cases/{case['id']}/services", headers=h)
    with app.app_context(), tenant_a.context():
        parts = db.session.scalars(select(AuditEvent.diff).where(AuditEvent.action == "case.read")).all()
    assert {"part": [None, "services"]} in parts


def test_confidential_case_note(tenant_a, client, api_token, make_case):
    """Does the viewer get the case's confidential note? (No: null; the assigned manager and admin do.)"""
    case = make_case(tenant_a, confidential_note="Trennung, Umgangsstreit")
    url = f"/api/v1/cases/{case['id']}"
    assert client.get(url, headers=api_token(tenant_a, "viewer")).json["confidential_note"] is None
    assert client.get(url, headers=api_token(tenant_a, "admin")).json["confidential_note"] == "Trennung, Umgangsstreit"
    assert client.get(url, headers=api_token(tenant_a, "case_manager")).json["confidential_note"]


def test_case_filters_and_pagination(tenant_a, client, api_token, make_case):
    """Do status, service-area and name filters narrow the list, and does ?limit= page with a cursor?"""
    h = api_token(tenant_a, "case_manager")
    one = make_case(tenant_a)
    two = make_case(tenant_a)
    make_case(tenant_a)
    advance(client, h, one["id"], "assessment")
    client.post(f"/api/v1/cases/{two['id']}/needs", json={"service_area": "housing"}, headers=h)
    ids = lambda r: [c["id"] for c in r.json["items"]]  # noqa: E731
    assert ids(client.get("/api/v1/cases?status=assessment", headers=h)) == [one["id"]]
    assert ids(client.get("/api/v1/cases?service_area=housing", headers=h)) == [two["id"]]
    assert ids(client.get(f"/api/v1/cases?q={two['pseudonym']}", headers=h)) == [two["id"]]
    page = client.get("/api/v1/cases?limit=2", headers=h).json
    assert len(page["items"]) == 2 and page["next"]
    rest = client.get(f"/api/v1/cases?limit=2&cursor={page['next']}", headers=h).json
    assert len(rest["items"]) == 1 and rest["next"] is None


def test_openapi_documents_case_paths(client):
    """Are the case-management paths in /api/v1/openapi.json, with case_manager_id documented as a user id?"""
    spec = client.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/service-areas",
        "/api/v1/clients",
        "/api/v1/clients/{client_id}",
        "/api/v1/clients/{client_id}/consents",
        "/api/v1/clients/{client_id}/consents/{consent_id}/withdraw",
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/needs",
        "/api/v1/cases/{case_id}/goals",
        "/api/v1/cases/{case_id}/services",
    ):
        assert path in spec["paths"], path
    props = spec["components"]["schemas"]["Case"]["properties"]
    assert "user id" in props["case_manager_id"]["description"]



def test_far_future_dates_and_a_second_open_case_are_refused(client, tenant_a, make_case, api_token):
    """Are a review date in 9999 and a second open case for the same client refused with field messages?"""
    headers = api_token(tenant_a, "case_manager")
    case = make_case(tenant_a)
    r = client.patch(f"/api/v1/cases/{case['id']}", headers=headers, json={"next_review_on": "9999-12-15"})
    assert r.status_code == 422 and "next_review_on" in r.json["errors"]
    r = client.post(f"/api/v1/cases/{case['id']}/goals", headers=headers,
                    json={"title": "Kita-Platz", "measure": "Anmeldung", "responsible": "client",
                          "due_on": "3026-01-01"})
    assert r.status_code == 422 and "due_on" in r.json["errors"]
    r = client.post("/api/v1/cases", headers=headers, json={"client_id": case["client_id"]})
    assert r.status_code == 409 and "client_id" in r.json["errors"]


def test_out_of_range_case_manager_id_is_a_field_error(tenant_a, client, api_token, make_client):
    """An id beyond the column's range in a body is a 422 on that field, never an overflow (500)."""
    c = make_client(tenant_a)
    r = client.post("/api/v1/cases", headers=api_token(tenant_a, "admin"),
                    json={"client_id": c["id"], "case_manager_id": 10**20, "opened_on": "2026-01-05"})
    assert r.status_code == 422 and "case_manager_id" in r.json["errors"]
