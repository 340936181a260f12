"""a covering index of work (id, then project, city, category): lists join work to project row by row

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-08 00:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_work_covering", "work", ["id"], postgresql_include=["project_id", "city", "category"])


def downgrade() -> None:
    op.drop_index("ix_work_covering", table_name="work")
