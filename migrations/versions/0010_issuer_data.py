"""The tenant's issuer data for invoices: association register entry, contact person, phone and payment terms.

Revision ID: 0010_issuer_data
Revises: 0009_client_search
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_issuer_data"
down_revision = "0009_client_search"
branch_labels = None
depends_on = None


def upgrade():
    # tenants is the platform's own table (no tenant_id, no row-level security)
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.add_column(sa.Column("register_number", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("contact_name", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("phone", sa.String(length=40), server_default="", nullable=False))
        batch_op.add_column(sa.Column("payment_days", sa.Integer(), server_default="30", nullable=False))


def downgrade():
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.drop_column("payment_days")
        batch_op.drop_column("phone")
        batch_op.drop_column("contact_name")
        batch_op.drop_column("register_number")
