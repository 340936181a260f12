"""The machine's file (安全技术档案, 建设部令第166号 第九条): every event of a machine in date order, and whether its
current (or last) installation is "一体化" — lease, installation, dismantling and maintenance by one firm.

第九条 has the lessor keep the machine's file: the purchase and manufacturing papers, the periodic inspection
reports and self-checks, the installation acceptances of every site, the maintenance records, the repair and
modification records, and the records of faults and accidents. Here the file is read from the rows each use case
appended: ownership registrations and certificates (with revocations), each installation with its project,
published inspection reports, acceptances and their signatures, use registrations and their signs, maintenance,
fault and accident records, hazards found on the machine (the site-control loop), and dismantling notices.

A fixed handful of queries, whatever the number of events (the page's target is under 100 ms with a few hundred).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from knowledge.accounts.permissions import Scope
from knowledge.cranes import site_queries
from knowledge.cranes.certificates import state_of
from knowledge.cranes.inspection_models import InspectionReport, ReportState
from knowledge.cranes.models import Certificate, CertificateKind, Machine, OwnershipRegistration
from knowledge.cranes.site_models import (
    Installation,
    JointAcceptance,
    MachineRecord,
    RecordKind,
)
from knowledge.enterprises.models import Enterprise
from knowledge.site.hazard_models import Hazard


@dataclass(frozen=True)
class Event:
    """One line of the file; ``ref`` names what it links to: ("installation", id), ("verify", code),
    ("report", id), ("hazard", id) or ("machine", id)."""

    on: date
    kind: str
    title: str
    detail: str
    ref: tuple[str, int | str] | None = None


@dataclass(frozen=True)
class Integration:
    """The firms of one installation: lessor (the owner), installer, dismantler (once notified) and maintainer."""

    installation_id: int
    lessor: Enterprise
    installer: Enterprise
    dismantler: Enterprise | None
    maintainer: Enterprise | None

    @property
    def firms(self) -> list[tuple[str, Enterprise | None]]:
        return [("租赁（产权）", self.lessor), ("安装", self.installer), ("拆卸", self.dismantler),
                ("维护保养", self.maintainer)]  # fmt: skip

    @property
    def is_integrated(self) -> bool:
        """One firm leases, installs and maintains it (and dismantles it, once dismantling is notified)."""
        if self.maintainer is None:
            return False
        named = {self.lessor.id, self.installer.id, self.maintainer.id}
        if self.dismantler is not None:
            named.add(self.dismantler.id)
        return len(named) == 1


@dataclass(frozen=True)
class MachineFile:
    machine: Machine
    events: list[Event]
    integration: Integration | None


_ORDER = ("registration", "certificate", "revocation", "installation", "report", "acceptance", "signature",
          "accepted", "use", "record", "hazard", "hazard_closed", "dismantling")  # fmt: skip


def machine_file(session: Session, scope: Scope, machine_id: int) -> MachineFile:
    """The file of a machine the scope may read (``site_queries.can_read_file``); else NotFoundError."""
    machine = site_queries.get_file_machine_for(session, scope, machine_id)
    registrations = list(
        session.scalars(
            select(OwnershipRegistration)
            .where(OwnershipRegistration.machine_id == machine.id)
            .options(
                joinedload(OwnershipRegistration.owner),
                selectinload(OwnershipRegistration.certificates).joinedload(Certificate.revocation),
            )
            .order_by(OwnershipRegistration.seq)
            .execution_options(populate_existing=True)
        )
    )
    installations = _installations(session, machine.id)
    events = [*_registration_events(registrations), *_installation_events(installations)]
    events += _report_events(session, machine.id) + _record_events(session, machine.id)
    events += _hazard_events(session, machine.id)
    events.sort(key=lambda e: (e.on, _ORDER.index(e.kind)))
    return MachineFile(machine, events, _integration(session, installations))


def _installations(session: Session, machine_id: int) -> list[Installation]:
    return list(
        session.scalars(
            select(Installation)
            .where(Installation.machine_id == machine_id)
            .options(
                joinedload(Installation.project),
                joinedload(Installation.installer),
                joinedload(Installation.user),
                joinedload(Installation.lessor),
                joinedload(Installation.supervisor),
                joinedload(Installation.maintainer),
                selectinload(Installation.acceptances).selectinload(JointAcceptance.signatures),
                selectinload(Installation.use_registrations),
                selectinload(Installation.dismantling),
            )  # fmt: skip
            .order_by(Installation.id)
            .execution_options(populate_existing=True)  # fresh collections in a long-lived session too
        )
    )


def _registration_events(registrations: list[OwnershipRegistration]) -> list[Event]:
    events = []
    for r in registrations:
        events.append(Event(r.registered_on, "registration", f"产权备案（第{r.seq}次）",
                            f"备案编号 {r.number}，产权单位 {r.owner.name}，{r.city.label}", ("machine", r.machine_id)))  # fmt: skip
        for c in r.certificates:
            title = "发放产权备案证明" if c.kind is CertificateKind.OWNERSHIP else "发放使用登记标志"
            events.append(Event(c.issued_on, "certificate", title,
                                f"验证码 {c.verify_code}，{state_of(c).label}", ("verify", c.verify_code)))  # fmt: skip
            if c.revocation is not None:
                events.append(Event(c.revocation.revoked_on, "revocation", f"撤销{c.kind.label}",
                                    f"验证码 {c.verify_code}；原因：{c.revocation.reason}", ("verify", c.verify_code)))  # fmt: skip
    return events


def _installation_events(installations: list[Installation]) -> list[Event]:
    events = []
    for i in installations:
        ref = ("installation", i.id)
        where = f"{i.project.name}（{i.city.label}）{('，' + i.position) if i.position else ''}"
        events.append(Event(i.notified_on, "installation", "安装告知",
                            f"{where}；安装单位 {i.installer.name}，使用单位 {i.user.name}", ref))  # fmt: skip
        for a in i.acceptances:
            events.append(Event(a.opened_on, "acceptance", "发起联合验收", f"{i.project.name}", ref))
            for s in a.signatures:
                events.append(Event(s.signed_on, "signature", f"联合验收签字（{s.party.label}）",
                                    f"{s.signer_name}{('：' + s.opinion) if s.opinion else ''}", ref))  # fmt: skip
            if a.accepted_on is not None:
                events.append(
                    Event(a.accepted_on, "accepted", "联合验收合格", "使用、出租、安装、监理四方已签字", ref)
                )
        for u in i.use_registrations:
            events.append(
                Event(u.registered_on, "use", "使用登记", f"使用登记编号 {u.number}（{u.city.label}）", ref)
            )
        if i.dismantling is not None:
            d = i.dismantling
            events.append(Event(d.notified_on, "dismantling", "拆卸告知",
                                f"拆卸单位 {d.installer.name}，计划拆卸 {d.planned_on.isoformat()}", ref))  # fmt: skip
    return events


def _report_events(session: Session, machine_id: int) -> list[Event]:
    rows = session.execute(
        select(InspectionReport.id, InspectionReport.number, InspectionReport.published_on,
               InspectionReport.conclusion, InspectionReport.nonconformities, InspectionReport.retest_of_id)
        .where(InspectionReport.machine_id == machine_id, InspectionReport.state == ReportState.PUBLISHED)
    )  # fmt: skip
    events = []
    for rid, number, published_on, conclusion, nonconformities, retest_of in rows:
        if published_on is None:  # a published report always has its date; the column allows a draft's none
            continue
        title = "复检报告" if retest_of else "检验报告"
        verdict = conclusion.label if conclusion else "—"
        events.append(Event(published_on, "report", title,
                            f"报告 {number or rid}：{verdict}，不合格项 {nonconformities or 0} 项", ("report", rid)))  # fmt: skip
    return events


def _record_events(session: Session, machine_id: int) -> list[Event]:
    rows = session.scalars(
        select(MachineRecord)
        .where(MachineRecord.machine_id == machine_id)
        .options(joinedload(MachineRecord.enterprise))
    )
    return [Event(r.on, "record", r.kind.label, f"{r.enterprise.name}：{r.description}", None) for r in rows]


def _hazard_events(session: Session, machine_id: int) -> list[Event]:
    events = []
    for h in session.scalars(select(Hazard).where(Hazard.machine_id == machine_id)):
        events.append(Event(h.found_on, "hazard", h.level.label, h.description, ("hazard", h.id)))
        if h.closed_on is not None:
            events.append(Event(h.closed_on, "hazard_closed", "隐患销号", h.description, ("hazard", h.id)))
    return events


def _integration(session: Session, installations: list[Installation]) -> Integration | None:
    if not installations:
        return None
    last = installations[-1]
    maintainer = last.maintainer
    if maintainer is None:
        maintainer = session.scalar(
            select(Enterprise)
            .join(MachineRecord, MachineRecord.enterprise_id == Enterprise.id)
            .where(MachineRecord.installation_id == last.id, MachineRecord.kind == RecordKind.MAINTENANCE)
            .order_by(MachineRecord.on.desc(), MachineRecord.id.desc())
            .limit(1)
        )
    dismantler = last.dismantling.installer if last.dismantling is not None else None
    return Integration(last.id, last.lessor, last.installer, dismantler, maintainer)
