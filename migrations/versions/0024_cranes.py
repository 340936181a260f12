"""cranes: machines, ownership registrations (产权备案), certificates and their revocations

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 04:06:49.174464

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('crane_machine',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('machine_type', sa.Enum('tower_crane', 'construction_hoist', 'material_hoist', 'gantry_crane', 'bridge_crane', 'other', name='machine_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('maker', sa.String(length=100), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('serial_number', sa.String(length=64), nullable=False),
    sa.Column('manufactured_on', sa.Date(), nullable=False),
    sa.Column('rated_moment_knm', sa.String(length=16), nullable=True),
    sa.Column('rated_load_kg', sa.Integer(), nullable=True),
    sa.Column('hoist_drive', sa.Enum('sc', 'ss', name='hoist_drive', native_enum=False, create_constraint=True, length=8), nullable=True),
    sa.Column('design_life_years', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('registration_number', sa.String(length=16), nullable=True),
    sa.Column('registration_city', sa.Enum('nanjing', 'wuxi', 'xuzhou', 'changzhou', 'suzhou', 'nantong', 'lianyungang', 'huaian', 'yancheng', 'yangzhou', 'zhenjiang', 'taizhou', 'suqian', name='registration_city', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(registration_number IS NULL) = (registration_city IS NULL)', name=op.f('ck_crane_machine_number_with_city')),
    sa.ForeignKeyConstraint(['created_by'], ['account.id'], name=op.f('fk_crane_machine_created_by_account')),
    sa.ForeignKeyConstraint(['owner_id'], ['enterprise.id'], name=op.f('fk_crane_machine_owner_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crane_machine')),
    sa.UniqueConstraint('maker', 'serial_number', name='uq_crane_machine_maker_serial'),
    sa.UniqueConstraint('registration_number', name=op.f('uq_crane_machine_registration_number'))
    )
    op.create_index(op.f('ix_crane_machine_machine_type'), 'crane_machine', ['machine_type'], unique=False)
    op.create_index(op.f('ix_crane_machine_owner_id'), 'crane_machine', ['owner_id'], unique=False)
    op.create_index(op.f('ix_crane_machine_registration_city'), 'crane_machine', ['registration_city'], unique=False)

    op.create_table('crane_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('machine_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('city', sa.Enum('nanjing', 'wuxi', 'xuzhou', 'changzhou', 'suzhou', 'nantong', 'lianyungang', 'huaian', 'yancheng', 'yangzhou', 'zhenjiang', 'taizhou', 'suqian', name='city', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('registered_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_crane_registration_seq_positive')),
    sa.ForeignKeyConstraint(['machine_id'], ['crane_machine.id'], name=op.f('fk_crane_registration_machine_id_crane_machine')),
    sa.ForeignKeyConstraint(['owner_id'], ['enterprise.id'], name=op.f('fk_crane_registration_owner_id_enterprise')),
    sa.ForeignKeyConstraint(['registered_by'], ['account.id'], name=op.f('fk_crane_registration_registered_by_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crane_registration')),
    sa.UniqueConstraint('machine_id', 'seq', name='uq_crane_registration_machine_seq')
    )
    op.create_index(op.f('ix_crane_registration_machine_id'), 'crane_registration', ['machine_id'], unique=False)
    op.create_index(op.f('ix_crane_registration_number'), 'crane_registration', ['number'], unique=False)
    op.create_index(op.f('ix_crane_registration_owner_id'), 'crane_registration', ['owner_id'], unique=False)

    op.create_table('crane_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ownership', name='kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('verify_code', sa.String(length=16), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['issued_by'], ['account.id'], name=op.f('fk_crane_certificate_issued_by_account')),
    sa.ForeignKeyConstraint(['registration_id'], ['crane_registration.id'], name=op.f('fk_crane_certificate_registration_id_crane_registration')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['crane_certificate.id'], name=op.f('fk_crane_certificate_supersedes_id_crane_certificate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crane_certificate')),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_crane_certificate_supersedes_id')),
    sa.UniqueConstraint('verify_code', name=op.f('uq_crane_certificate_verify_code'))
    )
    op.create_index(op.f('ix_crane_certificate_registration_id'), 'crane_certificate', ['registration_id'], unique=False)

    op.create_table('crane_certificate_revocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['crane_certificate.id'], name=op.f('fk_crane_certificate_revocation_certificate_id_crane_certificate')),
    sa.ForeignKeyConstraint(['revoked_by'], ['account.id'], name=op.f('fk_crane_certificate_revocation_revoked_by_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crane_certificate_revocation')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_crane_certificate_revocation_certificate_id'))
    )


def downgrade():
    op.drop_table('crane_certificate_revocation')
    op.drop_index(op.f('ix_crane_certificate_registration_id'), table_name='crane_certificate')

    op.drop_table('crane_certificate')
    op.drop_index(op.f('ix_crane_registration_owner_id'), table_name='crane_registration')
    op.drop_index(op.f('ix_crane_registration_number'), table_name='crane_registration')
    op.drop_index(op.f('ix_crane_registration_machine_id'), table_name='crane_registration')

    op.drop_table('crane_registration')
    op.drop_index(op.f('ix_crane_machine_registration_city'), table_name='crane_machine')
    op.drop_index(op.f('ix_crane_machine_owner_id'), table_name='crane_machine')
    op.drop_index(op.f('ix_crane_machine_machine_type'), table_name='crane_machine')

    op.drop_table('crane_machine')
