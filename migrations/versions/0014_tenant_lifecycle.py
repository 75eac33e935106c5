"""Tenant lifecycle: plan and Stripe subscription, status reason and closing date, second factor (TOTP and
recovery codes), e-mail verification, handled Stripe events, accepted terms and data-processing agreements.

Revision ID: 0014_tenant_lifecycle
Revises: 0013_readiness_grant
"""
import sqlalchemy as sa
from alembic import op

from core.migration_helpers import grant_runtime, protect_tenant_table, unprotect_tenant_table

# revision identifiers, used by Alembic.
revision = '0014_tenant_lifecycle'
down_revision = '0013_readiness_grant'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('kept_after_purge', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('plan', sa.String(length=20), server_default='free', nullable=False))
        batch_op.add_column(sa.Column('subscription_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('stripe_customer_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('stripe_subscription_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('trial_ends_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('current_period_end', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('past_due_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('subscription_event_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspended_by', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('require_second_factor', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_tenants_stripe_customer_id'), ['stripe_customer_id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_secret_encrypted', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
    # every account made before sign-up existed came through the command line or an invitation: verified
    op.execute("UPDATE users SET email_verified_at = created_at")

    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)
    grant_runtime('recovery_codes')

    op.create_table('stripe_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('customer', sa.String(length=255), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events'))
    )
    grant_runtime('stripe_events', 'SELECT, INSERT')

    op.create_table('acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document', sa.String(length=20), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('accepted_by', sa.String(length=254), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_acceptances_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_acceptances_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acceptances')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_acceptances_tenant_id_id'))
    )
    with op.batch_alter_table('acceptances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acceptances_tenant_id'), ['tenant_id'], unique=False)
    protect_tenant_table('acceptances', 'SELECT, INSERT, DELETE')


def downgrade():
    unprotect_tenant_table('acceptances')
    with op.batch_alter_table('acceptances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acceptances_tenant_id'))
    op.drop_table('acceptances')
    op.drop_table('stripe_events')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret_encrypted')
        batch_op.drop_column('email_verified_at')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_tenants_stripe_customer_id'), type_='unique')
        for column in ('require_second_factor', 'suspended_by', 'subscription_event_at', 'past_due_since',
                       'current_period_end', 'trial_ends_at',
                       'stripe_subscription_id', 'stripe_customer_id', 'subscription_status', 'plan',
                       'kept_after_purge', 'purged_at', 'closes_at', 'status_changed_at', 'status_reason'):
            batch_op.drop_column(column)
