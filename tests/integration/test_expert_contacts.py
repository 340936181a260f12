"""Experts' phone and e-mail (issue 18): encrypted at rest, masked, searchable by the phone's keyed hash, shown
in full only to the office of the draw acting on an invitation (audited), and decrypted by the notifier alone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from expert_pool.draws import notify
from expert_pool.draws.contact_view import reveal_contact
from expert_pool.draws.models import Notification, SeatStatus
from expert_pool.experts import queries, services
from expert_pool.experts.contacts import (
    Contact,
    contact_fields,
    decrypt_contact,
    masked_address,
    phone_lookup_hash,
)
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.identity import IdentityVault
from knowledge.regions import City
from tests.factories import admin_scope, make_account
from tests.review_fixtures import ready_meeting

VAULT = IdentityVault(IdentityVault.new_key())
ID = "11010519491231002X"
LATER = datetime.now(UTC) + timedelta(hours=1)  # the outbox's rows are due from when they were written


def _create(session, phone="13812345678", email="zhangsan@example.com"):
    data = services.ExpertInput(
        "张三", City.NANJING, ID, specialties=["excavation"], phone=phone, email=email
    )
    return services.create_expert(session, data, vault=VAULT, scope=admin_scope(session))


def test_the_expert_table_holds_no_plaintext_phone_or_email(session):
    expert = _create(session)
    row = session.execute(text("SELECT * FROM expert WHERE id = :id"), {"id": expert.id}).mappings().one()
    assert "13812345678" not in repr(dict(row)) and "zhangsan@example.com" not in repr(dict(row))
    assert (row["phone_masked"], row["email_masked"]) == ("138****5678", "z***@example.com")
    assert decrypt_contact(VAULT, expert) == Contact("13812345678", "zhangsan@example.com")
    audit_rows = repr(session.execute(text("SELECT before, after FROM audit_log")).all())
    assert "13812345678" not in audit_rows and "zhangsan@example.com" not in audit_rows


def test_the_office_still_finds_an_expert_by_his_phone(session):
    expert = _create(session)
    found = queries.experts(session, q="138 1234 5678", phone_hash=phone_lookup_hash(VAULT, "138-1234-5678"))
    assert [e.id for e in found.items] == [expert.id]
    assert (
        queries.experts(session, q="13800000000", phone_hash=phone_lookup_hash(VAULT, "13800000000")).items
        == []
    )


def test_an_edit_that_leaves_the_contact_empty_keeps_it_and_a_new_one_replaces_it(session):
    expert = _create(session)
    office = Scope(make_account(session, Role.DRAW_OFFICE).id, Role.DRAW_OFFICE)
    keep = services.ExpertInput("张三", City.NANJING, "", specialties=["excavation"])
    services.update_expert(session, expert, keep, vault=VAULT, scope=office)
    assert decrypt_contact(VAULT, expert).phone == "13812345678"
    new = services.ExpertInput("张三", City.NANJING, "", specialties=["excavation"], phone="13900001111")
    services.update_expert(session, expert, new, vault=VAULT, scope=office)
    assert decrypt_contact(VAULT, expert) == Contact("13900001111", "zhangsan@example.com")
    assert expert.phone_hash == phone_lookup_hash(VAULT, "13900001111")


def test_an_expert_changes_his_contact_and_the_audit_row_holds_only_masks(session):
    expert = _create(session)
    services.update_contact(session, expert, "13900001111", "", vault=VAULT, actor_id=None)
    assert expert.email_encrypted is None and expert.email_masked == ""
    row = session.scalar(select(AuditLog).where(AuditLog.action == "expert_contact"))
    assert row.before == {"phone": "138****5678", "email": "z***@example.com"}
    assert row.after == {"phone": "139****1111", "email": ""}


def test_an_expert_reads_only_his_own_contact_in_full(session):
    expert = _create(session)
    me = Scope(1, Role.EXPERT, expert_id=expert.id)
    assert services.own_contact(expert, scope=me, vault=VAULT).phone == "13812345678"
    with pytest.raises(PermissionDenied):
        services.own_contact(expert, scope=Scope(1, Role.EXPERT, expert_id=expert.id + 1), vault=VAULT)
    with pytest.raises(PermissionDenied):
        services.own_contact(expert, scope=Scope(1, Role.ADMIN), vault=VAULT)


@pytest.fixture
def meeting(session, tmp_path):
    m = ready_meeting(session, str(tmp_path / "up"))
    for n, seat in enumerate(m.draw.seats):
        for key, value in contact_fields(VAULT, f"1380000{n:04d}", f"expert{n}@example.com").items():
            setattr(seat.expert, key, value)
    session.commit()
    return m


def _seat(m, status):
    return next(s for s in m.draw.seats if s.status is status)


def test_the_draws_office_sees_an_invited_experts_contact_once_per_audited_view(session, meeting):
    seat = _seat(meeting, SeatStatus.CONFIRMED)
    office = Scope.of(meeting.office)
    shown = reveal_contact(session, seat.id, scope=office, vault=VAULT, reason="电话确认参会")
    assert shown.phone.startswith("1380000") and shown.email.endswith("@example.com")
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "expert_contact_view")).all()
    assert len(rows) == 1
    assert (rows[0].actor_id, rows[0].object_type, rows[0].object_id) == (meeting.office.id, "expert",
                                                                          str(seat.expert_id))  # fmt: skip
    assert rows[0].after == {"draw_id": meeting.draw.id, "seat_id": seat.id, "reason": "电话确认参会"}
    provincial = make_account(session, Role.DRAW_OFFICE)
    assert reveal_contact(session, seat.id, scope=Scope.of(provincial), vault=VAULT, reason="核实").phone


@pytest.mark.parametrize("role", [Role.REGULATOR, Role.ADMIN, Role.PROJECT_TEAM])
def test_no_other_role_sees_the_full_contact(session, meeting, role):
    scope = Scope(make_account(session, role).id, role)
    with pytest.raises(PermissionDenied, match="只有抽取办公室"):
        reveal_contact(
            session, _seat(meeting, SeatStatus.CONFIRMED).id, scope=scope, vault=VAULT, reason="核实"
        )
    assert session.scalar(select(AuditLog).where(AuditLog.action == "expert_contact_view")) is None


def test_another_citys_office_and_an_expert_not_invited_are_refused(session, meeting):
    nanjing = Scope.of(make_account(session, Role.DRAW_OFFICE, city=City.NANJING))
    with pytest.raises(PermissionDenied, match="管辖的城市"):
        reveal_contact(
            session, _seat(meeting, SeatStatus.CONFIRMED).id, scope=nanjing, vault=VAULT, reason="核实"
        )
    standby = _seat(meeting, SeatStatus.STANDBY)  # an alternate not (yet) invited
    with pytest.raises(PermissionDenied, match="未处于邀请中"):
        reveal_contact(session, standby.id, scope=Scope.of(meeting.office), vault=VAULT, reason="核实")
    with pytest.raises(NotFoundError):
        reveal_contact(session, 999_999, scope=Scope.of(meeting.office), vault=VAULT, reason="核实")
    with pytest.raises(ValidationError, match="事由"):
        reveal_contact(session, _seat(meeting, SeatStatus.CONFIRMED).id, scope=Scope.of(meeting.office),
                       vault=VAULT, reason="  ")  # fmt: skip
    assert session.scalar(select(AuditLog).where(AuditLog.action == "expert_contact_view")) is None


def test_the_outbox_names_the_expert_and_delivery_decrypts_and_logs_a_mask(session, meeting, caplog):
    notes = session.scalars(select(Notification).where(Notification.expert_id.is_not(None))).all()
    assert notes and all(n.recipient == f"expert:{n.expert_id}" for n in notes)
    sender = notify.LogSender()
    with caplog.at_level(logging.INFO, logger="weida.notify"):
        sent, _ = notify.deliver_pending(session, sender, now=LATER, vault=VAULT, limit=1000)
    assert sent == len(session.scalars(select(Notification)).all())
    assert {r for r, _, _ in sender.sent} >= {decrypt_contact(VAULT, s.expert).email for s in meeting.draw.seats
                                              if s.status is SeatStatus.CONFIRMED}  # fmt: skip
    assert (
        "@example.com" in caplog.text and "expert0@example.com" not in caplog.text and "e***@" in caplog.text
    )


def test_a_failed_delivery_keeps_only_the_mask_in_its_error(session, meeting):
    class Refusing:
        def send(self, recipient, subject, body):
            raise OSError(f"550 mailbox {recipient} unavailable")

    notify.deliver_pending(session, Refusing(), now=LATER, vault=VAULT, limit=1)
    note = session.scalar(select(Notification).where(Notification.last_error != ""))
    address = notify.address_of(session, note.recipient, VAULT)
    assert "@example.com" in address and address not in note.last_error
    assert f"550 mailbox {masked_address(address)} unavailable" in note.last_error
