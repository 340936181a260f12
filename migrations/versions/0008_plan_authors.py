"""plan authors: compilers, checkers and approvers of each plan version (DOMAIN 5, rule 4)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 06:40:00

Existing versions get no authors: nothing in them names who wrote them, and the page says so.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_author',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('compiler', 'checker', 'approver', name='kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('unit_credit_code', sa.String(length=18), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=True),
    sa.Column('id_masked', sa.String(length=18), nullable=False),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_version.id'], name=op.f('fk_plan_author_plan_version_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_author')),
    sa.UniqueConstraint('plan_version_id', 'kind', 'id_hash', name=op.f('uq_plan_author_plan_version_id_kind_id_hash'))
    )
    with op.batch_alter_table('plan_author', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_author_id_hash'), ['id_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_author_plan_version_id'), ['plan_version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_author', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_author_plan_version_id'))
        batch_op.drop_index(batch_op.f('ix_plan_author_id_hash'))

    op.drop_table('plan_author')
