"""draw chain entries: refuse UPDATE and DELETE (SQLite and PostgreSQL triggers); the daily digest carries the
report chain's head too

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 12:45:00

Nothing legitimately changes or removes a chain entry (entries are only appended; a backup restore replaces the
whole database). Digests signed before this migration keep NULL report heads and still verify.
"""
from alembic import op
import sqlalchemy as sa

from expert_pool.draws.models import CHAIN_ENTRY_DROP_GUARDS, CHAIN_ENTRY_GUARDS


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def _run(statements: dict) -> None:
    for statement in statements.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def upgrade():
    # Plain ADD COLUMN (no batch copy of the table): nullable columns, no constraint.
    op.add_column('chain_digest', sa.Column('report_head_seq', sa.Integer(), nullable=True))
    op.add_column('chain_digest', sa.Column('report_head_mac', sa.String(length=64), nullable=True))
    _run(CHAIN_ENTRY_GUARDS)


def downgrade():
    _run(CHAIN_ENTRY_DROP_GUARDS)
    with op.batch_alter_table('chain_digest', schema=None) as batch_op:
        batch_op.drop_column('report_head_mac')
        batch_op.drop_column('report_head_seq')
