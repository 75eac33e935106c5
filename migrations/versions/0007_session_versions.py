"""Sessions that end: a per-user session version that sessions and API tokens carry.

Revision ID: 0007_session_versions
Revises: 0006_invitations
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_session_versions"
down_revision = "0006_invitations"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("users", "api_tokens"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    for table in ("api_tokens", "users"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("session_version")
