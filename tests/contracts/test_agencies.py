"""Funding agencies end to end: pages and API, validation, audit, references."""
from sqlalchemy import select

from tests.conftest import csrf_from

PROBLEM = "application/problem+json"
VALID_LEITWEG = "04011000-1234512345-06"


def test_api_crud_with_audit_trail(app, client, tenant_a, api_token):
    """Can an admin create, read, change and delete an agency, and is each change in the audit log?"""
    headers = api_token(tenant_a, "admin")
    r = client.post("/api/v1/agencies", headers=headers, json={
        "name": "Jobcenter Alpha", "kind": "jobcenter", "leitweg_id": VALID_LEITWEG, "email": "jc@alpha.example.org",
        "address": "Weg 1"})
    assert r.status_code == 201
    agency_id = r.json["id"]
    assert client.get(f"/api/v1/agencies/{agency_id}", headers=headers).json["leitweg_id"] == VALID_LEITWEG
    r = client.patch(f"/api/v1/agencies/{agency_id}", headers=headers, json={"contact": "Frau Berger"})
    assert r.status_code == 200 and r.json["contact"] == "Frau Berger" and r.json["name"] == "Jobcenter Alpha"
    assert client.delete(f"/api/v1/agencies/{agency_id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/agencies/{agency_id}", headers=headers).status_code == 404

    from core.audit import AuditEvent
    from core.extensions import db

    with app.app_context(), tenant_a.context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "agencies")
                                    .order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["agency.create", "agency.update", "agency.delete"]
        assert events[1].diff == {"contact": ["", "Frau Berger"]}
        assert events[0].actor_label == tenant_a.users["admin"] and events[0].ip == "127.0.0.1"


def test_bad_agency_input_gets_field_errors(client, tenant_a, api_token):
    """Do an empty name, an unknown kind and a Leitweg-ID with wrong check digits get field-level messages?"""
    headers = api_token(tenant_a, "admin")
    r = client.post("/api/v1/agencies", headers=headers, json={"name": "", "kind": "bank"})
    assert r.status_code == 422 and r.mimetype == PROBLEM and {"name", "kind"} <= set(r.json["errors"])
    r = client.post("/api/v1/agencies", headers=headers, json={"name": "JC", "leitweg_id": "04011000-1234512345-07"})
    assert r.status_code == 422 and "leitweg_id" in r.json["errors"]
    client.post("/api/v1/agencies", headers=headers, json={"name": "JC"})
    r = client.post("/api/v1/agencies", headers=headers, json={"name": "JC"})
    assert r.status_code == 409 and "name" in r.json["errors"]


def test_agency_still_referenced_cannot_be_deleted(app, client, tenant_a, api_token):
    """Is deleting an agency that agency users log in for refused with 409 and a reason?"""
    from core.audit import Actor
    from core.extensions import db
    from tenants import services
    from tenants.models import Tenant

    headers = api_token(tenant_a, "admin")
    agency_id = client.post("/api/v1/agencies", headers=headers, json={"name": "Jugendamt"}).json["id"]
    with app.app_context(), tenant_a.context():
        user = services.create_user("clerk@jugendamt.example.org", "long enough password")
        tenant = db.session.get(Tenant, tenant_a.tenant_id)
        services.add_member(tenant, user, "agency", Actor.system("t"), agency_id=agency_id)
        db.session.commit()
    r = client.delete(f"/api/v1/agencies/{agency_id}", headers=headers)
    assert r.status_code == 409 and "Agency users" in r.json["detail"]
    assert client.get(f"/api/v1/agencies/{agency_id}", headers=headers).status_code == 200


def test_viewer_may_read_but_not_write_agencies(client, tenant_a, api_token):
    """Can a viewer list agencies but not create one?"""
    headers = api_token(tenant_a, "viewer")
    assert client.get("/api/v1/agencies", headers=headers).status_code == 200
    assert client.post("/api/v1/agencies", headers=headers, json={"name": "x"}).status_code == 403


def test_pages_create_show_edit_delete(client, tenant_a, login):
    """Can an admin manage an agency through the pages, with form errors shown next to the fields?"""
    login(client, tenant_a, "admin")
    form = client.get("/alpha/agencies/new")
    bad = client.post("/alpha/agencies/new", data={"csrf_token": csrf_from(form.data), "name": "Jobcenter",
                                                   "kind": "jobcenter", "leitweg_id": "123"})
    assert bad.status_code == 200
    html = bad.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'class="field-error"' in html
    ok = client.post("/alpha/agencies/new", data={"csrf_token": csrf_from(form.data), "name": "Jobcenter & Co <Süd>",
                                                  "kind": "jobcenter", "leitweg_id": VALID_LEITWEG})
    assert ok.status_code == 302
    page = client.get(ok.headers["Location"]).get_data(as_text=True)
    assert "Jobcenter &amp; Co &lt;Süd&gt;" in page and VALID_LEITWEG in page
    agency_path = ok.headers["Location"]
    edit = client.get(agency_path + "/edit")
    client.post(agency_path + "/edit", data={"csrf_token": csrf_from(edit.data), "name": "Jobcenter Süd",
                                             "kind": "jobcenter", "leitweg_id": ""})
    assert "Jobcenter Süd" in client.get("/alpha/agencies/").get_data(as_text=True)
    page = client.get(agency_path)
    assert client.post(agency_path + "/delete",
                       data={"csrf_token": csrf_from(page.data), "confirmed": "1"}).status_code == 302
    assert client.get(agency_path).status_code == 404


def test_form_shows_every_error_in_one_round(client, tenant_a, login):
    """Does the agency form report a bad e-mail and a bad Leitweg-ID together, not one after the other?"""
    login(client, tenant_a, "admin")
    form = client.get("/alpha/agencies/new")
    r = client.post("/alpha/agencies/new", data={"csrf_token": csrf_from(form.data), "name": "JC", "kind": "jobcenter",
                                                 "leitweg_id": "12-abc", "email": "nope"})
    html = r.get_data(as_text=True)
    assert 'id="email-error"' in html and 'id="leitweg_id-error"' in html
