"""report keyed hash, report chain, expert signing keys

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 11:45:00

Issue 18 item 5. Each expert gets an Ed25519 key on his first signature (``expert_signing_key``, the private half
a Fernet token under SIGNING_KEY_WRAP_KEY); each signature stores its Ed25519 signature and key; each final
report's hash becomes an HMAC under REPORT_KEY and enters a keyed chain (``report_chain_entry``).

Reports finalised before this migration are never signed with new keys: their signatures keep ``signature``
and ``key_id`` NULL and their unkeyed hash, and each enters the chain as ``legacy``, its content as found now
(the verification page says the report predates electronic signatures). The keys come from the app's config.
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

KEY_CHANGE = ("OLD.retired_at IS NOT NULL OR NEW.expert_id <> OLD.expert_id OR NEW.public_key <> OLD.public_key "
              "OR NEW.private_key <> OLD.private_key")
GUARDED = {"report_chain_entry": "1 = 1", "expert_signing_key": KEY_CHANGE}
SIGNATURE_FROZEN = "1 = 1"  # review_signature's triggers of 0006, recreated after a batch copy on SQLite


def _guards(dialect, table, condition):
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} WHEN {condition} "
            f"BEGIN SELECT RAISE(ABORT, '{table} cannot change'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} cannot change'); END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_guard() RETURNS trigger AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' OR ({condition}) THEN RAISE EXCEPTION '{table} cannot change'; "
            f"END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_guard BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_guard()",
        ]
    return []


def _signature_guards_sqlite():
    table = "review_signature"
    return [
        f"CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table} WHEN {SIGNATURE_FROZEN} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is signed and cannot change'); END",
        f"CREATE TRIGGER {table}_frozen_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is signed and cannot change'); END",
    ]


def _seal_legacy_reports():
    """Every report already final enters the chain as ``legacy``: its keyed hash of the content as it stands."""
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM review_report WHERE finalised_at IS NOT NULL LIMIT 1")).first() is None:
        return
    from expert_pool.reviews import signing, verification

    signing.use_keys(current_app.config["REPORT_KEY"], current_app.config["SIGNING_KEY_WRAP_KEY"])
    session = Session(bind=bind)
    verification.adopt_legacy(session)
    session.flush()


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table('expert_signing_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('private_key', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_expert_signing_key_expert_id_expert')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_signing_key')),
    sa.UniqueConstraint('public_key', name=op.f('uq_expert_signing_key_public_key'))
    )
    with op.batch_alter_table('expert_signing_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_signing_key_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index('uq_expert_signing_key_in_use', ['expert_id'], unique=True,
                              sqlite_where=sa.text('retired_at IS NULL'), postgresql_where=sa.text('retired_at IS NULL'))
    op.create_table('report_chain_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('report_mac', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('prev_mac', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.CheckConstraint("kind IN ('final', 'legacy')", name=op.f('ck_report_chain_entry_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_chain_entry')),
    sa.UniqueConstraint('mac', name=op.f('uq_report_chain_entry_mac')),
    sa.UniqueConstraint('seq', name=op.f('uq_report_chain_entry_seq'))
    )
    with op.batch_alter_table('report_chain_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_chain_entry_report_id'), ['report_id'], unique=False)
    # Plain ADD COLUMN (no batch copy of the table), so the frozen triggers of 0006 on review_signature stay.
    op.add_column('review_signature', sa.Column('signature', sa.String(length=128), nullable=True))
    fk = 'fk_review_signature_key_id_expert_signing_key'
    if dialect == "sqlite":  # SQLite adds a column's foreign key only inline
        op.execute(f"ALTER TABLE review_signature ADD COLUMN key_id INTEGER CONSTRAINT {fk} "
                   "REFERENCES expert_signing_key (id)")
    else:
        op.add_column('review_signature', sa.Column('key_id', sa.Integer(), nullable=True))
        op.create_foreign_key(fk, 'review_signature', 'expert_signing_key', ['key_id'], ['id'])
    for table, condition in GUARDED.items():
        for stmt in _guards(dialect, table, condition):
            op.execute(stmt)
    _seal_legacy_reports()


def downgrade():
    dialect = op.get_bind().dialect.name
    fk = 'fk_review_signature_key_id_expert_signing_key'
    if dialect == "sqlite":  # SQLite drops a column in a foreign key only by copying the table: triggers again
        with op.batch_alter_table('review_signature', schema=None) as batch_op:
            batch_op.drop_column('key_id')
            batch_op.drop_column('signature')
        for stmt in _signature_guards_sqlite():
            op.execute(stmt)
    else:
        op.drop_constraint(fk, 'review_signature', type_='foreignkey')
        op.drop_column('review_signature', 'key_id')
        op.drop_column('review_signature', 'signature')
    with op.batch_alter_table('report_chain_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_chain_entry_report_id'))
    op.drop_table('report_chain_entry')
    with op.batch_alter_table('expert_signing_key', schema=None) as batch_op:
        batch_op.drop_index('uq_expert_signing_key_in_use', sqlite_where=sa.text('retired_at IS NULL'),
                            postgresql_where=sa.text('retired_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_expert_signing_key_expert_id'))
    op.drop_table('expert_signing_key')
    if dialect == "postgresql":
        for table in GUARDED:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_guard()")
