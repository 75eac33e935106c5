"""Join the cases and contracts branches of the history; enrolments now reference cases (same tenant).

Revision ID: 0004_merge
Revises: 0002_cases, 0003_contracts
"""

revision = "0004_merge"
down_revision = ("0002_cases", "0003_contracts")
branch_labels = None
depends_on = None


from alembic import op


def upgrade():
    with op.batch_alter_table("enrolments") as batch_op:
        batch_op.create_foreign_key(
            "fk_enrolments_tenant_id_case_id_cases", "cases", ["tenant_id", "case_id"], ["tenant_id", "id"])


def downgrade():
    with op.batch_alter_table("enrolments") as batch_op:
        batch_op.drop_constraint("fk_enrolments_tenant_id_case_id_cases", type_="foreignkey")
