"""audit_log: an index on (action, id), so the last row of one action is one index step

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 17:00:00

The caches of the pool snapshot and the conflict graph are keyed by the last audited change of a few actions,
read before every draw; without this index each read walked back through the log.
"""
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_log_action', 'audit_log', ['action', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_audit_log_action', table_name='audit_log')
