"""one panel per work and review round: a partial unique index on the root draws

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 07:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    # A round drawn twice before this index cannot be mended automatically (draws are signed records that are
    # never edited): the upgrade stops and names such rounds for the office to settle.
    bind = op.get_bind()
    doubles = bind.execute(sa.text(
        "SELECT work_id, plan_version_id, COUNT(*) FROM draw WHERE top_up_of IS NULL "
        "GROUP BY work_id, plan_version_id HAVING COUNT(*) > 1")).all()
    if doubles:
        raise RuntimeError(f"works drawn twice for one round (work, plan version, draws): {doubles}")
    op.create_index('uq_draw_one_per_round', 'draw', ['work_id', 'plan_version_id'], unique=True,
                    sqlite_where=sa.text('top_up_of IS NULL'), postgresql_where=sa.text('top_up_of IS NULL'))


def downgrade():
    op.drop_index('uq_draw_one_per_round', table_name='draw',
                  sqlite_where=sa.text('top_up_of IS NULL'), postgresql_where=sa.text('top_up_of IS NULL'))
