"""supervision reports: the periodic 安全监督报告 built by a background job, its PDF kept in the row

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 23:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

CITIES = ('nanjing', 'wuxi', 'xuzhou', 'changzhou', 'suzhou', 'nantong', 'lianyungang', 'huaian', 'yancheng',
          'yangzhou', 'zhenjiang', 'taizhou', 'suqian')
STATES = ('queued', 'running', 'done', 'failed')


def upgrade() -> None:
    op.create_table('supervision_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('city', sa.Enum(*CITIES, name='city', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum(*STATES, name='state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('done >= 0 AND done <= total', name=op.f('ck_supervision_report_progress_in_range')),
    sa.CheckConstraint("state <> 'done' OR (pdf IS NOT NULL AND sha256 <> '')", name=op.f('ck_supervision_report_done_has_pdf')),
    sa.CheckConstraint("state <> 'failed' OR error <> ''", name=op.f('ck_supervision_report_failed_has_error')),
    sa.ForeignKeyConstraint(['requested_by'], ['account.id'], name=op.f('fk_supervision_report_requested_by_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_report'))
    )
    op.create_index('ix_supervision_report_period_city', 'supervision_report', ['period', 'city'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_supervision_report_period_city', table_name='supervision_report')
    op.drop_table('supervision_report')
