"""Helpers for migration scripts: the database wall (row-level security) and the runtime role's grants.

Every migration that creates a tenant-owned table calls `protect_tenant_table(name)`; a test checks that no table
with a `tenant_id` column is left without its policy. On SQLite all of this is a no-op (the ORM wall remains).
"""
from alembic import context, op
from sqlalchemy.engine import make_url

# Unset or empty setting -> NULL -> matches no row (fail closed).
TENANT_EXPR = "NULLIF(current_setting('app.tenant_id', true), '')::integer"


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def runtime_role() -> str | None:
    """The runtime role (user of DATABASE_URL), if it differs from the role running the migration."""
    runtime_url = context.config.attributes.get("runtime_url")
    if not runtime_url:
        return None
    runtime_user = make_url(runtime_url).username
    owner_user = op.get_bind().exec_driver_sql("SELECT current_user").scalar()
    if not runtime_user or runtime_user == owner_user:
        return None
    return runtime_user


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_runtime(table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    if not _is_postgres():
        return
    role = runtime_role()
    if role is None:
        return
    op.execute(f"GRANT {privileges} ON TABLE {_quote(table)} TO {_quote(role)}")
    # identity/serial columns: the runtime role needs the sequence to insert
    op.execute(
        f"""DO $$ DECLARE s text; BEGIN
            FOR s IN SELECT pg_get_serial_sequence('{table}', a.attname) FROM pg_attribute a
                     WHERE a.attrelid = '{table}'::regclass AND a.attnum > 0 AND NOT a.attisdropped
                       AND pg_get_serial_sequence('{table}', a.attname) IS NOT NULL
            LOOP EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO %I', s, '{role}'); END LOOP; END $$"""
    )


def protect_tenant_table(table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    """Enable and FORCE row-level security with the tenant policy, and grant the runtime role."""
    if not _is_postgres():
        return
    q = _quote(table)
    op.execute(f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {q} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {q} "
        f"USING (tenant_id = {TENANT_EXPR}) WITH CHECK (tenant_id = {TENANT_EXPR})"
    )
    grant_runtime(table, privileges)


def unprotect_tenant_table(table: str) -> None:
    if not _is_postgres():
        return
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {_quote(table)}")
