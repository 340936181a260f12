"""A crane on a site for tests: a project with its user (general contractor), supervisor and installer, a crane
erection work in force, a lessor's registered tower crane, the installer's qualification, and accounts for each
party; published inspection reports are written directly as rows (the inspection area owns their use cases)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from expert_pool.pdf.crane_certificate_pdf import certificate_pdf
from expert_pool.pdf.crane_use_sign_pdf import use_sign_pdf
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import services, site_acceptance, site_services
from knowledge.cranes.inspection_models import Conclusion, InspectionBody, InspectionReport, ReportState
from knowledge.cranes.machines import MachineType
from knowledge.cranes.models import Certificate, Machine
from knowledge.cranes.site_models import (
    AcceptanceParty,
    Installation,
    InstallerQualification,
    JointAcceptance,
    UseRegistration,
)
from knowledge.enterprises.models import (
    Enterprise,
    EnterpriseType,
    ParticipantRole,
    Project,
    ProjectParticipant,
)
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus
from knowledge.site.hazard_loop import Level, State
from knowledge.site.hazard_models import Hazard, Source
from tests.factories import make_account, make_enterprise, make_project, make_work

BASE = "https://example.test"
NOTICE_ON = date(2026, 3, 2)
ERECTION = {"crane_capacity": "100", "erection_height": "50", "foundation_elevation": "0"}
_serials = iter(range(1, 10**6))


def render_ownership(certificate: Certificate) -> bytes:
    return certificate_pdf(certificate, base_url=BASE)


def render_sign(certificate: Certificate, registration: UseRegistration) -> bytes:
    return use_sign_pdf(certificate, registration, base_url=BASE)


@dataclass
class CraneSite:
    project: Project
    work: Work
    machine: Machine
    user: Enterprise
    lessor: Enterprise
    installer: Enterprise
    supervisor: Enterprise
    qualification: InstallerQualification
    accounts: dict[str, Any] = field(default_factory=dict)

    def scope(self, who: str) -> Scope:
        """``user``, ``lessor``, ``installer``, ``supervisor``, ``admin`` or ``regulator`` (of the site's city)."""
        return Scope.of(self.accounts[who])

    def notice(self, **overrides: Any) -> site_services.NoticeInput:
        fields: dict[str, Any] = {
            "registration_number": self.machine.registration_number, "project_id": self.project.id,
            "work_id": self.work.id, "user_id": self.user.id, "planned_install_on": date(2026, 3, 10),
            "position": "3#楼北侧",
        }  # fmt: skip
        fields.update(overrides)
        return site_services.NoticeInput(**fields)


def qualify(
    session: Session, enterprise: Enterprise, valid_until: date = date(2028, 12, 31)
) -> InstallerQualification:
    row = InstallerQualification(
        enterprise_id=enterprise.id, certificate_number=f"D2320{next(_serials):05d}", grade="一级",
        valid_until=valid_until, safety_licence_number=f"(苏)JZ安许证字[2024]{next(_serials):06d}",
        safety_licence_valid_until=valid_until,
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row


def register_machine(session: Session, owner: Enterprise, *, today: date = date(2026, 1, 5)) -> Machine:
    account = make_account(session, Role.PROJECT_TEAM, enterprise_id=owner.id)
    data = services.MachineInput(MachineType.TOWER_CRANE, "徐工建机", "XGT7020", f"SITE-{next(_serials)}",
                                 date(2022, 5, 1), rated_moment_knm=Decimal(1250))  # fmt: skip
    return services.register_machine_and_ownership(
        session, data, scope=Scope.of(account), today=today, render=render_ownership
    )


def make_crane_site(session: Session, *, city: City = City.SUZHOU, project: Project | None = None,
                    user: Enterprise | None = None) -> CraneSite:  # fmt: skip
    """A fresh site; pass ``project`` and ``user`` to build on an existing project (its participant)."""
    user = user or make_enterprise(session, city=city)
    supervisor = make_enterprise(session, city=city, type=EnterpriseType.SUPERVISOR)
    installer = make_enterprise(session, city=city, name=f"苏州起重设备安装有限公司{next(_serials)}")
    lessor = make_enterprise(session, city=city, name=f"苏州塔机租赁有限公司{next(_serials)}")
    if project is None:
        project = make_project(session, [(user, ParticipantRole.GENERAL_CONTRACTOR)], city=city)
    for enterprise, role in (
        (supervisor, ParticipantRole.SUPERVISOR),
        (installer, ParticipantRole.SUBCONTRACTOR),
    ):
        session.add(ProjectParticipant(project_id=project.id, enterprise_id=enterprise.id, role=role))
    session.commit()
    session.refresh(project)
    work = make_work(session, project, category="lifting", sub_type="machinery_erection", parameters=ERECTION,
                     name="1#塔式起重机安装拆卸工程", status=WorkStatus.IN_FORCE)  # fmt: skip
    site = CraneSite(project, work, register_machine(session, lessor), user, lessor, installer, supervisor,
                     qualify(session, installer))  # fmt: skip
    for who, enterprise in (
        ("user", user),
        ("lessor", lessor),
        ("installer", installer),
        ("supervisor", supervisor),
    ):
        site.accounts[who] = make_account(session, Role.PROJECT_TEAM, enterprise_id=enterprise.id)
    site.accounts["admin"] = make_account(session, Role.ADMIN)
    site.accounts["regulator"] = make_account(session, Role.REGULATOR, city=city)
    return site


def install(session: Session, site: CraneSite, today: date = NOTICE_ON) -> Installation:
    return site_services.file_installation_notice(
        session, site.notice(), scope=site.scope("installer"), today=today
    )


def publish_report(
    session: Session, installation: Installation, conclusion: Conclusion = Conclusion.PASS,
    published_on: date = date(2026, 3, 12), retest_of: InspectionReport | None = None,
) -> InspectionReport:  # fmt: skip
    """A published inspection report of the installed machine, written directly as a row."""
    body_enterprise = make_enterprise(session, name=f"江苏省特种设备检验机构{next(_serials)}")
    body = InspectionBody(enterprise_id=body_enterprise.id, qualification_number=f"TS7110{next(_serials)}",
                          valid_until=date(2029, 1, 1), city=installation.city)  # fmt: skip
    inspector = make_account(session, Role.INSPECTION_BODY, enterprise_id=body_enterprise.id)
    session.add(body)
    session.flush()
    n = next(_serials)
    report = InspectionReport(
        number=f"JYBG-{n:06d}", machine_id=installation.machine_id, machine_type=MachineType.TOWER_CRANE,
        installation_id=installation.id, body_id=body.id, inspector_id=inspector.id, checklist_version="2026.1",
        retest_of_id=retest_of.id if retest_of else None, state=ReportState.PUBLISHED,
        started_at=datetime(published_on.year, published_on.month, published_on.day, 1, tzinfo=UTC),
        finished_at=datetime(published_on.year, published_on.month, published_on.day, 5, tzinfo=UTC),
        published_on=published_on, conclusion=conclusion, nonconformities=0 if conclusion is Conclusion.PASS else 3,
        verify_code=f"R{n:011d}", sha256="0" * 64,
    )  # fmt: skip
    session.add(report)
    session.commit()
    return report


def accept(
    session: Session, site: CraneSite, installation: Installation, on: date = date(2026, 3, 15)
) -> JointAcceptance:
    """Open the acceptance on a passing report and have all four parties sign on ``on``."""
    acceptance = site_acceptance.open_acceptance(session, installation, scope=site.scope("user"), today=on)
    for party in AcceptanceParty:
        site_acceptance.sign_acceptance(session, acceptance, party, signer_name=f"{party.label}代表",
                                        scope=site.scope(party.value), today=on)  # fmt: skip
    return acceptance


def crane_hazard(session: Session, site: CraneSite, *, level: Level = Level.MAJOR, state: State = State.OPEN,
                 found_on: date = date(2026, 3, 20)) -> Hazard:  # fmt: skip
    """A hazard found on the site's machine, written directly as a row (major and open unless told)."""
    hazard = Hazard(
        work_id=site.work.id, city=site.work.city, district=site.work.district, category=site.work.category,
        level=level, catalogue_key="2022-8-3" if level is Level.MAJOR else None, clause="建质规〔2022〕2号 第八条",
        description="塔式起重机附着装置连接螺栓缺失", source=Source.INSPECTION, responsible_id=site.user.id,
        machine_id=site.machine.id, found_on=found_on, deadline=date(2026, 3, 27), state=state,
        closed_on=found_on if state is State.CLOSED else None, created_by=site.accounts["regulator"].id,
    )  # fmt: skip
    session.add(hazard)
    session.commit()
    return hazard
