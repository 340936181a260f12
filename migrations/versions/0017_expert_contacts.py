"""expert contact details encrypted (phone, e-mail)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 11:45:00

Experts' phone and e-mail move from plain columns to Fernet tokens under the ID numbers' key (EXPERT_ID_KEY),
with their masks and the phone's keyed hash (issue 18). Existing rows are encrypted here with the app's key;
messages queued to an expert's address are re-addressed to ``expert:<id>`` (delivery decrypts the address).
The downgrade decrypts back.
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from expert_pool.experts.contacts import contact_fields, decrypt_contact
from knowledge.identity import IdentityVault


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

NEW = ("phone_encrypted", "phone_masked", "phone_hash", "email_encrypted", "email_masked")


def _vault() -> IdentityVault:
    return IdentityVault(str(current_app.config["EXPERT_ID_KEY"]).encode())


def _expert(*names: str) -> sa.TableClause:
    return sa.table("expert", sa.column("id", sa.Integer), *(sa.column(n, sa.String) for n in names))


def _notification() -> sa.TableClause:
    return sa.table("notification", sa.column("id", sa.Integer), sa.column("expert_id", sa.Integer),
                    sa.column("recipient", sa.String))


def upgrade():
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_encrypted', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('phone_masked', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('phone_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('email_encrypted', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('email_masked', sa.String(length=120), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_expert_phone_hash'), ['phone_hash'], unique=False)
    bind = op.get_bind()
    old, new = _expert("phone", "email"), _expert(*NEW)
    rows = bind.execute(sa.select(old.c.id, old.c.phone, old.c.email)
                        .where(sa.or_(old.c.phone != "", old.c.email != ""))).all()
    if rows:
        vault = _vault()
        for row in rows:
            fields = contact_fields(vault, (row.phone or "").strip(), (row.email or "").strip())
            bind.execute(new.update().where(new.c.id == row.id).values(**fields))
    note = _notification()
    bind.execute(note.update().where(note.c.expert_id.is_not(None))
                 .values(recipient=sa.literal("expert:") + sa.cast(note.c.expert_id, sa.String)))
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy would drop the expert table, which many
    # tables reference, and SQLite refuses that with foreign keys on.
    op.drop_column('expert', 'email')
    op.drop_column('expert', 'phone')


def downgrade():
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('email', sa.String(length=120), nullable=False, server_default=''))
    bind = op.get_bind()
    new, old = _expert(*NEW), _expert("phone", "email")
    rows = bind.execute(sa.select(new.c.id, new.c.phone_encrypted, new.c.email_encrypted)
                        .where(sa.or_(new.c.phone_encrypted.is_not(None), new.c.email_encrypted.is_not(None)))).all()
    addresses = {}
    if rows:
        vault = _vault()
        for row in rows:
            contact = decrypt_contact(vault, row)
            bind.execute(old.update().where(old.c.id == row.id).values(phone=contact.phone, email=contact.email))
            addresses[row.id] = contact.address
    note = _notification()
    for expert_id, address in addresses.items():
        if address:
            bind.execute(note.update().where(note.c.expert_id == expert_id,
                                             note.c.recipient == f"expert:{expert_id}").values(recipient=address))
    op.drop_index(op.f('ix_expert_phone_hash'), table_name='expert')
    for name in reversed(NEW):
        op.drop_column('expert', name)
