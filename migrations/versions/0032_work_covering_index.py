"""covering indexes of work: lists join work to project row by row; the dashboard counts works of a period

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
    op.create_index("ix_work_figures", "work", ["created_at"],
                    postgresql_include=["id", "city", "category", "verdict", "status", "planned_start"])


def downgrade() -> None:
    op.drop_index("ix_work_figures", table_name="work")
    op.drop_index("ix_work_covering", table_name="work")
