"""The export of an alliance's complete data, closing with a grace period, and the purge after it (issued
invoices within their retention period stay)."""
import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.tenants import admin_fixtures
from tests.tenants.admin_fixtures import post_form

admin_client = admin_fixtures.admin_client
platform_admin = admin_fixtures.platform_admin


def _counts(app, tenant_id):
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants.admin import tenant_tables

    with app.app_context(), tenant_context(tenant_id):
        return {t.name: db.session.scalar(select(func.count()).select_from(t).where(t.c.tenant_id == tenant_id))
                for t in tenant_tables()}


@pytest.fixture
def demo(app, no_pdf):
    from core.extensions import db
    from tenants.demo import seed_demo
    from tenants.models import Tenant

    with app.test_request_context():
        seed_demo()
        db.session.commit()
        return db.session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))


def test_the_export_holds_every_table_of_the_tenant_and_its_files_only(app, admin_client, tenant_a, tenant_b,
                                                                        make_agency):
    """Does the archive hold one JSON file per tenant table with exactly that tenant's rows, its files, a
    README and tenant.json, and nothing of another tenant?"""
    from core import storage
    from core.audit import AuditEvent
    from core.extensions import db
    from tenants.admin import tenant_tables

    make_agency(tenant_a, "Jobcenter Alpha")
    make_agency(tenant_b, "Jobcenter Beta")
    with app.app_context():
        own = storage.store(tenant_a.tenant_id, "test", b"alpha file", "txt")
        storage.store(tenant_b.tenant_id, "test", b"beta file", "txt")
    page = admin_client.get(f"/admin/tenants/{tenant_a.tenant_id}/export")
    assert page.status_code == 200 and page.mimetype == "text/html"  # a GET only offers the button
    response = post_form(admin_client, f"/admin/tenants/{tenant_a.tenant_id}/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    with app.app_context():
        tables = {t.name for t in tenant_tables()}
    assert {f"tables/{t}.json" for t in tables} <= names
    assert {"README.txt", "tenant.json", "members.json"} <= names
    assert "Datenexport" in archive.read("README.txt").decode()
    assert json.loads(archive.read("tenant.json"))["slug"] == "alpha"
    counts = _counts(app, tenant_a.tenant_id)
    for table in tables - {"audit_events"}:  # the export itself adds to the log
        rows = json.loads(archive.read(f"tables/{table}.json"))
        assert len(rows) == counts[table], table
        assert all(r["tenant_id"] == tenant_a.tenant_id for r in rows)
        assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    agencies = json.loads(archive.read("tables/agencies.json"))
    assert [a["name"] for a in agencies] == ["Jobcenter Alpha"]
    assert isinstance(agencies[0]["created_at"], str) and "T" in agencies[0]["created_at"]
    files = sorted(n for n in names if n.startswith("files/"))
    with app.app_context():
        prefix = storage.tenant_prefix(tenant_a.tenant_id)
        stored = sorted("files/" + p.relative_to(prefix).as_posix() for p in prefix.rglob("*") if p.is_file())
    own_name = "files/" + own.path.split("/", 1)[1]
    assert files == stored and own_name in files and archive.read(own_name) == b"alpha file"
    everything = b"".join(archive.read(n) for n in names)
    assert b"Beta" not in everything and b"beta" not in everything
    with app.app_context(), tenant_a.context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tenant.exported")) is not None


def test_owners_export_their_alliance_also_while_suspended_others_do_not(app, client, admin_client, tenant_a,
                                                                           login):
    """May an owner export while suspended (a read), and may an admin of the alliance not?"""
    post_form(admin_client, f"/admin/tenants/{tenant_a.tenant_id}/suspend", {"reason": "Prüfung"})
    login(client, tenant_a, "owner")
    response = post_form(client, f"/{tenant_a.slug}/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "tenant.json" in zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    other = app.test_client()
    login(other, tenant_a, "admin")
    assert other.get(f"/{tenant_a.slug}/export").status_code == 403
    assert other.post(f"/{tenant_a.slug}/export").status_code in (400, 403)


def test_closing_sets_the_date_is_read_only_and_can_be_cancelled(app, client, admin_client, tenant_a, login,
                                                                 api_token):
    """Does closing say what goes and what stays, make the alliance read-only until the date, and can it be
    cancelled before then?"""
    from core.clock import utcnow
    from core.extensions import db
    from tenants.models import Tenant

    page = admin_client.get(f"/admin/tenants/{tenant_a.tenant_id}/close").get_data(as_text=True)
    assert "§ 147 AO" in page and "endgültig gelöscht" in page
    assert post_form(admin_client, f"/admin/tenants/{tenant_a.tenant_id}/close",
                     {"reason": "Verein aufgelöst"}).status_code == 302
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_a.tenant_id)
        grace = timedelta(days=app.config["TENANT_CLOSING_GRACE_DAYS"])
        assert tenant.status == "closing"
        assert abs(tenant.closes_at - (utcnow() + grace)) < timedelta(minutes=1)
    headers = api_token(tenant_a, "owner")
    agency = {"name": "Jobcenter Nord", "kind": "jobcenter", "address": "Weg 1\n12345 Stadt"}
    assert client.post("/api/v1/agencies", json=agency, headers=headers).status_code == 403
    assert post_form(admin_client, f"/admin/tenants/{tenant_a.tenant_id}/reactivate",
                     {"reason": "doch nicht"}).status_code == 302
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_a.tenant_id)
        assert (tenant.status, tenant.closes_at) == ("active", None)
    assert client.post("/api/v1/agencies", json=agency, headers=headers).status_code == 201


def test_purge_deletes_client_data_keeps_issued_invoices_and_leaves_others_alone(app, admin_client, demo, tenant_a,
                                                                                 make_agency):
    """After the grace period, does the daily task delete the closed alliance's client data and files for good,
    keep its issued invoices (with lines, files, payments) inside their retention period, mark it closed with
    what was kept, leave tenant A untouched, and do nothing more when run again?"""
    from core import storage
    from core.clock import utcnow
    from core.extensions import db
    from tenants.models import Tenant
    from tenants.tasks import purge_closed_tenants

    make_agency(tenant_a)
    with app.app_context():
        storage.store(demo, "scratch", b"client letter", "txt")
    before_a = _counts(app, tenant_a.tenant_id)
    before = _counts(app, demo)
    assert before["clients"] and before["cases"] and before["invoices"]
    with app.app_context():
        from billing.models import Invoice
        from core.tenancy.context import tenant_context

        with tenant_context(demo):
            issued = db.session.scalar(select(func.count(Invoice.id)).where(Invoice.number.is_not(None)))
            assert issued, "the demo seed issues invoices"
    assert post_form(admin_client, f"/admin/tenants/{demo}/close", {"reason": "Test"}).status_code == 302
    assert purge_closed_tenants.delay().get() == []  # not yet: the grace period runs
    with app.app_context():
        db.session.get(Tenant, demo).closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert purge_closed_tenants.delay().get() == [demo]

    after = _counts(app, demo)
    for table in ("clients", "consents", "cases", "service_entries", "memberships", "api_tokens", "charges",
                  "billing_runs"):
        if table in after:
            assert after[table] == 0, table
    assert after["invoices"] == issued
    assert after["invoice_lines"] and after["agencies"] and after["contracts"]
    assert after["audit_events"] >= before["audit_events"]
    assert _counts(app, tenant_a.tenant_id) == before_a
    with app.app_context():
        tenant = db.session.get(Tenant, demo)
        assert tenant.status == "closed" and tenant.purged_at is not None
        assert tenant.kept_after_purge["tables"]["invoices"] == issued
        assert tenant.kept_after_purge["until"] >= f"{utcnow().year + 9}-12-31"
        remaining = [p.relative_to(storage.tenant_prefix(demo)).as_posix()
                     for p in storage.tenant_prefix(demo).rglob("*") if p.is_file()]
        assert not any(p.startswith("scratch/") for p in remaining)
        assert len(remaining) == tenant.kept_after_purge["files"]
    assert purge_closed_tenants.delay().get() == []  # idempotent: a closed tenant is not purged again
    html = admin_client.get(f"/admin/tenants/{demo}").get_data(as_text=True)
    assert "Aufbewahrungsfrist" in html and "§ 147 AO" in html
