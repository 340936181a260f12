"""meeting governance: place and time of the meeting, check-in, the panel's leader, absences confirmed by the office

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 06:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
