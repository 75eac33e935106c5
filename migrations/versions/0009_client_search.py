"""Client name search that an index serves: a folded `search_text` (case, accents, umlaut spellings) with a
trigram index on PostgreSQL (pg_trgm, a trusted extension the database owner may create).

Revision ID: 0009_client_search
Revises: 0008_list_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_client_search"
down_revision = "0008_list_indexes"
branch_labels = None
depends_on = None


def upgrade():
    from cases.models import client_search_text

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    with op.batch_alter_table("clients") as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.String(length=500), server_default="", nullable=False))
    # existing clients, tenant by tenant (row-level security binds the owner too)
    for (tenant_id,) in bind.execute(sa.text("SELECT id FROM tenants")).all():
        if postgres:
            bind.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
        rows = bind.execute(sa.text("SELECT id, first_name, last_name, pseudonym FROM clients WHERE tenant_id = :t"),
                            {"t": tenant_id}).all()
        for row in rows:
            bind.execute(sa.text("UPDATE clients SET search_text = :s WHERE id = :id"),
                         {"s": client_search_text(row.first_name, row.last_name, row.pseudonym), "id": row.id})
    trigrams = False
    if postgres:
        bind.execute(sa.text("SELECT set_config('app.tenant_id', '', true)"))
        trigrams = bool(bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"))
                        .scalar())
        if trigrams:
            try:
                with bind.begin_nested():  # a server without the contrib modules, or a role that may not
                    bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            except sa.exc.DBAPIError:
                trigrams = False
    if trigrams:
        op.create_index("ix_clients_search_trgm", "clients", ["search_text"], postgresql_using="gin",
                        postgresql_ops={"search_text": "gin_trgm_ops"})
    else:  # the search still works, by a scan of the tenant's clients
        op.create_index("ix_clients_search_trgm", "clients", ["search_text"])


def downgrade():
    op.drop_index("ix_clients_search_trgm", table_name="clients")
    with op.batch_alter_table("clients") as batch_op:
        batch_op.drop_column("search_text")
