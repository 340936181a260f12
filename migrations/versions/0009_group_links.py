"""dated group membership: parent-subsidiary links with start and end (DOMAIN 5, rule 3)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 06:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
