"""Inspection reports for tests: a registered machine, a qualified body with its inspector, entries for a whole
checklist (every item conforming unless told), installations on a site, and reports started and published."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from expert_pool.pdf.crane_certificate_pdf import certificate_pdf
from expert_pool.pdf.crane_report_pdf import report_pdf
from knowledge.accounts.models import Account, Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import checklists, inspections, services
from knowledge.cranes.inspection_models import Conclusion, InspectionBody, InspectionReport
from knowledge.cranes.inspection_queries import ItemOutcome
from knowledge.cranes.machines import HoistDrive, MachineType
from knowledge.cranes.models import Machine
from knowledge.cranes.site_models import Installation, InstallerQualification
from knowledge.enterprises.models import Enterprise, ParticipantRole
from knowledge.regions import City
from knowledge.site import files as site_files
from tests.factories import make_account, make_enterprise, make_project, make_work
from tests.site_factories import png_bytes

BASE = "https://example.test"
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Beijing on 2026-11-30
LATER = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)
_serials = iter(range(1, 10**6))


def render(report: InspectionReport) -> bytes:
    return report_pdf(report, base_url=BASE)


def make_machine(
    session: Session, machine_type: MachineType = MachineType.TOWER_CRANE, *, owner: Enterprise | None = None
) -> Machine:
    """A registered machine of ``owner`` (a new Suzhou constructor unless given)."""
    owner = owner or make_enterprise(session, city=City.SUZHOU)
    account = make_account(session, Role.PROJECT_TEAM, enterprise_id=owner.id)
    extra: dict[str, Any] = (
        {"rated_moment_knm": Decimal(1250)}
        if machine_type is MachineType.TOWER_CRANE
        else {"rated_load_kg": 2000, "hoist_drive": HoistDrive.RACK_AND_PINION}
        if machine_type is MachineType.CONSTRUCTION_HOIST
        else {"rated_load_kg": 1000}
    )
    data = services.MachineInput(
        machine_type, "徐工建机", "XGT7020", f"RPT-{next(_serials)}", date(2022, 5, 1), **extra
    )
    return services.register_machine_and_ownership(
        session, data, scope=Scope.of(account), today=date(2026, 11, 1),
        render=lambda c: certificate_pdf(c, base_url=BASE),
    )  # fmt: skip


def make_body(
    session: Session, *, city: City = City.SUZHOU, valid_until: date = date(2030, 12, 31)
) -> InspectionBody:
    enterprise = make_enterprise(session, city=city, name=f"江苏省特种设备检验检测有限公司{next(_serials)}")
    body = InspectionBody(enterprise_id=enterprise.id, qualification_number=f"苏建检字{next(_serials):05d}号",
                          valid_until=valid_until, city=city)  # fmt: skip
    session.add(body)
    session.commit()
    return body


def make_inspector(session: Session, body: InspectionBody, **overrides: Any) -> Account:
    return make_account(session, Role.INSPECTION_BODY, enterprise_id=body.enterprise_id, **overrides)


def in_range(item: checklists.CheckItem) -> str:
    """A measured value the item's range allows."""
    assert item.measure is not None
    m = item.measure
    if m.minimum is not None:
        return f"{m.minimum}"
    assert m.maximum is not None
    return f"{m.maximum - Decimal('0.5')}" if m.max_exclusive else f"{m.maximum}"


def out_of_range(item: checklists.CheckItem) -> str:
    assert item.measure is not None
    m = item.measure
    return f"{m.minimum - 1}" if m.minimum is not None else f"{m.maximum + 1}"  # type: ignore[operator]


def entries(
    machine_type: MachineType, *, fail: Iterable[str] = (), skip: Iterable[str] = (),
    photos: dict[str, tuple[site_files.Upload, ...]] | None = None,
) -> list[inspections.ItemEntry]:  # fmt: skip
    """An entry per checklist item: conforming with an in-range figure, except the ``fail`` keys (ticked 不合格
    with a note) and the ``skip`` keys (left out)."""
    fail, skip, photos = set(fail), set(skip), photos or {}
    found = []
    for item in checklists.checklist(machine_type).items:
        if item.key in skip:
            continue
        failed = item.key in fail
        found.append(inspections.ItemEntry(
            item.key, ItemOutcome.NONCONFORM if failed else ItemOutcome.CONFORM,
            in_range(item) if item.measure else "", "现场发现问题" if failed else "", photos.get(item.key, ()),
        ))  # fmt: skip
    return found


def key_items(machine_type: MachineType) -> list[str]:
    return [i.key for i in checklists.checklist(machine_type).items if i.is_key]


def general_items(machine_type: MachineType) -> list[str]:
    return [i.key for i in checklists.checklist(machine_type).items if not i.is_key]


def photo(name: str = "现场.png") -> site_files.Upload:
    return site_files.Upload(png_bytes(), name)


def make_installation(session: Session, machine: Machine, *, user: Enterprise | None = None,
                      city: City = City.SUZHOU) -> Installation:  # fmt: skip
    """An open installation of ``machine`` on a new project of ``city`` (the user a new constructor unless given)."""
    user = user or make_enterprise(session, city=city)
    installer, supervisor = make_enterprise(session, city=city), make_enterprise(session, city=city)
    project = make_project(session, [(user, ParticipantRole.GENERAL_CONTRACTOR)], city=city)
    work = make_work(session, project)
    qualification = InstallerQualification(
        enterprise_id=installer.id, certificate_number=f"D{next(_serials):09d}", grade="一级",
        valid_until=date(2030, 1, 1), safety_licence_number=f"(苏)JZ安许证字{next(_serials)}",
        safety_licence_valid_until=date(2030, 1, 1),
    )  # fmt: skip
    session.add(qualification)
    session.flush()
    notifier = make_account(session, Role.PROJECT_TEAM, enterprise_id=installer.id)
    installation = Installation(
        machine_id=machine.id, project_id=project.id, work_id=work.id, city=city, installer_id=installer.id,
        qualification_id=qualification.id, user_id=user.id, lessor_id=machine.owner_id, supervisor_id=supervisor.id,
        notified_on=date(2026, 11, 1), planned_install_on=date(2026, 11, 10), position="3#楼北侧",
        notified_by=notifier.id,
    )  # fmt: skip
    session.add(installation)
    session.commit()
    return installation


def start(session: Session, inspector: Account, machine: Machine, **overrides: Any) -> InspectionReport:
    data = inspections.StartInput(machine.registration_number or "", **overrides)
    return inspections.start_report(session, data, scope=Scope.of(inspector), now=NOW)


def make_published_report(
    session: Session, inspector: Account, machine: Machine, *, fail: Iterable[str] = (), upload_dir: str | Path = "",
    stated: Conclusion | None = None, photos: tuple[site_files.Upload, ...] = (), **start_overrides: Any,
) -> InspectionReport:  # fmt: skip
    """A report started, recorded in full (``fail`` keys ticked 不合格, ``photos`` on the first item) and
    published."""
    report = start(session, inspector, machine, **start_overrides)
    scope = Scope.of(inspector)
    first = checklists.checklist(machine.machine_type).items[0].key
    recorded = entries(machine.machine_type, fail=fail, photos={first: photos})
    assert upload_dir or not photos, "photos need an upload folder"
    inspections.record_items(session, report, recorded, scope=scope, upload_dir=upload_dir, now=NOW)
    return inspections.publish(session, report, scope=scope, now=LATER, render=render, stated=stated)
