"""draw failures: draws (first or top-up) refused for lack of eligible experts, kept for the regulators' dashboard

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

CITIES = ('nanjing', 'wuxi', 'xuzhou', 'changzhou', 'suzhou', 'nantong', 'lianyungang', 'huaian', 'yancheng',
          'yangzhou', 'zhenjiang', 'taizhou', 'suqian')
KINDS = ('draw', 'top_up')


def upgrade() -> None:
    op.create_table('draw_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('city', sa.Enum(*CITIES, name='city', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('seats_requested', sa.Integer(), nullable=False),
    sa.Column('alternates_requested', sa.Integer(), nullable=False),
    sa.Column('eligible', sa.Integer(), nullable=False),
    sa.Column('constraint', sa.String(length=32), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('seats_requested > 0 AND alternates_requested >= 0 AND eligible >= 0', name=op.f('ck_draw_failure_counts_in_range')),
    sa.ForeignKeyConstraint(['work_id'], ['work.id'], name=op.f('fk_draw_failure_work_id_work')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_draw_failure_account_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draw_failure'))
    )
    op.create_index('ix_draw_failure_occurred_at_city', 'draw_failure', ['occurred_at', 'city'], unique=False)
    op.create_index(op.f('ix_draw_failure_work_id'), 'draw_failure', ['work_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_draw_failure_work_id'), table_name='draw_failure')
    op.drop_index('ix_draw_failure_occurred_at_city', table_name='draw_failure')
    op.drop_table('draw_failure')
