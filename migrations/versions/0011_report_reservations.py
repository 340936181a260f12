"""report dissent: signatures with a reservation, refusals with a reason and their answer

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 06:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# An answered refusal is frozen like the signed rows of 0006 (expert_pool/reviews/models.py, FROZEN).
REFUSAL = ("review_refusal", "OLD.answered_at IS NOT NULL")


def _guards(dialect, table, condition):
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table} WHEN {condition} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is signed and cannot change'); END",
            f"CREATE TRIGGER {table}_frozen_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is signed and cannot change'); END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_frozen() RETURNS trigger AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' OR ({condition}) THEN RAISE EXCEPTION '{table} is signed and cannot change'; "
            f"END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_frozen()",
        ]
    return []


def upgrade():
    # A plain ADD COLUMN (no batch copy of the table), so the frozen triggers of 0006 on review_signature stay;
    # existing signatures carry no reservation.
    op.add_column('review_signature', sa.Column('reservation', sa.String(length=500), server_default='', nullable=False))
    op.create_table('review_refusal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('refused_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.String(length=500), nullable=False),
    sa.CheckConstraint('(answered_at IS NULL) = (answered_by IS NULL)', name=op.f('ck_review_refusal_answer_complete')),
    sa.ForeignKeyConstraint(['answered_by'], ['account.id'], name=op.f('fk_review_refusal_answered_by_account')),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_review_refusal_expert_id_expert')),
    sa.ForeignKeyConstraint(['report_id'], ['review_report.id'], name=op.f('fk_review_refusal_report_id_review_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_refusal')),
    sa.UniqueConstraint('report_id', 'expert_id', name=op.f('uq_review_refusal_report_id_expert_id'))
    )
    with op.batch_alter_table('review_refusal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_refusal_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_refusal_report_id'), ['report_id'], unique=False)
    for stmt in _guards(op.get_bind().dialect.name, *REFUSAL):
        op.execute(stmt)


def downgrade():
    # Dropping the table drops its triggers; the PostgreSQL trigger function goes separately.
    with op.batch_alter_table('review_refusal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_refusal_report_id'))
        batch_op.drop_index(batch_op.f('ix_review_refusal_expert_id'))
    op.drop_table('review_refusal')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS review_refusal_frozen()")
    # A plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch copy would lose the frozen triggers.
    op.drop_column('review_signature', 'reservation')
