"""Finding 11: walls that bite. Each test here fails when its wall is broken (the closing note of the security
issue names the mutations that were tried): row-level security on every tenant table, the ORM wall on
PostgreSQL with RLS out of the way, and the tenant prefix of the file storage."""
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
def full_tenant(app, tenant_a):
    """The demo alliance plus what it does not hold (an invitation, an API token, a sent reminder, a signed
    copy, the retention setting): a row in every tenant table. Returns its id."""
    from datetime import date

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
            db.session.flush()
        db.session.commit()
        return demo.id


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
