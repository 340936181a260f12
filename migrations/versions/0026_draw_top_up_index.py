"""index draw.top_up_of: a meeting's draws are read on every review page, report and verification

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 21:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_draw_top_up_of", "draw", ["top_up_of"])


def downgrade() -> None:
    op.drop_index("ix_draw_top_up_of", table_name="draw")
