"""panel sittings: who sat on which concluded panel, owned by the conflicts package

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 17:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('panel_sitting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('conclusion', sa.String(length=32), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_panel_sitting_expert_id_expert')),
    sa.ForeignKeyConstraint(['report_id'], ['review_report.id'], name=op.f('fk_panel_sitting_report_id_review_report')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_panel_sitting_review_id_review')),
    sa.ForeignKeyConstraint(['work_id'], ['work.id'], name=op.f('fk_panel_sitting_work_id_work')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_sitting')),
    sa.UniqueConstraint('report_id', 'expert_id', name=op.f('uq_panel_sitting_report_id_expert_id'))
    )
    with op.batch_alter_table('panel_sitting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_sitting_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_sitting_work_id'), ['work_id'], unique=False)
    # The signatures under every final report so far, as the reviews package records them from now on.
    op.execute(
        "INSERT INTO panel_sitting (expert_id, work_id, review_id, report_id, conclusion, held_on) "
        "SELECT s.expert_id, r.work_id, r.id, rr.id, rr.conclusion, r.held_on "
        "FROM review_signature s JOIN review_report rr ON rr.id = s.report_id JOIN review r ON r.id = rr.review_id "
        "WHERE rr.finalised_at IS NOT NULL AND r.held_on IS NOT NULL ORDER BY rr.id, s.expert_id"
    )


def downgrade():
    with op.batch_alter_table('panel_sitting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_sitting_work_id'))
        batch_op.drop_index(batch_op.f('ix_panel_sitting_expert_id'))

    op.drop_table('panel_sitting')
