"""special sweeps and kept pre-checks (issue 23 item 3): a sweep may cover an explicit list of works
(site_sweep.is_listed, site_sweep_work) and be opened once per origin (site_sweep.origin_key, unique); the plan
pre-check of each work under way kept by the job (plan_precheck) with the problems it did not find
(plan_precheck_miss)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('site_sweep', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_listed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('origin_key', sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_site_sweep_origin_key'), ['origin_key'])
    op.create_table('site_sweep_work',
    sa.Column('sweep_id', sa.Integer(), nullable=False),
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sweep_id'], ['site_sweep.id'], name=op.f('fk_site_sweep_work_sweep_id_site_sweep')),
    sa.ForeignKeyConstraint(['work_id'], ['work.id'], name=op.f('fk_site_sweep_work_work_id_work')),
    sa.PrimaryKeyConstraint('sweep_id', 'work_id', name=op.f('pk_site_sweep_work'))
    )
    op.create_index(op.f('ix_site_sweep_work_work_id'), 'site_sweep_work', ['work_id'], unique=False)
    op.create_table('plan_precheck',
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('basis', sa.String(length=64), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_precheck_version_id_plan_version')),
    sa.ForeignKeyConstraint(['work_id'], ['work.id'], name=op.f('fk_plan_precheck_work_id_work')),
    sa.PrimaryKeyConstraint('work_id', name=op.f('pk_plan_precheck'))
    )
    op.create_table('plan_precheck_miss',
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['problem_id'], ['common_problem.id'], name=op.f('fk_plan_precheck_miss_problem_id_common_problem'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_id'], ['plan_precheck.work_id'], name=op.f('fk_plan_precheck_miss_work_id_plan_precheck'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('work_id', 'problem_id', name=op.f('pk_plan_precheck_miss'))
    )
    op.create_index('ix_plan_precheck_miss_problem_work', 'plan_precheck_miss', ['problem_id', 'work_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_plan_precheck_miss_problem_work', table_name='plan_precheck_miss')
    op.drop_table('plan_precheck_miss')
    op.drop_table('plan_precheck')
    op.drop_index(op.f('ix_site_sweep_work_work_id'), table_name='site_sweep_work')
    op.drop_table('site_sweep_work')
    with op.batch_alter_table('site_sweep', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_site_sweep_origin_key'), type_='unique')
        batch_op.drop_column('origin_key')
        batch_op.drop_column('is_listed')
