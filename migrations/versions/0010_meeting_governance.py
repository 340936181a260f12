"""meeting governance: place and time of the meeting, check-in, the panel's leader, absences confirmed by the office

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 06:40:00

"""
import json
from datetime import time

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)
DEFAULT_START = {'am': time(9, 0), 'pm': time(14, 0)}  # expert_pool/draws/arrangement.py, MEETING_START


def upgrade():
    op.create_table('meeting_arrangement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['draw_id'], ['draw.id'], name=op.f('fk_meeting_arrangement_draw_id_draw')),
    sa.ForeignKeyConstraint(['updated_by'], ['account.id'], name=op.f('fk_meeting_arrangement_updated_by_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_arrangement')),
    sa.UniqueConstraint('draw_id', name=op.f('uq_meeting_arrangement_draw_id'))
    )
    op.create_table('review_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('how', sa.Enum('self', 'office', name='how', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_review_attendance_expert_id_expert')),
    sa.ForeignKeyConstraint(['recorded_by'], ['account.id'], name=op.f('fk_review_attendance_recorded_by_account')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_attendance_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_attendance')),
    sa.UniqueConstraint('review_id', 'expert_id', name=op.f('uq_review_attendance_review_id_expert_id'))
    )
    with op.batch_alter_table('review_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_attendance_review_id'), ['review_id'], unique=False)
    op.create_table('review_leader_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('voted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['expert.id'], name=op.f('fk_review_leader_vote_candidate_id_expert')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_leader_vote_review_id_review')),
    sa.ForeignKeyConstraint(['voter_id'], ['expert.id'], name=op.f('fk_review_leader_vote_voter_id_expert')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_leader_vote')),
    sa.UniqueConstraint('review_id', 'voter_id', name=op.f('uq_review_leader_vote_review_id_voter_id'))
    )
    with op.batch_alter_table('review_leader_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_leader_vote_review_id'), ['review_id'], unique=False)
    op.create_table('review_absence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('reported_by', sa.Integer(), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'rejected', name='status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.Column('credit_event_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name=op.f('ck_review_absence_decided')),
    sa.ForeignKeyConstraint(['credit_event_id'], ['credit_event.id'], name=op.f('fk_review_absence_credit_event_id_credit_event')),
    sa.ForeignKeyConstraint(['decided_by'], ['account.id'], name=op.f('fk_review_absence_decided_by_account')),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_review_absence_expert_id_expert')),
    sa.ForeignKeyConstraint(['reported_by'], ['account.id'], name=op.f('fk_review_absence_reported_by_account')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_absence_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_absence')),
    sa.UniqueConstraint('review_id', 'expert_id', name=op.f('uq_review_absence_review_id_expert_id'))
    )
    with op.batch_alter_table('review_absence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_absence_review_id'), ['review_id'], unique=False)
    _carry_forward()


def _ids(raw):
    if raw is None:
        return []
    return json.loads(raw) if isinstance(raw, str) else list(raw)


def _carry_forward():
    """Every meeting drawn so far gets its arrangement (the recorded place, the half-day's usual start); every
    meeting already recorded keeps its panel as it was: the experts not recorded absent count as present (the
    office's record), and each recorded absence, whose credit event was recorded at once, stands confirmed."""
    conn = op.get_bind()
    arrangements = [
        {'draw_id': d, 'place': place or '', 'start_time': DEFAULT_START[half], 'updated_by': None, 'updated_at': at}
        for d, half, at, place in conn.execute(sa.text(
            "SELECT d.id, d.half_day, d.requested_at, r.place FROM draw d LEFT JOIN review r ON r.draw_id = d.id "
            "WHERE d.top_up_of IS NULL ORDER BY d.id").columns(sa.column('id', sa.Integer()),
                sa.column('half_day', sa.String()), sa.column('requested_at', STAMP), sa.column('place', sa.String())))
    ]
    table = sa.table('meeting_arrangement', sa.column('draw_id', sa.Integer()), sa.column('place', sa.String()),
                     sa.column('start_time', sa.Time()), sa.column('updated_by', sa.Integer()),
                     sa.column('updated_at', sa.DateTime(timezone=True)))
    if arrangements:
        op.bulk_insert(table, arrangements)
    held = conn.execute(sa.text(
        "SELECT id, draw_id, absent_expert_ids, recorded_by, COALESCE(recorded_at, created_at) AS at FROM review "
        "WHERE held_on IS NOT NULL ORDER BY id").columns(sa.column('id', sa.Integer()),
            sa.column('draw_id', sa.Integer()), sa.column('absent_expert_ids', sa.JSON()),
            sa.column('recorded_by', sa.Integer()), sa.column('at', STAMP))).all()
    present, absent = [], []
    for review_id, draw_id, absent_raw, by, at in held:
        gone = set(_ids(absent_raw))
        seated = conn.execute(sa.text(
            "SELECT s.expert_id FROM seat s JOIN draw d ON d.id = s.draw_id "
            "WHERE (d.id = :root OR d.top_up_of = :root) AND s.status = 'confirmed' ORDER BY d.seq, s.position"),
            {'root': draw_id}).scalars().all()
        for expert_id in dict.fromkeys(seated):
            if expert_id not in gone:
                present.append({'review_id': review_id, 'expert_id': expert_id, 'checked_in_at': at,
                                'recorded_by': None, 'how': 'office'})
        for expert_id in sorted(gone):
            event = conn.execute(sa.text("SELECT id FROM credit_event WHERE source = :s"),
                                 {'s': f"review:{review_id}:no_show:{expert_id}"}).scalar()
            absent.append({'review_id': review_id, 'expert_id': expert_id, 'note': '', 'reported_by': by,
                           'reported_at': at, 'status': 'confirmed', 'decided_by': by, 'decided_at': at,
                           'decision_note': '迁移前由会议记录直接记为缺席', 'credit_event_id': event})
    if present:
        op.bulk_insert(sa.table('review_attendance', sa.column('review_id', sa.Integer()),
                                sa.column('expert_id', sa.Integer()),
                                sa.column('checked_in_at', sa.DateTime(timezone=True)),
                                sa.column('recorded_by', sa.Integer()), sa.column('how', sa.String())), present)
    if absent:
        op.bulk_insert(sa.table('review_absence', *(sa.column(c) for c in (
            'review_id', 'expert_id', 'note', 'reported_by', 'status', 'decided_by', 'decision_note',
            'credit_event_id')), sa.column('reported_at', sa.DateTime(timezone=True)),
            sa.column('decided_at', sa.DateTime(timezone=True))), absent)


def downgrade():
    # The confirmed absences go back to the meeting record's list (where 0006 kept them) before their table goes.
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT review_id, expert_id FROM review_absence WHERE status = 'confirmed' ORDER BY review_id, expert_id")).all()
    gone = {}
    for review_id, expert_id in rows:
        gone.setdefault(review_id, []).append(expert_id)
    for review_id, ids in gone.items():
        conn.execute(sa.text("UPDATE review SET absent_expert_ids = :ids WHERE id = :id"),
                     {'ids': json.dumps(ids), 'id': review_id})
    with op.batch_alter_table('review_absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_absence_review_id'))
    op.drop_table('review_absence')
    with op.batch_alter_table('review_leader_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_leader_vote_review_id'))
    op.drop_table('review_leader_vote')
    with op.batch_alter_table('review_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_attendance_review_id'))
    op.drop_table('review_attendance')
    op.drop_table('meeting_arrangement')
