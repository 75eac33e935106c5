"""The second wall: PostgreSQL row-level security, checked from the catalogue and with raw SQL."""
import pytest
from sqlalchemy import text

pytestmark = pytest.mark.postgres


def test_runtime_role_is_not_superuser_owner_or_bypassrls(runtime_engine):
    """Does the application connect as a role that cannot escape row-level security?"""
    with runtime_engine.connect() as conn:
        role = conn.execute(text(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        owned = conn.execute(text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user")).scalar()
        db_owner = conn.execute(text(
            "SELECT pg_get_userbyid(datdba) = current_user FROM pg_database "
            "WHERE datname = current_database()")).scalar()
    assert role.rolsuper is False
    assert role.rolbypassrls is False
    assert owned == 0
    assert db_owner is False


def test_every_tenant_table_has_forced_rls_and_a_policy(runtime_engine):
    """Is there any table with a tenant_id column that lacks enabled+forced RLS or a policy?"""
    with runtime_engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')""")).all()
    assert len(rows) >= 5
    unprotected = [r[0] for r in rows if not (r[1] and r[2] and r[3] > 0)]
    assert unprotected == []


def test_policies_compare_tenant_id_with_the_transaction_setting(runtime_engine):
    """Does every policy filter on app.tenant_id (and not, say, on true)?"""
    with runtime_engine.connect() as conn:
        rows = conn.execute(text("SELECT tablename, qual, with_check FROM pg_policies WHERE schemaname='public'")).all()
    assert rows
    for table, qual, with_check in rows:
        assert "app.tenant_id" in qual and "tenant_id" in qual, table
        assert with_check and "app.tenant_id" in with_check, table


def _agency_count(conn):
    return conn.execute(text("SELECT count(*) FROM agencies")).scalar()


@pytest.fixture
def two_agencies(app, tenant_a, tenant_b):
    from core.audit import Actor
    from core.extensions import db
    from network.services import create_agency

    with app.app_context():
        for fx in (tenant_a, tenant_b):
            with fx.context():
                create_agency({"name": f"Jobcenter {fx.slug}"}, Actor.system("test"))
        db.session.commit()


def test_raw_sql_under_tenant_a_sees_none_of_tenant_b(runtime_engine, tenant_a, tenant_b, two_agencies):
    """With app.tenant_id = A, does raw SQL (no ORM wall) see B's rows?"""
    with runtime_engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_a.tenant_id)})
        names = conn.execute(text("SELECT name FROM agencies")).scalars().all()
        tenants = set(conn.execute(text("SELECT DISTINCT tenant_id FROM memberships")).scalars())
    assert names == ["Jobcenter alpha"]
    assert tenants == {tenant_a.tenant_id}


def test_raw_sql_cannot_insert_or_move_rows_into_tenant_b(runtime_engine, tenant_a, tenant_b, two_agencies):
    """Can a connection running as A insert a row for B, or move its own row to B?"""
    from sqlalchemy.exc import ProgrammingError

    with runtime_engine.connect() as conn:
        with pytest.raises(ProgrammingError, match="row-level security"):
            with conn.begin():
                conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_a.tenant_id)})
                conn.execute(text("INSERT INTO agencies (tenant_id, name, kind, leitweg_id, email, address, contact, "
                                  "created_at, updated_at) "
                                  "VALUES (:b, 'planted', 'other', '', '', '', '', now(), now())"),
                             {"b": tenant_b.tenant_id})
        with pytest.raises(ProgrammingError, match="row-level security"):
            with conn.begin():
                conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_a.tenant_id)})
                conn.execute(text("UPDATE agencies SET tenant_id = :b"), {"b": tenant_b.tenant_id})


def test_without_a_setting_no_rows_are_visible(runtime_engine, tenant_a, tenant_b, two_agencies):
    """With app.tenant_id unset (or empty after a transaction), does the runtime role see any tenant row?"""
    with runtime_engine.begin() as conn:
        assert _agency_count(conn) == 0
        assert conn.execute(text("SELECT count(*) FROM memberships")).scalar() == 0
    with runtime_engine.begin() as conn:  # a setting is transaction-local: gone in the next transaction
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_a.tenant_id)})
        assert _agency_count(conn) == 1
    with runtime_engine.begin() as conn:
        assert _agency_count(conn) == 0


def test_runtime_role_cannot_rewrite_the_audit_log(runtime_engine, tenant_a, two_agencies):
    """Is the audit log append-only for the application, even within its own tenant?"""
    from sqlalchemy.exc import ProgrammingError

    with runtime_engine.connect() as conn:
        for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(ProgrammingError, match="permission denied"):
                with conn.begin():
                    conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_a.tenant_id)})
                    conn.execute(text(statement))
