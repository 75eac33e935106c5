"""Funding approvals ended early: the last day funded and the reason, on the approval (never a deletion).

The check that the end lies inside the approval's range is added on PostgreSQL; SQLite would have to rebuild
the table for it (and its DROP would cascade to the approved hours), so there the service's check stands alone.

Revision ID: 0016_approval_end
Revises: 0014_tenant_lifecycle
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_approval_end"
# meant to follow 0015_read_paths, which did not exist when this was written: if it comes, chain it in between
down_revision = "0014_tenant_lifecycle"
branch_labels = None
depends_on = None

CHECK = "ended_on IS NULL OR (ended_on >= from_on AND ended_on <= to_on)"


def upgrade():
    with op.batch_alter_table("enrolments") as batch_op:
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=500), server_default="", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.create_check_constraint(op.f("ck_enrolments_ended"), "enrolments", CHECK)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_enrolments_ended"), "enrolments", type_="check")
    with op.batch_alter_table("enrolments") as batch_op:
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ended_on")
