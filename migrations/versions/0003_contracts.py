"""contracts: templates, contracts, rate lines, partners, steps, documents, reminders, enrolments

Revision ID: 0003_contracts
Revises: 0001
Create Date: 2026-11-26 12:12:02.410242

"""
from alembic import op
import sqlalchemy as sa

from core.migration_helpers import protect_tenant_table, unprotect_tenant_table


# revision identifiers, used by Alembic.
revision = '0003_contracts'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contract_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('storage_path', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contract_templates_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_templates')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_contract_templates_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'name', 'version', name=op.f('uq_contract_templates_tenant_id_name_version'))
    )
    with op.batch_alter_table('contract_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_templates_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('legal_basis', sa.String(length=30), nullable=False),
    sa.Column('route', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('quality', sa.Text(), nullable=False),
    sa.Column('efficiency_review', sa.Text(), nullable=False),
    sa.Column('efficiency_indicators', sa.Text(), nullable=False),
    sa.Column('review_interval_months', sa.Integer(), nullable=True),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.Column('notification_duties', sa.Text(), nullable=False),
    sa.Column('termination', sa.Text(), nullable=False),
    sa.Column('notice_period_months', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('billing_cycle', sa.String(length=10), nullable=False),
    sa.Column('prorate_days', sa.Boolean(), nullable=False),
    sa.Column('budget_cents', sa.BigInteger(), nullable=True),
    sa.Column('vat', sa.String(length=10), nullable=False),
    sa.Column('vat_exempt_reason', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('end_reason', sa.String(length=20), nullable=False),
    sa.Column('drafted_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('budget_cents IS NULL OR budget_cents >= 0', name=op.f('ck_contracts_budget_not_negative')),
    sa.CheckConstraint('valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from', name=op.f('ck_contracts_valid_range')),
    sa.ForeignKeyConstraint(['tenant_id', 'agency_id'], ['agencies.tenant_id', 'agencies.id'], name=op.f('fk_contracts_tenant_id_agency_id_agencies')),
    sa.ForeignKeyConstraint(['tenant_id', 'amends_id'], ['contracts.tenant_id', 'contracts.id'], name=op.f('fk_contracts_tenant_id_amends_id_contracts')),
    sa.ForeignKeyConstraint(['tenant_id', 'template_id'], ['contract_templates.tenant_id', 'contract_templates.id'], name=op.f('fk_contracts_tenant_id_template_id_contract_templates')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contracts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_contracts_tenant_id_id'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('contract_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('docx_path', sa.String(length=500), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_path', sa.String(length=500), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('pdf_status', sa.String(length=10), nullable=False),
    sa.Column('pdf_error', sa.Text(), nullable=False),
    sa.Column('signed_by_provider_on', sa.Date(), nullable=True),
    sa.Column('signed_by_agency_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'contract_id'], ['contracts.tenant_id', 'contracts.id'], name=op.f('fk_contract_documents_tenant_id_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'template_id'], ['contract_templates.tenant_id', 'contract_templates.id'], name=op.f('fk_contract_documents_tenant_id_template_id_contract_templates')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contract_documents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_documents')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_contract_documents_tenant_id_id'))
    )
    with op.batch_alter_table('contract_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_documents_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_documents_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('contract_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'contract_id'], ['contracts.tenant_id', 'contracts.id'], name=op.f('fk_contract_partners_tenant_id_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'partner_id'], ['partners.tenant_id', 'partners.id'], name=op.f('fk_contract_partners_tenant_id_partner_id_partners')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contract_partners_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_partners')),
    sa.UniqueConstraint('tenant_id', 'contract_id', 'partner_id', name=op.f('uq_contract_partners_tenant_id_contract_id_partner_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_contract_partners_tenant_id_id'))
    )
    with op.batch_alter_table('contract_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_partners_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_partners_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_partners_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('contract_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'contract_id'], ['contracts.tenant_id', 'contracts.id'], name=op.f('fk_contract_reminders_tenant_id_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contract_reminders_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_reminders')),
    sa.UniqueConstraint('tenant_id', 'contract_id', 'event', 'due_on', name=op.f('uq_contract_reminders_tenant_id_contract_id_event_due_on')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_contract_reminders_tenant_id_id'))
    )
    with op.batch_alter_table('contract_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_reminders_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('contract_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_label', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'contract_id'], ['contracts.tenant_id', 'contracts.id'], name=op.f('fk_contract_steps_tenant_id_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contract_steps_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_steps')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_contract_steps_tenant_id_id'))
    )
    with op.batch_alter_table('contract_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_steps_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_steps_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('rate_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('service_area_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_rate_lines_amount_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'contract_id'], ['contracts.tenant_id', 'contracts.id'], name=op.f('fk_rate_lines_tenant_id_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_area_id'], ['service_areas.tenant_id', 'service_areas.id'], name=op.f('fk_rate_lines_tenant_id_service_area_id_service_areas')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_rate_lines_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_lines')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_rate_lines_tenant_id_id'))
    )
    with op.batch_alter_table('rate_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_lines_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rate_lines_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('from_on', sa.Date(), nullable=False),
    sa.Column('to_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('to_on >= from_on', name=op.f('ck_enrolments_range')),
    sa.ForeignKeyConstraint(['tenant_id', 'contract_id'], ['contracts.tenant_id', 'contracts.id'], name=op.f('fk_enrolments_tenant_id_contract_id_contracts')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_enrolments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_enrolments_tenant_id_id'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('approved_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('service_area_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_approved_hours_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'enrolment_id'], ['enrolments.tenant_id', 'enrolments.id'], name=op.f('fk_approved_hours_tenant_id_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_area_id'], ['service_areas.tenant_id', 'service_areas.id'], name=op.f('fk_approved_hours_tenant_id_service_area_id_service_areas')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_approved_hours_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approved_hours')),
    sa.UniqueConstraint('tenant_id', 'enrolment_id', 'service_area_id', name=op.f('uq_approved_hours_tenant_id_enrolment_id_service_area_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_approved_hours_tenant_id_id'))
    )
    with op.batch_alter_table('approved_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approved_hours_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approved_hours_tenant_id'), ['tenant_id'], unique=False)

    for table in ('contract_templates', 'contracts', 'contract_documents', 'contract_partners', 'contract_reminders', 'contract_steps', 'rate_lines', 'enrolments', 'approved_hours'):
        protect_tenant_table(table)


def downgrade():
    for table in ('contract_templates', 'contracts', 'contract_documents', 'contract_partners', 'contract_reminders', 'contract_steps', 'rate_lines', 'enrolments', 'approved_hours'):
        unprotect_tenant_table(table)
    with op.batch_alter_table('approved_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approved_hours_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_approved_hours_enrolment_id'))

    op.drop_table('approved_hours')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolments_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_contract_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_case_id'))

    op.drop_table('enrolments')
    with op.batch_alter_table('rate_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_lines_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_rate_lines_contract_id'))

    op.drop_table('rate_lines')
    with op.batch_alter_table('contract_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_steps_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_contract_steps_contract_id'))

    op.drop_table('contract_steps')
    with op.batch_alter_table('contract_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_reminders_tenant_id'))

    op.drop_table('contract_reminders')
    with op.batch_alter_table('contract_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_partners_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_contract_partners_partner_id'))
        batch_op.drop_index(batch_op.f('ix_contract_partners_contract_id'))

    op.drop_table('contract_partners')
    with op.batch_alter_table('contract_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_documents_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_contract_documents_contract_id'))

    op.drop_table('contract_documents')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_status'))
        batch_op.drop_index(batch_op.f('ix_contracts_agency_id'))

    op.drop_table('contracts')
    with op.batch_alter_table('contract_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_templates_tenant_id'))

    op.drop_table('contract_templates')
