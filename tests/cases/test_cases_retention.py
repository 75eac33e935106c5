"""Erasure by anonymisation and the retention rule (Celery task on the real database)."""

import pytest
from sqlalchemy import select

from core.audit import Actor

ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def _forget_eager_connections():
    """Eager tasks make Celery cache its in-memory broker pools and result backend; drop them afterwards, or the
    real-worker tests later in the run (tests/tenants/test_celery_worker.py) send to and wait on those caches."""
    yield
    from core.celery import celery_app

    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    vars(celery_app._local).pop("backend", None)


def _close(client, h, case_id, closed_on):
    r = client.patch(
        f"/api/v1/cases/{case_id}",
        json={"status": "closed", "outcome": "other", "closed_on": closed_on},
        headers=h,
    )
    assert r.status_code == 200, r.json


def test_retention_task_anonymises_old_closed_cases_only(tenant_a, tenant_b, app, client, api_token, make_case):
    """Does the retention task anonymise clients whose cases closed more than N years ago, sparing open,
    recent and restricted ones and other tenants, and is a second run harmless?"""
    from cases import services, tasks
    from cases.models import Client
    from core.extensions import db
    from core.tenancy.context import tenant_context

    h = api_token(tenant_a, "case_manager")
    old = make_case(tenant_a, opened_on="2010-01-04")
    recent = make_case(tenant_a)
    still_open = make_case(tenant_a, opened_on="2010-01-04")
    disputed = make_case(tenant_a, opened_on="2010-01-04")
    other = make_case(tenant_b, opened_on="2010-01-04")
    _close(client, h, old["id"], "2012-06-30")
    _close(client, h, recent["id"], "2026-02-01")
    _close(client, h, disputed["id"], "2012-06-30")
    _close(client, api_token(tenant_b, "case_manager"), other["id"], "2012-06-30")
    client.post(
        f"/api/v1/cases/{old['id']}/services",
        json={"on": "2012-01-05", "minutes": 30, "service_area": "childcare", "note": "Gespräch"},
        headers=h,
    )
    with app.app_context(), tenant_a.context():
        services.restrict_client(services.get_client(disputed["client_id"]), True, ACTOR)
        db.session.commit()

    with app.app_context(), tenant_context(tenant_a.tenant_id):
        assert tasks.apply_retention.delay().get() == [old["client_id"]]
        assert tasks.apply_retention.delay().get() == []  # idempotent
    with app.app_context(), tenant_a.context():
        rows = {c.id: c for c in db.session.scalars(select(Client))}
        gone = rows[old["client_id"]]
        assert gone.anonymised_at is not None and gone.first_name != "Anna" and gone.children == []
        export = services.export_client(gone, ACTOR)
        assert export["cases"][0]["services"][0]["minutes"] == 30  # figures stay
        assert export["cases"][0]["services"][0]["note"] == ""  # free text goes
        for kept in (recent, still_open, disputed):
            assert rows[kept["client_id"]].first_name == "Anna"
    with app.app_context(), tenant_b.context():
        assert db.session.scalar(select(Client.first_name)) == "Anna"


def test_fan_out_reaches_every_tenant(tenant_a, tenant_b, app, client, api_token, make_case):
    """Does the nightly fan-out task run the retention rule in each tenant's own context?"""
    from cases import tasks
    from cases.models import Client
    from core.extensions import db

    for fx in (tenant_a, tenant_b):
        case = make_case(fx, opened_on="2010-01-04")
        _close(client, api_token(fx, "case_manager"), case["id"], "2011-03-31")
    assert tasks.apply_retention_all.delay().get() == 2
    for fx in (tenant_a, tenant_b):
        with app.app_context(), fx.context():
            assert db.session.scalar(select(Client.anonymised_at)) is not None


def test_anonymised_client_cannot_be_edited_and_restricted_cannot_be_erased(
    tenant_a, app, client, api_token, make_client
):
    """Is an anonymised client read-only (409), and is erasing a restricted client refused (409)?"""
    from cases import services
    from core.extensions import db
    from core.problems import Conflict

    c = make_client(tenant_a)
    d = make_client(tenant_a)
    with app.app_context(), tenant_a.context():
        services.anonymise_client(services.get_client(c["id"]), ACTOR)
        services.restrict_client(services.get_client(d["id"]), True, ACTOR)
        with pytest.raises(Conflict):
            services.anonymise_client(services.get_client(d["id"]), ACTOR)
        db.session.commit()
    r = client.patch(f"/api/v1/clients/{c['id']}", json={"first_name": "Neu"}, headers=api_token(tenant_a, "admin"))
    assert r.status_code == 409
