"""audit log: source address, outcome, and a keyed chain (seq, prev_mac, mac) with its head row

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 08:10:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from knowledge import audit


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

GUARDS = {"sqlite": audit.SQLITE_GUARDS, "postgresql": audit.POSTGRES_GUARDS}
DROP_GUARDS = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log"],
}


def _guards(table: dict) -> None:
    for statement in table.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def _chain_existing_rows() -> tuple[int, str]:
    """Existing rows are chained in id order, as written before (outcome ok, address unknown)."""
    bind = op.get_bind()
    key = str(current_app.config["AUDIT_CHAIN_KEY"]).encode()
    log = audit.AuditLog.__table__
    old = [log.c.id, log.c.at, log.c.actor_id, log.c.action, log.c.object_type, log.c.object_id, log.c.before,
           log.c.after]
    prev, seq = audit.GENESIS_MAC, 0
    for r in bind.execute(sa.select(*old).order_by(log.c.id)).all():
        seq += 1
        row = audit.AuditLog(seq=seq, at=r.at, actor_id=r.actor_id, action=r.action, object_type=r.object_type,
                             object_id=r.object_id, before=r.before, after=r.after, address=None, outcome="ok",
                             prev_mac=prev)
        mac = audit.row_mac(key, row)
        bind.execute(sa.update(log).where(log.c.id == r.id).values(seq=seq, outcome="ok", prev_mac=prev, mac=mac))
        prev = mac
    return seq, prev


def upgrade():
    _guards(DROP_GUARDS)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('address', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('prev_mac', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
    seq, mac = _chain_existing_rows()
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('outcome', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('prev_mac', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('mac', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_log_seq'), ['seq'])
        batch_op.create_check_constraint(batch_op.f('ck_audit_log_outcome'),
                                         sa.text("outcome IN ('ok', 'denied', 'failed')"))
    head = op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.bulk_insert(head, [{"id": 1, "seq": seq, "mac": mac}])
    _guards(GUARDS)


def downgrade():
    _guards(DROP_GUARDS)
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_audit_log_outcome'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_audit_log_seq'), type_='unique')
        batch_op.drop_column('mac')
        batch_op.drop_column('prev_mac')
        batch_op.drop_column('outcome')
        batch_op.drop_column('address')
        batch_op.drop_column('seq')
    _guards(GUARDS)
