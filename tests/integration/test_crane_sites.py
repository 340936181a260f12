"""Cranes on sites (issue 21, items 2 and 3): installers' qualifications, installation notices, joint acceptance,
use registration with its sign, dismantling and records; the bad input of the issue with nothing changed; the
one-per-rule constraints under parallel requests, on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import certificates, services, site_acceptance, site_queries, site_services
from knowledge.cranes.certificates import CertificateState
from knowledge.cranes.errors import RegistrationNumberError, UseRegistrationError
from knowledge.cranes.inspection_models import Conclusion
from knowledge.cranes.models import Certificate, CertificateKind
from knowledge.cranes.site_models import (
    AcceptanceParty,
    DismantlingNotice,
    Installation,
    JointAcceptance,
    JointAcceptanceSignature,
    MachineRecord,
    RecordKind,
    UseRegistration,
)
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from knowledge.site.hazard_loop import Level, State
from tests.crane_site_factories import (
    NOTICE_ON,
    accept,
    crane_hazard,
    install,
    make_crane_site,
    publish_report,
    qualify,
    render_ownership,
    render_sign,
)
from tests.factories import make_account, make_enterprise, make_project, make_work
from tests.races import linger_after_flush, parallel

ACCEPTED_ON = date(2026, 3, 15)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# ---- qualifications


def test_qualifications_are_recorded_by_an_admin_or_the_installers_city_regulator(session):
    installer = make_enterprise(session, city=City.SUZHOU)
    data = site_services.QualificationInput(installer.credit_code, "D232012345", "一级", date(2028, 1, 1),
                                            "(苏)JZ安许证字[2024]000001", date(2027, 6, 1))  # fmt: skip
    for other in (Role.PROJECT_TEAM, Role.INSPECTION_BODY):
        with pytest.raises(PermissionDenied):
            site_services.record_qualification(session, data, scope=Scope.of(make_account(session, other)))
    nanjing = Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING))
    with pytest.raises(PermissionDenied):
        site_services.record_qualification(session, data, scope=nanjing)
    suzhou = Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU))
    row = site_services.record_qualification(session, data, scope=suzhou)
    assert row.enterprise_id == installer.id and row.recorded_by == suzhou.account_id
    with pytest.raises(DuplicateError, match="已经登记"):
        site_services.record_qualification(session, data, scope=Scope.of(make_account(session, Role.ADMIN)))
    # Valid only while both the certificate and the safety licence are.
    assert site_services.qualification_on(session, installer.id, date(2027, 6, 1)) is not None
    assert site_services.qualification_on(session, installer.id, date(2027, 6, 2)) is None


# ---- installation notice


def test_the_installer_files_the_notice_and_the_parties_follow_from_the_project_and_the_machine(session):
    site = make_crane_site(session)
    installation = install(session, site)
    assert (installation.lessor_id, installation.user_id) == (site.lessor.id, site.user.id)
    assert (installation.installer_id, installation.supervisor_id) == (site.installer.id, site.supervisor.id)
    assert installation.city is City.SUZHOU and installation.qualification_id == site.qualification.id
    assert installation.ended_on is None and installation.notified_on == NOTICE_ON
    with pytest.raises(PermissionDenied, match="安装告知由安装单位"):
        site_services.file_installation_notice(
            session, site.notice(), scope=site.scope("regulator"), today=NOTICE_ON
        )
    # The filing team's enterprise is the installer: the user, not a qualified installer, cannot file it.
    with pytest.raises(ValidationError, match="安装单位不具备有效"):
        site_services.file_installation_notice(
            session, site.notice(), scope=site.scope("user"), today=NOTICE_ON
        )


def test_installation_by_an_unqualified_firm_is_refused_and_nothing_saved(session):
    site = make_crane_site(session)
    site.qualification.valid_until = date(2026, 3, 9)  # expires the day before the planned installation
    session.commit()
    with pytest.raises(ValidationError, match="安装单位不具备有效的起重设备安装工程专业承包资质") as refused:
        install(session, site)
    assert refused.value.field == "installer_id" and count(session, Installation) == 0
    qualify(session, site.installer)
    assert install(session, site).id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"registration_number": "苏E-T-09999"}, "未办理产权备案"),
        ({"planned_install_on": date(2026, 3, 1)}, "不能早于告知日期"),
        ({"position": "北" * 201}, "不能超过200个字符"),
    ],
)
def test_a_bad_notice_is_refused_with_its_reason(session, change, message):
    site = make_crane_site(session)
    with pytest.raises(ValidationError, match=message):
        site_services.file_installation_notice(session, site.notice(**change), scope=site.scope("installer"),
                                               today=NOTICE_ON)  # fmt: skip
    assert count(session, Installation) == 0


def test_a_malformed_number_the_wrong_work_or_a_work_not_in_force_are_refused(session):
    site = make_crane_site(session)
    scope = site.scope("installer")
    with pytest.raises(RegistrationNumberError, match="格式不正确"):
        site_services.file_installation_notice(session, site.notice(registration_number="T-1"), scope=scope,
                                               today=NOTICE_ON)  # fmt: skip
    excavation = make_work(session, site.project, status=WorkStatus.IN_FORCE)
    with pytest.raises(
        ValidationError, match="不是“起重吊装及起重机械安装拆卸工程”中的起重机械安装和拆卸工程"
    ):
        site_services.file_installation_notice(
            session, site.notice(work_id=excavation.id), scope=scope, today=NOTICE_ON
        )
    other = make_crane_site(session)
    with pytest.raises(ValidationError, match="不属于本项目"):
        site_services.file_installation_notice(
            session, site.notice(work_id=other.work.id), scope=scope, today=NOTICE_ON
        )
    site.work.status = WorkStatus.SUPERVISOR_SIGNED
    session.commit()
    with pytest.raises(ValidationError, match="专项施工方案尚未生效"):
        install(session, site)
    assert count(session, Installation) == 0


def test_a_machine_whose_ownership_certificate_is_revoked_cannot_be_installed(session):
    site = make_crane_site(session)
    certificate = services.current_certificate(site.machine)
    regulator = Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU))
    services.revoke_certificate(session, certificate, "备案资料虚假", scope=regulator, today=NOTICE_ON)
    with pytest.raises(ValidationError, match="产权备案证明已被撤销"):
        install(session, site)


def test_a_machine_on_two_sites_is_refused_until_dismantled(session):
    site = make_crane_site(session)
    first = install(session, site)
    second = make_crane_site(session)
    second.machine = site.machine
    with pytest.raises(DuplicateError, match="正在“.*”安装使用"):
        install(session, second)
    assert count(session, Installation) == 1
    site_services.dismantle(session, first, planned_on=date(2026, 6, 1), scope=site.scope("installer"),
                            today=date(2026, 5, 20))  # fmt: skip
    later = second.notice(planned_install_on=date(2026, 6, 5))
    moved = site_services.file_installation_notice(session, later, scope=second.scope("installer"),
                                                   today=date(2026, 6, 2))  # fmt: skip
    assert moved.id != first.id and moved.project_id == second.project.id


def test_parallel_notices_of_one_machine_on_two_sites_leave_one(app, session):
    sites = [make_crane_site(session), make_crane_site(session)]
    sites[1].machine = sites[0].machine
    notices = [(s.notice(), s.scope("installer")) for s in sites]

    def run(own: Session, i: int) -> object:
        return site_services.file_installation_notice(
            own, notices[i][0], scope=notices[i][1], today=NOTICE_ON
        ).id

    results = parallel(app, 2, run)
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert [type(r) for r in results if not isinstance(r, int)] == [DuplicateError], results
    assert count(session, Installation) == 1


# ---- joint acceptance


def test_acceptance_needs_a_published_passing_report_and_a_retest_unblocks_it(session):
    site = make_crane_site(session)
    installation = install(session, site)
    with pytest.raises(ValidationError, match="尚无检验机构出具的检验报告"):
        site_acceptance.open_acceptance(session, installation, scope=site.scope("user"), today=ACCEPTED_ON)
    failed = publish_report(session, installation, Conclusion.FAIL, published_on=date(2026, 3, 12))
    with pytest.raises(ValidationError, match="结论为不合格，不能验收"):
        site_acceptance.open_acceptance(session, installation, scope=site.scope("user"), today=ACCEPTED_ON)
    assert count(session, JointAcceptance) == 0
    retest = publish_report(session, installation, published_on=date(2026, 3, 14), retest_of=failed)
    with pytest.raises(PermissionDenied):
        site_acceptance.open_acceptance(session, installation, scope=site.scope("lessor"), today=ACCEPTED_ON)
    acceptance = site_acceptance.open_acceptance(
        session, installation, scope=site.scope("user"), today=ACCEPTED_ON
    )
    assert acceptance.report_id == retest.id and acceptance.accepted_on is None
    with pytest.raises(DuplicateError, match="正在签字"):
        site_acceptance.open_acceptance(session, installation, scope=site.scope("user"), today=ACCEPTED_ON)


def test_each_party_signs_in_its_own_account_and_the_last_signature_completes_it(session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    acceptance = site_acceptance.open_acceptance(
        session, installation, scope=site.scope("user"), today=ACCEPTED_ON
    )
    with pytest.raises(PermissionDenied, match="只能由使用单位"):
        site_acceptance.sign_acceptance(session, acceptance, AcceptanceParty.USER, signer_name="张三",
                                        scope=site.scope("lessor"), today=ACCEPTED_ON)  # fmt: skip
    with pytest.raises(ValidationError, match="签字人姓名"):
        site_acceptance.sign_acceptance(session, acceptance, AcceptanceParty.USER, signer_name=" ",
                                        scope=site.scope("user"), today=ACCEPTED_ON)  # fmt: skip
    days = dict(zip(AcceptanceParty, (15, 15, 16, 18), strict=True))
    for party, day in days.items():
        assert acceptance.accepted_on is None
        site_acceptance.sign_acceptance(session, acceptance, party, signer_name="代表", opinion="同意",
                                        scope=site.scope(party.value), today=date(2026, 3, day))  # fmt: skip
    assert acceptance.accepted_on == date(2026, 3, 18)
    with pytest.raises(DuplicateError, match="已有使用单位签字"):
        site_acceptance.sign_acceptance(session, acceptance, AcceptanceParty.USER, signer_name="再签",
                                        scope=site.scope("user"), today=date(2026, 3, 19))  # fmt: skip
    assert count(session, JointAcceptanceSignature) == 4


def test_parallel_signatures_of_one_party_leave_one(app, session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    acceptance_id = site_acceptance.open_acceptance(session, installation, scope=site.scope("user"),
                                                    today=ACCEPTED_ON).id  # fmt: skip
    scope = site.scope("supervisor")

    def run(own: Session, i: int) -> object:
        acceptance = own.get_one(JointAcceptance, acceptance_id)
        return site_acceptance.sign_acceptance(own, acceptance, AcceptanceParty.SUPERVISOR, signer_name=f"监理{i}",
                                               scope=scope, today=ACCEPTED_ON).id  # fmt: skip

    results = parallel(app, 4, run)
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert all(isinstance(r, DuplicateError) for r in results if not isinstance(r, int)), results
    assert count(session, JointAcceptanceSignature) == 1


def test_the_last_two_parties_signing_at_once_complete_the_acceptance(app, session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    acceptance = site_acceptance.open_acceptance(
        session, installation, scope=site.scope("user"), today=ACCEPTED_ON
    )
    for party in (AcceptanceParty.USER, AcceptanceParty.LESSOR):
        site_acceptance.sign_acceptance(session, acceptance, party, signer_name="代表", scope=site.scope(party.value),
                                        today=ACCEPTED_ON)  # fmt: skip
    last = [AcceptanceParty.INSTALLER, AcceptanceParty.SUPERVISOR]
    scopes = [site.scope(p.value) for p in last]

    def run(own: Session, i: int) -> object:
        mine = own.get_one(JointAcceptance, acceptance.id)
        linger_after_flush(own)  # both inserts written before either counts (a deadlock when it locked after)
        return site_acceptance.sign_acceptance(own, mine, last[i], signer_name="代表", scope=scopes[i],
                                               today=date(2026, 3, 17)).id  # fmt: skip

    results = parallel(app, 2, run)
    assert all(isinstance(r, int) for r in results), results
    session.expire_all()
    assert session.get_one(JointAcceptance, acceptance.id).accepted_on == date(2026, 3, 17)


# ---- use registration and its sign


def test_the_user_registers_within_30_days_and_gets_a_verifiable_sign(session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    accept(session, site, installation, on=ACCEPTED_ON)
    with pytest.raises(PermissionDenied):
        site_acceptance.register_use(session, installation, scope=site.scope("lessor"),
                                     today=ACCEPTED_ON + timedelta(days=30), render=render_sign)  # fmt: skip
    registration = site_acceptance.register_use(session, installation, scope=site.scope("user"),
                                                today=ACCEPTED_ON + timedelta(days=30), render=render_sign)  # fmt: skip
    assert registration.number == "苏E-SY2026-00001" and registration.city is City.SUZHOU
    sign = site_acceptance.use_sign_of(session, registration)
    assert sign is not None and sign.kind is CertificateKind.USE_SIGN
    assert sign.registration_id == site.machine.registrations[-1].id
    pdf = render_sign(sign, registration)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == sign.sha256
    verdict = certificates.verify_code(session, sign.verify_code)
    assert verdict.state is CertificateState.CURRENT and verdict.use_registration is not None
    assert "苏E-SY2026-00001" in verdict.message and "使用登记标志真实有效" in verdict.message
    with pytest.raises(DuplicateError, match="已办理使用登记"):
        site_acceptance.register_use(session, installation, scope=site.scope("user"), today=ACCEPTED_ON,
                                     render=render_sign)  # fmt: skip
    # The next one in the city that year has the next serial.
    other = make_crane_site(session)
    second = install(session, other)
    publish_report(session, second)
    accept(session, other, second, on=ACCEPTED_ON)
    assert site_acceptance.register_use(session, second, scope=other.scope("user"), today=ACCEPTED_ON,
                                        render=render_sign).number == "苏E-SY2026-00002"  # fmt: skip


def test_a_use_registration_31_days_after_acceptance_is_refused_and_nothing_saved(session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    accept(session, site, installation, on=ACCEPTED_ON)
    with pytest.raises(UseRegistrationError, match="本次为验收后第31日，不予登记"):
        site_acceptance.register_use(session, installation, scope=site.scope("user"),
                                     today=ACCEPTED_ON + timedelta(days=31), render=render_sign)  # fmt: skip
    assert (count(session, UseRegistration), count(session, Certificate)) == (0, 1)


def test_no_registration_before_a_complete_acceptance(session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    site_acceptance.open_acceptance(session, installation, scope=site.scope("user"), today=ACCEPTED_ON)
    with pytest.raises(ValidationError, match="联合验收尚未完成"):
        site_acceptance.register_use(session, installation, scope=site.scope("user"), today=ACCEPTED_ON,
                                     render=render_sign)  # fmt: skip


def test_an_open_major_hazard_blocks_the_registration_until_closed(session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    accept(session, site, installation, on=ACCEPTED_ON)
    crane_hazard(session, site, level=Level.ORDINARY)
    hazard = crane_hazard(session, site)
    with pytest.raises(UseRegistrationError, match="未销号的重大事故隐患"):
        site_acceptance.register_use(session, installation, scope=site.scope("user"), today=date(2026, 3, 25),
                                     render=render_sign)  # fmt: skip
    assert count(session, UseRegistration) == 0
    hazard.state = State.CLOSED
    session.commit()
    assert site_acceptance.register_use(session, installation, scope=site.scope("user"), today=date(2026, 3, 25),
                                        render=render_sign).id  # fmt: skip


def test_a_failed_latest_inspection_blocks_the_registration(session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation, published_on=date(2026, 3, 12))
    accept(session, site, installation, on=ACCEPTED_ON)
    publish_report(session, installation, Conclusion.FAIL, published_on=date(2026, 3, 20))
    with pytest.raises(UseRegistrationError, match="结论为不合格"):
        site_acceptance.register_use(session, installation, scope=site.scope("user"), today=date(2026, 3, 21),
                                     render=render_sign)  # fmt: skip
    assert count(session, UseRegistration) == 0


def test_a_revoked_use_sign_verifies_as_revoked(session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    accept(session, site, installation, on=ACCEPTED_ON)
    registration = site_acceptance.register_use(session, installation, scope=site.scope("user"), today=ACCEPTED_ON,
                                                render=render_sign)  # fmt: skip
    sign = site_acceptance.use_sign_of(session, registration)
    assert sign is not None
    services.revoke_certificate(
        session, sign, "登记资料不实", scope=site.scope("regulator"), today=date(2026, 4, 1)
    )
    verdict = certificates.verify_code(session, sign.verify_code)
    assert verdict.state is CertificateState.REVOKED
    assert "使用登记标志（使用登记编号 苏E-SY2026-00001）已于2026-04-01撤销" in verdict.message
    assert "登记资料不实" in verdict.message


def test_a_change_of_owner_after_a_use_registration_supersedes_the_ownership_certificate(session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    accept(session, site, installation, on=ACCEPTED_ON)
    registration = site_acceptance.register_use(session, installation, scope=site.scope("user"), today=ACCEPTED_ON,
                                                render=render_sign)  # fmt: skip
    sign = site_acceptance.use_sign_of(session, registration)
    buyer = make_enterprise(session)
    session.expire_all()  # as a new request would see it: the registration's certificates include the use sign
    services.change_owner(session, site.machine, buyer.credit_code, scope=site.scope("lessor"), today=date(2026, 4, 1),
                          render=render_ownership)  # fmt: skip
    assert sign is not None and certificates.state_of(sign) is CertificateState.CURRENT


# ---- dismantling and records


def test_dismantling_by_a_qualified_installer_ends_the_installation(session):
    site = make_crane_site(session)
    installation = install(session, site)
    with pytest.raises(PermissionDenied):
        site_services.dismantle(session, installation, planned_on=date(2026, 6, 1), scope=site.scope("regulator"),
                                today=date(2026, 5, 20))  # fmt: skip
    site.qualification.safety_licence_valid_until = date(2026, 5, 31)
    session.commit()
    with pytest.raises(ValidationError, match="安装单位不具备有效的起重设备安装工程专业承包资质"):
        site_services.dismantle(session, installation, planned_on=date(2026, 6, 1), scope=site.scope("installer"),
                                today=date(2026, 5, 20))  # fmt: skip
    assert installation.ended_on is None and count(session, DismantlingNotice) == 0
    qualify(session, site.installer)
    notice = site_services.dismantle(session, installation, planned_on=date(2026, 6, 1),
                                     scope=site.scope("installer"), today=date(2026, 5, 20))  # fmt: skip
    assert installation.ended_on == date(2026, 6, 1) and notice.work_id == site.work.id
    with pytest.raises(DuplicateError):
        site_services.dismantle(session, installation, planned_on=date(2026, 6, 2), scope=site.scope("installer"),
                                today=date(2026, 5, 21))  # fmt: skip
    publish_report(session, installation)
    with pytest.raises(ValidationError, match="安装已结束"):
        site_acceptance.open_acceptance(
            session, installation, scope=site.scope("user"), today=date(2026, 6, 2)
        )


def test_records_are_added_by_the_owner_the_user_or_the_maintainer(session):
    site = make_crane_site(session)
    maintainer = make_enterprise(session)
    site_services.file_installation_notice(session, site.notice(maintainer_id=maintainer.id),
                                           scope=site.scope("installer"), today=NOTICE_ON)  # fmt: skip
    data = site_services.RecordInput(RecordKind.MAINTENANCE, date(2026, 4, 1), "更换起升钢丝绳，润滑回转支承")
    keeper = Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=maintainer.id))
    for scope in (site.scope("lessor"), site.scope("user"), keeper):
        record = site_services.add_record(session, site.machine, data, scope=scope, today=date(2026, 4, 2))
        assert record.installation_id is not None and record.enterprise_id == scope.enterprise_id
    for scope in (site.scope("supervisor"), site.scope("regulator")):
        with pytest.raises(PermissionDenied):
            site_services.add_record(session, site.machine, data, scope=scope, today=date(2026, 4, 2))
    with pytest.raises(ValidationError, match="不能晚于今天"):
        site_services.add_record(
            session, site.machine, data, scope=site.scope("user"), today=date(2026, 3, 31)
        )
    assert count(session, MachineRecord) == 3


def test_who_sees_which_installation(session):
    site = make_crane_site(session)
    installation = install(session, site)
    for who in ("user", "lessor", "installer", "supervisor", "admin", "regulator"):
        assert (
            site_queries.get_installation_for(session, site.scope(who), installation.id).id == installation.id
        )
    outsiders = [Scope.of(make_account(session, Role.PROJECT_TEAM)),
                 Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING)),
                 Scope.of(make_account(session, Role.INSPECTION_BODY))]  # fmt: skip
    for scope in outsiders:
        with pytest.raises(NotFoundError):
            site_queries.get_installation_for(session, scope, installation.id)
        assert site_queries.installations_page(session, scope).total == 0
    province = Scope.of(make_account(session, Role.REGULATOR, city=None))
    assert site_queries.installations_page(session, province).total == 1


def test_the_user_must_build_on_the_project(session):
    site = make_crane_site(session)
    stranger = make_enterprise(session)
    make_project(session, [(stranger, site.project.participants[0].role)])
    with pytest.raises(ValidationError, match="使用单位须是本项目"):
        site_services.file_installation_notice(session, site.notice(user_id=site.supervisor.id),
                                               scope=site.scope("installer"), today=NOTICE_ON)  # fmt: skip
    with pytest.raises(ValidationError, match="使用单位须是本项目"):
        site_services.file_installation_notice(session, site.notice(user_id=stranger.id),
                                               scope=site.scope("installer"), today=NOTICE_ON)  # fmt: skip
