"""Ownership registration of cranes (issue 21, items 1 and 3): numbers for life, refusals, owner changes,
certificates superseded and revoked; on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

import hashlib
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.pdf.crane_certificate_pdf import certificate_pdf
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.cranes import certificates, queries, services
from knowledge.cranes.certificates import CertificateState
from knowledge.cranes.errors import CertificateError, RegistrationRefusedError
from knowledge.cranes.machines import HoistDrive, MachineType
from knowledge.cranes.models import Certificate, Machine, OwnershipRegistration
from knowledge.cranes.service_age import SafetyAssessment
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from knowledge.regions import City
from tests.factories import make_account, make_enterprise
from webapp.extensions import db

TODAY = date(2026, 12, 1)
BASE = "https://example.test"


def render(certificate: Certificate) -> bytes:
    return certificate_pdf(certificate, base_url=BASE)


def tower(serial: str = "TC-0001", **overrides) -> services.MachineInput:
    data = services.MachineInput(
        machine_type=MachineType.TOWER_CRANE, maker="徐工建机", model="XGT7020", serial_number=serial,
        manufactured_on=date(2022, 5, 1), rated_moment_knm=Decimal("1250"),
    )  # fmt: skip
    return replace(data, **overrides)


def team(session, city=City.SUZHOU) -> Scope:
    owner = make_enterprise(session, city=city)
    return Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=owner.id))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_registration_issues_the_city_number_and_a_certificate_whose_hash_is_its_pdf(session):
    scope = team(session)
    machine = services.register_machine_and_ownership(
        session, tower(), scope=scope, today=TODAY, render=render
    )
    assert machine.registration_number == "苏E-T-00001"
    assert machine.registration_city is City.SUZHOU and machine.owner_id == scope.enterprise_id
    second = services.register_machine_and_ownership(
        session, tower("TC-0002"), scope=scope, today=TODAY, render=render
    )
    assert second.registration_number == "苏E-T-00002"
    certificate = services.current_certificate(machine)
    assert certificate is not None and len(certificate.verify_code) == 12
    pdf = render(certificate)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == certificate.sha256
    assert session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc()).limit(1)) == "crane_register"


def test_a_serial_number_registered_twice_is_refused_and_nothing_saved(session):
    scope = team(session)
    services.register_machine_and_ownership(session, tower(), scope=scope, today=TODAY, render=render)
    before = (count(session, Machine), count(session, Certificate))
    with pytest.raises(DuplicateError, match="出厂编号“TC-0001”的起重机械已经备案"):
        services.register_machine_and_ownership(
            session, tower(), scope=team(session), today=TODAY, render=render
        )
    assert (count(session, Machine), count(session, Certificate)) == before


def test_a_hoist_past_its_service_age_without_assessment_is_refused_with_the_rule(session):
    old = tower("SC-9", machine_type=MachineType.CONSTRUCTION_HOIST, rated_moment_knm=None, rated_load_kg=2000,
                hoist_drive=HoistDrive.RACK_AND_PINION, manufactured_on=date(2010, 1, 1))  # fmt: skip
    with pytest.raises(RegistrationRefusedError, match="未提交安全评估报告，不予备案") as refused:
        services.register_machine_and_ownership(session, old, scope=team(session), today=TODAY, render=render)
    assert refused.value.reasons and count(session, Machine) == 0
    assessed = replace(old, assessment=SafetyAssessment(date(2026, 6, 1), True, date(2027, 6, 1)))
    machine = services.register_machine_and_ownership(
        session, assessed, scope=team(session), today=TODAY, render=render
    )
    assert machine.registration_number == "苏E-S-00001"


def test_incomplete_description_and_wrong_roles_are_refused(session):
    with pytest.raises(ValidationError, match="额定起重力矩"):
        services.register_machine_and_ownership(
            session, tower(rated_moment_knm=None), scope=team(session), today=TODAY, render=render
        )
    regulator = Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU))
    with pytest.raises(PermissionDenied):
        services.register_machine_and_ownership(session, tower(), scope=regulator, today=TODAY, render=render)
    admin = Scope.of(make_account(session, Role.ADMIN))
    owner = make_enterprise(session, city=City.NANJING)
    machine = services.register_machine_and_ownership(
        session, tower(owner_credit_code=owner.credit_code), scope=admin, today=TODAY, render=render
    )
    assert machine.registration_number == "苏A-T-00001" and machine.owner_id == owner.id


def test_a_change_of_owner_keeps_the_number_and_supersedes_the_certificate(session):
    scope = team(session)
    machine = services.register_machine_and_ownership(
        session, tower(), scope=scope, today=TODAY, render=render
    )
    old = services.current_certificate(machine)
    buyer = make_enterprise(session, city=City.NANJING)
    with pytest.raises(PermissionDenied):
        services.change_owner(
            session, machine, buyer.credit_code, scope=team(session), today=TODAY, render=render
        )
    registration = services.change_owner(
        session, machine, buyer.credit_code, scope=scope, today=date(2026, 12, 2), render=render
    )
    assert registration.seq == 2 and registration.number == "苏E-T-00001" and machine.owner_id == buyer.id
    new = services.current_certificate(machine)
    assert new is not None and old is not None and new.supersedes_id == old.id
    verdict = certificates.verify_code(session, old.verify_code)
    assert verdict.state is CertificateState.SUPERSEDED and verdict.replaced_by is new
    assert count(session, OwnershipRegistration) == 2
    # The seller no longer sees it; the buyer's team does.
    with pytest.raises(NotFoundError):
        queries.get_machine_for(session, scope, machine.id)
    buyer_team = Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=buyer.id))
    assert queries.get_machine_for(session, buyer_team, machine.id).id == machine.id


def test_revocation_by_a_regulator_of_the_city_only_with_a_reason(session):
    machine = services.register_machine_and_ownership(
        session, tower(), scope=team(session), today=TODAY, render=render
    )
    certificate = services.current_certificate(machine)
    assert certificate is not None
    for other in (
        Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING)),
        Scope.of(make_account(session, Role.ADMIN)),
        team(session),
    ):
        with pytest.raises(PermissionDenied):
            services.revoke_certificate(session, certificate, "伪造资料", scope=other, today=TODAY)
    regulator = Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU))
    with pytest.raises(ValidationError, match="请填写撤销原因"):
        services.revoke_certificate(session, certificate, "  ", scope=regulator, today=TODAY)
    services.revoke_certificate(
        session, certificate, "备案资料虚假", scope=regulator, today=date(2026, 12, 3)
    )
    verdict = certificates.verify_code(session, certificate.verify_code.lower())
    assert verdict.state is CertificateState.REVOKED and "2026-12-03" in verdict.message
    assert "备案资料虚假" in verdict.message
    province = Scope.of(make_account(session, Role.REGULATOR, city=None))
    with pytest.raises(CertificateError, match="已撤销"):
        services.revoke_certificate(session, certificate, "再次", scope=province, today=TODAY)


def test_malformed_and_unknown_codes(session):
    with pytest.raises(CertificateError, match="验证码格式不正确"):
        certificates.verify_code(session, "abc")
    with pytest.raises(NotFoundError):
        certificates.verify_code(session, "ABCDEFGHJKLM")


def test_regulators_see_their_city_and_teams_their_own(session):
    scope = team(session)
    machine = services.register_machine_and_ownership(
        session, tower(), scope=scope, today=TODAY, render=render
    )
    suzhou = Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU))
    nanjing = Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING))
    assert [m.id for m in queries.machines_page(session, suzhou).items] == [machine.id]
    assert queries.machines_page(session, nanjing).total == 0
    assert queries.machines_page(session, team(session)).total == 0
    assert queries.machines_page(session, scope, machine_type=MachineType.CONSTRUCTION_HOIST).total == 0


def test_parallel_registrations_in_one_city_and_type_get_two_numbers(app, session):
    scopes = [team(session), team(session)]
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(2)
    results: list[object] = []

    def run(i: int) -> None:
        with Session(engine) as own:
            barrier.wait()
            try:
                machine = services.register_machine_and_ownership(
                    own, tower(f"PAR-{i}"), scope=scopes[i], today=TODAY, render=render
                )
                results.append(machine.registration_number)
            except Exception as exc:  # noqa: BLE001 - anything else is the failure under test
                results.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(results) == ["苏E-T-00001", "苏E-T-00002"], results  # type: ignore[type-var]
