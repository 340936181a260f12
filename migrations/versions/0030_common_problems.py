"""common problems: problems per work category grouped from required changes, expert findings, failed checklist
items and hazards, their occurrences (one per statement, held unique), the sources grouped, the full runs

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

CITIES = ('nanjing', 'wuxi', 'xuzhou', 'changzhou', 'suzhou', 'nantong', 'lianyungang', 'huaian', 'yancheng',
          'yangzhou', 'zhenjiang', 'taizhou', 'suqian')
OCCURRENCE_SOURCES = ('change', 'finding', 'failed_item', 'hazard')
SOURCE_KINDS = ('review', 'inspection', 'hazard')


def upgrade() -> None:
    op.create_table('common_problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('section', sa.Integer(), nullable=False),
    sa.Column('section_votes', sa.JSON(), nullable=False),
    sa.Column('term_counts', sa.JSON(), nullable=False),
    sa.Column('wordings', sa.Integer(), nullable=False),
    sa.Column('key_terms', sa.JSON(), nullable=False),
    sa.Column('review_count', sa.Integer(), nullable=False),
    sa.Column('site_count', sa.Integer(), nullable=False),
    sa.Column('occurrence_count', sa.Integer(), nullable=False),
    sa.Column('sub_type_reviews', sa.JSON(), nullable=False),
    sa.Column('first_on', sa.Date(), nullable=True),
    sa.Column('last_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('section BETWEEN 1 AND 9', name=op.f('ck_common_problem_section_in_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_common_problem'))
    )
    op.create_index('ix_common_problem_category_reviews', 'common_problem', ['category', 'review_count'], unique=False)
    op.create_table('problem_occurrence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum(*OCCURRENCE_SOURCES, name='source', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('hazard_id', sa.Integer(), nullable=True),
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('sub_type', sa.String(length=48), nullable=False),
    sa.Column('city', sa.Enum(*CITIES, name='city', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('wording_key', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['problem_id'], ['common_problem.id'], name=op.f('fk_problem_occurrence_problem_id_common_problem'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_problem_occurrence_review_id_review')),
    sa.ForeignKeyConstraint(['inspection_id'], ['site_inspection.id'], name=op.f('fk_problem_occurrence_inspection_id_site_inspection')),
    sa.ForeignKeyConstraint(['hazard_id'], ['site_hazard.id'], name=op.f('fk_problem_occurrence_hazard_id_site_hazard')),
    sa.ForeignKeyConstraint(['work_id'], ['work.id'], name=op.f('fk_problem_occurrence_work_id_work')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_occurrence')),
    sa.UniqueConstraint('source', 'source_id', 'part', name=op.f('uq_problem_occurrence_source_source_id_part'))
    )
    op.create_index('ix_problem_occurrence_problem_on', 'problem_occurrence', ['problem_id', 'on'], unique=False)
    op.create_index('ix_problem_occurrence_category_city', 'problem_occurrence', ['category', 'city', 'on'], unique=False)
    op.create_index('ix_problem_occurrence_wording', 'problem_occurrence', ['category', 'wording_key'], unique=False)
    op.create_index(op.f('ix_problem_occurrence_review_id'), 'problem_occurrence', ['review_id'], unique=False)
    op.create_table('precedent_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*SOURCE_KINDS, name='kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('grouped_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_precedent_source')),
    sa.UniqueConstraint('kind', 'source_id', name=op.f('uq_precedent_source_kind_source_id'))
    )
    op.create_index('ix_precedent_source_category', 'precedent_source', ['kind', 'category'], unique=False)
    op.create_table('precedent_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['started_by'], ['account.id'], name=op.f('fk_precedent_run_started_by_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_precedent_run'))
    )


def downgrade() -> None:
    op.drop_table('precedent_run')
    op.drop_index('ix_precedent_source_category', table_name='precedent_source')
    op.drop_table('precedent_source')
    op.drop_index(op.f('ix_problem_occurrence_review_id'), table_name='problem_occurrence')
    op.drop_index('ix_problem_occurrence_wording', table_name='problem_occurrence')
    op.drop_index('ix_problem_occurrence_category_city', table_name='problem_occurrence')
    op.drop_index('ix_problem_occurrence_problem_on', table_name='problem_occurrence')
    op.drop_table('problem_occurrence')
    op.drop_table('common_problem')
