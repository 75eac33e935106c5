"""Each tenant has its own clock: the time zone in which "today" is meant (Europe/Berlin by default).

Revision ID: 0005_tenant_timezone
Revises: 0004_merge
"""

revision = "0005_tenant_timezone"
down_revision = "0004_merge"
branch_labels = None
depends_on = None


import sqlalchemy as sa
from alembic import op


def upgrade():
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), server_default="Europe/Berlin",
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.drop_column("timezone")
