"""sign-in counters per name and address (atomic upsert), replacing the per-name login throttle; the
account's session generation (sign-out ends every session)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_counter',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('pair', 'name')", name=op.f('ck_sign_in_counter_kind_known')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_counter'))
    )
    with op.batch_alter_table('sign_in_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_counter_username'), ['username'], unique=False)
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
    # Counts in progress are dropped: at worst a name under attack starts a new window.
    op.drop_table('login_throttle')


def downgrade():
    # Not a batch: SQLite (3.35+) drops the column in place, where a batch would copy the account table,
    # which the foreign keys of every other table refuse.
    op.drop_column('account', 'session_generation')
    op.create_table('login_throttle',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('sign_in_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_counter_username'))
    op.drop_table('sign_in_counter')
