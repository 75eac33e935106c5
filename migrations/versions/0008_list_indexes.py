"""Indexes in the order the lists read: the case list, a case's service log and its timeline, tenant first.

Revision ID: 0008_list_indexes
Revises: 0007_session_versions
"""
from alembic import op

revision = "0008_list_indexes"
down_revision = "0007_session_versions"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_cases_tenant_opened": ("cases", ["tenant_id", "opened_on", "id"]),
    "ix_service_entries_tenant_case_on": ("service_entries", ["tenant_id", "case_id", "on", "id"]),
    "ix_case_events_tenant_case_at": ("case_events", ["tenant_id", "case_id", "at", "id"]),
}


def upgrade():
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade():
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
