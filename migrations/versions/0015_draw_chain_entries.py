"""draws: the keyed chain of panel changes (chain_entry) and its signed daily digests (chain_digest)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 08:05:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from expert_pool.draws import chain
from knowledge.db import utcnow


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chain_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=True),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('expert_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('prev_mac', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_entry')),
    sa.UniqueConstraint('mac', name=op.f('uq_chain_entry_mac')),
    sa.UniqueConstraint('seq', name=op.f('uq_chain_entry_seq'))
    )
    with op.batch_alter_table('chain_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_entry_draw_id'), ['draw_id'], unique=False)
    op.create_table('chain_digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('head_seq', sa.Integer(), nullable=False),
    sa.Column('head_mac', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_digest')),
    sa.UniqueConstraint('day', name=op.f('uq_chain_digest_day'))
    )
    # The keyed chain's genesis: every existing draw and seat as it stands now. History before it was chained
    # with unkeyed SHA-256 only (the genesis entry says so).
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM draw LIMIT 1")).first() is not None:
        chain.use_key(str(current_app.config["DRAW_CHAIN_KEY"]).encode())
        session = Session(bind=bind)
        chain.adopt(session, now=utcnow())
        session.flush()


def downgrade():
    op.drop_table('chain_digest')
    with op.batch_alter_table('chain_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_entry_draw_id'))
    op.drop_table('chain_entry')
