"""The runtime role may read `alembic_version`: `/readyz` compares it with the code's migration heads.

Revision ID: 0013_readiness_grant
Revises: 0012_invoice_sendings
"""
from core.migration_helpers import grant_runtime

# revision identifiers, used by Alembic.
revision = '0013_readiness_grant'
down_revision = '0012_invoice_sendings'
branch_labels = None
depends_on = None


def upgrade():
    grant_runtime("alembic_version", "SELECT")


def downgrade():
    from alembic import op

    from core.migration_helpers import _is_postgres, _quote, runtime_role

    role = runtime_role()
    if _is_postgres() and role:
        op.execute(f"REVOKE SELECT ON TABLE alembic_version FROM {_quote(role)}")
