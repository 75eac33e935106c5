"""Sendings of invoices: each e-mail to the agency with its files' names, SHA-256 and sizes; behind the tenant
wall.

Revision ID: 0012_invoice_sendings
Revises: 0011_billing
"""
import sqlalchemy as sa
from alembic import op

from core.migration_helpers import protect_tenant_table, unprotect_tenant_table

# revision identifiers, used by Alembic.
revision = '0012_invoice_sendings'
down_revision = '0011_billing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoice_sendings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_to', sa.String(length=254), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'invoice_id'], ['invoices.tenant_id', 'invoices.id'], name=op.f('fk_invoice_sendings_tenant_id_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_invoice_sendings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_sendings')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_invoice_sendings_tenant_id_id'))
    )
    with op.batch_alter_table('invoice_sendings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_sendings_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_sendings_tenant_id'), ['tenant_id'], unique=False)
    protect_tenant_table('invoice_sendings')


def downgrade():
    unprotect_tenant_table('invoice_sendings')
    with op.batch_alter_table('invoice_sendings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_sendings_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_sendings_invoice_id'))
    op.drop_table('invoice_sendings')
