"""Finding 11: walls that bite. Each test here fails when its wall is broken (the closing note of the security
issue names the mutations that were tried): row-level security on every tenant table, the ORM wall on
PostgreSQL with RLS out of the way, and the tenant prefix of the file storage."""
from datetime import date

import pytest
from sqlalchemy import create_engine, select, text

from core.audit import Actor

EXPECTED_POLICY = "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::integer)"
# tenant tables that may stay empty in B (none: the fixture fills every one, so each count can fail)
ALLOWED_EMPTY: set[str] = set()


def _tenant_tables():
    from core.extensions import db

    return sorted(t.name for t in db.metadata.tables.values() if "tenant_id" in t.columns)


@pytest.fixture
def superuser_engine(runtime_engine):
    """The test database as the cluster's superuser: row-level security does not apply to it (FORCE binds the
    table owner too), so it sees every tenant's rows."""
    from tests.conftest import PG_ADMIN_URL, PG_DB

    engine = create_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}")
    yield engine
    engine.dispose()


@pytest.fixture
def full_tenant(app, tenant_a, no_pdf):
    """The demo alliance plus what it does not hold (an invitation, an API token, a sent reminder, a signed
    copy, the retention setting): a row in every tenant table. Returns its id."""
    from cases import services as cases
    from contracts import services as contracts
    from contracts.models import ContractReminder
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants import invitations
    from tenants.demo import seed_demo
    from tenants.models import Membership, Tenant
    from tenants.tokens import issue_api_token

    with app.test_request_context():
        seed_demo()
        demo = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
        with tenant_context(demo.id):
            invitations.invite(demo, {"email": "neu@example.org", "role": "viewer"}, Actor.system("test"))
            issue_api_token(db.session.scalars(select(Membership)).first())
            cases.set_retention_years(10, Actor.system("test"))
            active = next(c for c in contracts.list_contracts() if c.status == "active")
            db.session.add(ContractReminder(contract_id=active.id, event="review", due_on=date(2026, 12, 31)))
            contracts.upload_signed_copy(active, demo.id, b"%PDF-1.4\n%demo scan\n", date(2026, 1, 2),
                                         date(2026, 1, 5), Actor.system("test"))
            _billing_rows(active, demo.id)
            from core.clock import utcnow
            from tenants.models import Acceptance

            db.session.add(Acceptance(document="dpa", version="test", accepted_by="owner@example.org",
                                      accepted_at=utcnow()))
            db.session.flush()
        db.session.commit()
        return demo.id


def _billing_rows(contract, tenant_id):
    """A row in each billing table, whatever the demo seed bills: a run with its step, an issued invoice with a
    line, a charge, a payment, a file, a reminder and a sending, and a counter (a year no demo uses, keys of their
    own)."""
    from billing.models import (
        BillingRun,
        BillingRunStep,
        Charge,
        DunningNotice,
        Invoice,
        InvoiceCounter,
        InvoiceDocument,
        InvoiceLine,
        InvoiceSending,
        Payment,
    )
    from core import storage
    from core.extensions import db

    run = BillingRun(period="1999-01", status="done")
    db.session.add(run)
    db.session.add(InvoiceCounter(year=1999, last_number=1))
    invoice = Invoice(number="1999-00001", agency_id=contract.agency_id, contract_id=contract.id, period="1999-01",
                      period_start=date(1999, 1, 1), period_end=date(1999, 1, 31), state="partly_paid",
                      issued_on=date(1999, 2, 1), due_on=date(1999, 3, 3), net_cents=100, gross_cents=100,
                      paid_cents=50, dunning_level=1)
    db.session.add(invoice)
    db.session.flush()
    db.session.add(BillingRunStep(run_id=run.id, contract_id=contract.id, invoice_id=invoice.id))
    line = InvoiceLine(invoice_id=invoice.id, position=1, kind="per_period", quantity=1, unit_cents=100,
                       amount_cents=100)
    db.session.add(line)
    db.session.flush()
    db.session.add(Charge(invoice_id=invoice.id, line_id=line.id, contract_id=contract.id, kind="period",
                          key=f"p:{contract.id}:1999-01", on=date(1999, 1, 1), amount_cents=100))
    db.session.add(Payment(invoice_id=invoice.id, on=date(1999, 2, 10), amount_cents=50))
    stored = storage.store(tenant_id, "invoices", b"%PDF-1.4\n%walls\n", "pdf")
    db.session.add(InvoiceDocument(invoice_id=invoice.id, kind="pdf", status="done", path=stored.path,
                                   sha256=stored.sha256, size=stored.size))
    db.session.add(DunningNotice(invoice_id=invoice.id, level=1, sent_to="rechnung@example.org"))
    db.session.add(InvoiceSending(invoice_id=invoice.id, sent_to="rechnung@example.org",
                                  files=[{"name": "rechnung.pdf", "sha256": stored.sha256, "size": stored.size}]))


def test_every_policy_is_exactly_the_tenant_comparison(runtime_engine):
    """Is each tenant table's policy exactly `tenant_id = app.tenant_id` for reading and writing (an added
    `OR true` or a changed column fails here), and does every tenant table have one?"""
    with runtime_engine.connect() as conn:
        rows = conn.execute(text("SELECT tablename, qual, with_check FROM pg_policies "
                                 "WHERE schemaname = 'public'")).all()
    policies = {table: (qual, check) for table, qual, check in rows}
    assert sorted(policies) == _tenant_tables()
    wrong = {t: p for t, p in policies.items() if p != (EXPECTED_POLICY, EXPECTED_POLICY)}
    assert wrong == {}


def test_raw_sql_sees_no_row_of_another_tenant_in_any_table(runtime_engine, superuser_engine, full_tenant,
                                                            tenant_a):
    """For every tenant table: as the runtime role with tenant A set, are B's rows invisible; with no tenant
    set, is every row invisible? (B has rows in all but the listed tables, so the counts mean something.)"""
    empty, leaks = [], {}
    for table in _tenant_tables():
        with superuser_engine.connect() as conn:
            owned = conn.execute(text(f'SELECT count(*) FROM "{table}" WHERE tenant_id = :b'),
                                 {"b": full_tenant}).scalar()
        if not owned:
            empty.append(table)
        with runtime_engine.begin() as conn:
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_a.tenant_id)})
            as_a = conn.execute(text(f'SELECT count(*) FROM "{table}" WHERE tenant_id = :b'),
                                {"b": full_tenant}).scalar()
        with runtime_engine.begin() as conn:
            unset = conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
        if as_a or unset:
            leaks[table] = (as_a, unset)
    assert leaks == {}
    assert set(empty) <= ALLOWED_EMPTY, f"tables without rows of B (the test cannot bite there): {empty}"


def test_orm_wall_holds_on_postgresql_with_rls_out_of_the_way(app, superuser_engine, full_tenant, tenant_a):
    """Through a session as the superuser (row-level security does not apply to it), does the ORM wall alone
    keep B's rows out of A's queries? Without this, RLS would hide a broken ORM filter on PostgreSQL."""
    from sqlalchemy.orm import Session

    from cases.models import Client
    from core.tenancy.context import tenant_context
    from network.models import Agency

    with Session(superuser_engine) as session:
        assert session.execute(text("SELECT count(*) FROM clients WHERE tenant_id = :b"),
                               {"b": full_tenant}).scalar() > 0  # RLS is really out of the way
        theirs = session.execute(text("SELECT min(id) FROM agencies WHERE tenant_id = :b"), {"b": full_tenant})
        theirs = theirs.scalar()
        with tenant_context(tenant_a.tenant_id):
            assert session.scalars(select(Client)).all() == []
            assert session.get(Agency, theirs) is None
        with tenant_context(full_tenant):
            assert len(session.scalars(select(Client)).all()) > 0


def test_storage_refuses_another_tenants_prefix_and_escapes(app_ctx, tenant_a, tenant_b):
    from core import storage

    mine = storage.store(tenant_a.tenant_id, "contracts", b"A", "pdf")
    theirs = storage.store(tenant_b.tenant_id, "contracts", b"B", "pdf")
    assert storage.read(mine.path, tenant_a.tenant_id) == b"A"
    for path in (theirs.path, f"{tenant_a.tenant_id}/../{theirs.path}", f"{tenant_a.tenant_id}/../../etc/passwd",
                 "/etc/passwd", f"{tenant_a.tenant_id}2/contracts/x.pdf"):
        with pytest.raises(ValueError):
            storage.read(path, tenant_a.tenant_id)
