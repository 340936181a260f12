"""credit appeals filed by experts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 06:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credit_appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['account.id'], name=op.f('fk_credit_appeal_decided_by_account')),
    sa.ForeignKeyConstraint(['event_id'], ['credit_event.id'], name=op.f('fk_credit_appeal_event_id_credit_event')),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_credit_appeal_expert_id_expert')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_appeal'))
    )
    with op.batch_alter_table('credit_appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_appeal_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_appeal_expert_id'), ['expert_id'], unique=False)


def downgrade():
    with op.batch_alter_table('credit_appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_appeal_expert_id'))
        batch_op.drop_index(batch_op.f('ix_credit_appeal_event_id'))
    op.drop_table('credit_appeal')
