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
    op.create_table('enterprise_group_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start', name=op.f('ck_enterprise_group_link_ends_after_start')),
    sa.CheckConstraint('parent_id <> enterprise_id', name=op.f('ck_enterprise_group_link_not_own_parent')),
    sa.ForeignKeyConstraint(['created_by'], ['account.id'], name=op.f('fk_enterprise_group_link_created_by_account')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_enterprise_group_link_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['parent_id'], ['enterprise.id'], name=op.f('fk_enterprise_group_link_parent_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_group_link'))
    )
    with op.batch_alter_table('enterprise_group_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_group_link_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_group_link_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('uq_enterprise_group_link_open', ['enterprise_id'], unique=True,
                              sqlite_where=sa.text('end_date IS NULL'), postgresql_where=sa.text('end_date IS NULL'))
    # Existing links start on the day their enterprise was registered here (its created_at, in UTC): the
    # history before it is unknown, and a link must have a first day.
    day = "date(created_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(created_at AT TIME ZONE 'UTC' AS DATE)"
    op.execute(
        "INSERT INTO enterprise_group_link (enterprise_id, parent_id, start, end_date, created_by, created_at) "
        f"SELECT id, parent_id, {day}, NULL, NULL, created_at FROM enterprise WHERE parent_id IS NOT NULL ORDER BY id"
    )


def downgrade():
    with op.batch_alter_table('enterprise_group_link', schema=None) as batch_op:
        batch_op.drop_index('uq_enterprise_group_link_open', sqlite_where=sa.text('end_date IS NULL'),
                            postgresql_where=sa.text('end_date IS NULL'))
        batch_op.drop_index(batch_op.f('ix_enterprise_group_link_parent_id'))
        batch_op.drop_index(batch_op.f('ix_enterprise_group_link_enterprise_id'))

    op.drop_table('enterprise_group_link')
