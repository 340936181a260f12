"""Seeding the site records of the demo: briefings, monitoring with alarms, acceptances, inspections with their
checklists (and small generated photos at the small scale), hazards in every state of their loop, stop orders and
a sweep half done. Rows are built in Python and written with bulk inserts in one transaction; the same seed and
``today`` always write the same rows.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from knowledge.accounts.models import Account, Role
from knowledge.accounts.passwords import hash_password
from knowledge.demo.loader import ProgressCallback, advance_sequences
from knowledge.demo.site_flags import seed_flags
from knowledge.demo.site_loops import LoopHistories, demo_photo, last_inspections
from knowledge.enterprises.models import ParticipantRole, ProjectParticipant
from knowledge.errors import ValidationError
from knowledge.plans.models import PlanVersion
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.scope_tables import EXCAVATION
from knowledge.registry.workflow import WorkStatus
from knowledge.site import files as site_files
from knowledge.site.checklist import checklist_for
from knowledge.site.hazard_catalogue import CURRENT_VERSION, clause_label, item
from knowledge.site.hazard_loop import Level, Step, deadline, replay
from knowledge.site.hazard_models import Hazard, HazardEvent, HazardEvidence, Source
from knowledge.site.inspection_models import (
    Inspection,
    InspectionItem,
    InspectionPhoto,
    ItemResult,
    Sweep,
)
from knowledge.site.models import (
    Acceptance,
    AcceptanceResult,
    AcceptanceSignature,
    AcceptanceSigner,
    AlarmHandling,
    AlarmLevel,
    Briefing,
    BriefingKind,
    Monitoring,
    MonitoringAlarm,
)

SEEDER = "demo-site-recorder"
ON_SITE = (WorkStatus.BRIEFED, WorkStatus.IN_PROGRESS, WorkStatus.ACCEPTED, WorkStatus.CLOSED)
# Where works whose plan is in force stand once the site seed has run (the earlier seeds stop at 方案生效).
ADVANCE = ((WorkStatus.IN_FORCE, 20), (WorkStatus.BRIEFED, 15), (WorkStatus.IN_PROGRESS, 45),
           (WorkStatus.ACCEPTED, 15), (WorkStatus.CLOSED, 5))  # fmt: skip
UNDER_WAY = (WorkStatus.BRIEFED, WorkStatus.IN_PROGRESS)
CHUNK = 5_000
# Targets per scale: inspections and hazards (issue 20: province scale 50,000 inspections, 20,000 hazards).
TARGETS = {"small": (60, 40), "province": (50_000, 20_000)}
INSPECTORS = ("陈建国", "刘海燕", "王志强", "张丽华", "周文斌", "吴晓明", "徐正平", "孙美玲")
QUANTITIES = (("围护结构顶部水平位移", "mm"), ("地表沉降", "mm"), ("支撑轴力", "kN"), ("地下水位", "m"))


@dataclass
class SiteSeedSummary:
    counts: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0

    @property
    def label(self) -> str:
        names = {"site_briefing": "交底", "site_monitoring_alarm": "监测报警", "site_acceptance": "验收",
                 "site_inspection": "检查", "site_hazard": "隐患", "site_inspection_photo": "照片",
                 "site_system_flag": "系统预警"}  # fmt: skip
        parts = "，".join(f"{names[k]} {self.counts.get(k, 0)}" for k in names)
        return f"现场数据已载入：{parts}；用时 {self.elapsed_seconds:.1f} 秒"


@dataclass(frozen=True)
class _Work:
    id: int
    city: Any
    district: str
    category: str
    verdict: Verdict
    status: WorkStatus
    start: date
    version_id: int
    gc: int
    monitor: int | None
    technical_lead: str
    chief_supervisor: str
    safety_officer: str
    planned: date | None = None


def seed_site(
    session: Session, *, scale: str, today: date, seed: int = 2024, upload_dir: str | Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> SiteSeedSummary:  # fmt: skip
    """Write the site records of the seeded works that are on site; refused when site records exist."""
    if scale not in TARGETS:
        raise ValidationError(f"未知的演示数据规模“{scale}”", field="scale")
    if session.scalar(select(Inspection.id).limit(1)) is not None:
        raise ValidationError("已有现场检查记录，演示现场数据只能写入尚无现场数据的数据库")
    started = time.perf_counter()
    seeder = _SiteSeeder(session, random.Random(f"{seed}/site"), today, _recorder(session), upload_dir)
    works = seeder.load_works()
    summary = SiteSeedSummary()
    steps = [("交底与验收", seeder.records), ("检查与隐患", seeder.inspections)]
    for n, (label, step) in enumerate(steps, 1):
        for table, rows in step(works, *TARGETS[scale]).items():
            summary.counts[table] = summary.counts.get(table, 0) + rows
        if on_progress is not None:
            on_progress(f"现场数据：{label}", n, len(steps))
    session.commit()
    summary.counts.update(seed_flags(session, today, seeder.recorder))
    summary.elapsed_seconds = time.perf_counter() - started
    return summary


def _recorder(session: Session) -> int:
    """A disabled account the seeded records name as their recorder (a person's name is on each record)."""
    account = session.scalar(select(Account).where(Account.username == SEEDER))
    if account is None:
        account = Account(username=SEEDER, display_name="演示数据现场记录（停用）", role=Role.ADMIN, is_active=False,
                          password_hash=hash_password(secrets.token_urlsafe(24)))  # fmt: skip
        session.add(account)
        session.flush()
    return account.id


class _SiteSeeder:
    def __init__(
        self, session: Session, rng: random.Random, today: date, recorder: int, upload_dir: Any
    ) -> None:
        self.session, self.rng, self.today, self.recorder = session, rng, today, recorder
        self.upload_dir = Path(upload_dir) / "site" if upload_dir is not None else None
        self.ids: dict[str, int] = {}
        self.thumb: str | None = None
        self.histories = LoopHistories(rng, today, with_evidence=self.upload_dir is not None)

    def next_id(self, model: Any) -> int:
        table = model.__tablename__
        if table not in self.ids:
            self.ids[table] = (self.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def load_works(self) -> list[_Work]:
        latest = (select(PlanVersion.work_id, func.max(PlanVersion.id).label("version_id"))
                  .group_by(PlanVersion.work_id).subquery())  # fmt: skip
        rows = self.session.execute(
            select(Work.id, Work.city, Work.district, Work.category, Work.verdict, Work.status, Work.planned_start,
                   Work.project_id, latest.c.version_id, Work.technical_lead, Work.chief_supervisor,
                   Work.safety_officer)
            .join(latest, latest.c.work_id == Work.id).where(Work.status.in_((WorkStatus.IN_FORCE, *ON_SITE)))
            .order_by(Work.id)
        ).all()  # fmt: skip
        rows = [SimpleNamespace(**{**r._asdict(), "status": self.advance(r.status)}) for r in rows]
        for status in ON_SITE:
            ids = [r.id for r in rows if r.status is status]
            for i in range(0, len(ids), CHUNK):
                self.session.execute(
                    update(Work).where(Work.id.in_(ids[i : i + CHUNK])).values(status=status)
                )
        rows = [r for r in rows if r.status in ON_SITE or r.status is WorkStatus.IN_FORCE]
        units: dict[int, dict[ParticipantRole, int]] = {}
        for project_id, enterprise_id, role in self.session.execute(
            select(ProjectParticipant.project_id, ProjectParticipant.enterprise_id, ProjectParticipant.role)
        ):
            units.setdefault(project_id, {}).setdefault(role, enterprise_id)
        works = []
        for r in rows:
            parties = units.get(r.project_id, {})
            gc = parties.get(ParticipantRole.SUBCONTRACTOR) or parties.get(ParticipantRole.GENERAL_CONTRACTOR)
            if gc is None:
                continue
            start = r.planned_start or self.today - timedelta(days=self.rng.randint(20, 200))
            works.append(_Work(r.id, r.city, r.district, r.category, r.verdict, r.status, min(start, self.today),
                               r.version_id, gc, parties.get(ParticipantRole.MONITOR), r.technical_lead or "技术负责人",
                               r.chief_supervisor or "总监理工程师", r.safety_officer or "安全员", r.planned_start))  # fmt: skip
        return works

    def advance(self, status: WorkStatus) -> WorkStatus:
        if status is not WorkStatus.IN_FORCE:
            return status
        roll, total = self.rng.random() * sum(w for _, w in ADVANCE), 0
        for target, weight in ADVANCE:
            total += weight
            if roll < total:
                return target
        return status

    def write(self, model: Any, rows: list[dict[str, Any]]) -> int:
        """Rows with their ids given by hand; the id sequence is moved past them (PostgreSQL)."""
        for i in range(0, len(rows), CHUNK):
            self.session.execute(insert(model), rows[i : i + CHUNK])
        if rows:
            advance_sequences(self.session, [model.__table__])
        return len(rows)

    def at(self, day: date, hour: int = 9) -> datetime:
        return datetime.combine(day, clock_time(hour, 0), tzinfo=UTC)

    def records(self, works: list[_Work], *_: int) -> dict[str, int]:
        briefings, monitorings, alarms, handlings, acceptances, signatures = [], [], [], [], [], []
        for w in works:
            if w.status is WorkStatus.IN_FORCE:  # not yet briefed
                continue
            day = w.start - timedelta(days=self.rng.randint(1, 5))
            for kind, audience in (
                (BriefingKind.PLAN, "项目部管理人员"),
                (BriefingKind.SAFETY, "作业班组全体人员"),
            ):
                briefings.append({"id": self.next_id(Briefing), "work_id": w.id, "plan_version_id": w.version_id,
                                  "kind": kind, "briefed_on": min(day, self.today), "briefer": w.technical_lead,
                                  "audience": audience, "attendees": self.rng.sample(INSPECTORS, 3),
                                  "content": "方案要点、危险源、应急措施", "recorded_by": self.recorder,
                                  "recorded_at": self.at(min(day, self.today))})  # fmt: skip
            monitored = (
                w.category == EXCAVATION.code and w.verdict is Verdict.OVER_SCALE and w.monitor is not None
            )
            if monitored and self.rng.random() < 0.85:
                mid = self.next_id(Monitoring)
                monitorings.append({"id": mid, "work_id": w.id, "enterprise_id": w.monitor, "starts_on": w.start,
                                    "scheme": "基坑工程监测方案", "recorded_by": self.recorder, "recorded_at": self.at(w.start)})  # fmt: skip
                for _ in range(self.rng.choice((0, 0, 1, 2, 3))):
                    raised = min(self.today, w.start + timedelta(days=self.rng.randint(3, 60)))
                    quantity, unit = self.rng.choice(QUANTITIES)
                    aid = self.next_id(MonitoringAlarm)
                    alarms.append({"id": aid, "monitoring_id": mid, "raised_at": self.at(raised, 8), "quantity": quantity,
                                   "level": self.rng.choice(list(AlarmLevel)), "value": f"{self.rng.uniform(20, 60):.1f}",
                                   "unit": unit, "recorded_by": self.recorder, "recorded_at": self.at(raised, 8)})  # fmt: skip
                    if self.rng.random() < 0.8:
                        handlings.append({"id": self.next_id(AlarmHandling), "alarm_id": aid, "handled_on": raised,
                                          "measures": "加密监测频率，坑边卸载，加设临时支撑", "recorded_by": self.recorder,
                                          "recorded_at": self.at(raised, 15)})  # fmt: skip
            if w.status in (WorkStatus.ACCEPTED, WorkStatus.CLOSED):
                aid, on = (
                    self.next_id(Acceptance),
                    min(self.today, w.start + timedelta(days=self.rng.randint(20, 120))),
                )
                acceptances.append({"id": aid, "work_id": w.id, "plan_version_id": w.version_id, "accepted_on": on,
                                    "participants": [w.technical_lead, w.chief_supervisor, w.safety_officer],
                                    "result": AcceptanceResult.PASSED, "note": "", "recorded_by": self.recorder,
                                    "recorded_at": self.at(on)})  # fmt: skip
                for kind, name in ((AcceptanceSigner.TECHNICAL_LEAD, w.technical_lead),
                                   (AcceptanceSigner.CHIEF_SUPERVISOR, w.chief_supervisor)):  # fmt: skip
                    signatures.append({"id": self.next_id(AcceptanceSignature), "acceptance_id": aid, "kind": kind,
                                       "account_id": self.recorder, "signer_name": name, "signed_at": self.at(on, 16)})  # fmt: skip
        return {"site_briefing": self.write(Briefing, briefings), "site_monitoring": self.write(Monitoring, monitorings),
                "site_monitoring_alarm": self.write(MonitoringAlarm, alarms),
                "site_alarm_handling": self.write(AlarmHandling, handlings),
                "site_acceptance": self.write(Acceptance, acceptances),
                "site_acceptance_signature": self.write(AcceptanceSignature, signatures)}  # fmt: skip

    def inspections(self, works: list[_Work], n_inspections: int, n_hazards: int) -> dict[str, int]:
        half = date(self.today.year, 1 if self.today.month <= 6 else 7, 1)
        sweep_end = date(half.year, 6, 30) if half.month == 1 else date(half.year, 12, 31)
        sweep_id = self.next_id(Sweep)
        self.write(Sweep, [{"id": sweep_id, "name": f"{half.year}年{'上' if half.month == 1 else '下'}半年危大工程隐患排查",
                            "starts_on": half, "ends_on": sweep_end, "city": None, "opened_by": self.recorder,
                            "opened_at": self.at(half)}])  # fmt: skip
        # The sweep's works: on site, or in force and due to start within it (sweep_services.under_way).
        under_way = [w for w in works if w.status in UNDER_WAY or w.status is WorkStatus.IN_FORCE and w.planned
                     is not None and w.planned <= sweep_end]  # fmt: skip
        ids = {w.id for w in under_way}
        pool = under_way + [w for w in works if w.id not in ids]
        if not pool:
            return {}
        fail_rate = min(0.5, n_hazards / max(1, n_inspections) / 6)
        rows: dict[str, list[dict[str, Any]]] = {
            "ins": [],
            "evidence": [],
            "items": [],
            "photos": [],
            "hazards": [],
            "events": [],
        }
        swept = set(self.rng.sample(range(len(under_way)), len(under_way) // 2)) if under_way else set()
        for n in range(n_inspections):
            w = pool[n % len(pool)]
            in_sweep = n < len(under_way) and n in swept
            day = (self.rng_day(half, self.today) if in_sweep
                   else self.rng_day(w.start, min(self.today, half - timedelta(days=1)) if w.start < half else self.today))  # fmt: skip
            if not in_sweep and w.id in ids and half <= day <= sweep_end:
                continue  # the sweep is half done: a work it has not reached has no inspection within it
            self.inspection(w, day, sweep_id if in_sweep and half <= day <= sweep_end else None, fail_rate, rows,
                            with_photo=self.upload_dir is not None and n_inspections <= 1000)  # fmt: skip
            if len(rows["hazards"]) >= n_hazards:
                fail_rate = 0.0
        last_inspections(rows)
        counts = {"site_inspection": self.write(Inspection, rows["ins"]),
                  "site_inspection_item": self.write(InspectionItem, rows["items"]),
                  "site_inspection_photo": self.write(InspectionPhoto, rows["photos"]),
                  "site_hazard": self.write(Hazard, rows["hazards"]),
                  "site_hazard_event": self.write(HazardEvent, rows["events"]),
                  "site_hazard_evidence": self.write(HazardEvidence, rows["evidence"])}  # fmt: skip
        stopped = {h["work_id"] for h in rows["hazards"] if h["is_stopped"]}
        if stopped:
            self.session.execute(update(Work).where(Work.id.in_(stopped)).values(is_stopped=True))
        return counts

    def rng_day(self, first: date, last: date) -> date:
        if last <= first:
            return min(first, self.today)
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def inspection(self, w: _Work, day: date, sweep_id: int | None, fail_rate: float,
                   rows: dict[str, list[dict[str, Any]]], *, with_photo: bool) -> None:  # fmt: skip
        iid = self.next_id(Inspection)
        rows["ins"].append({"id": iid, "work_id": w.id, "city": w.city, "category": w.category, "inspected_on": day,
                            "inspectors": self.rng.sample(INSPECTORS, 2), "sweep_id": sweep_id,
                            "catalogue_version": CURRENT_VERSION, "plan_version_id": w.version_id, "note": "",
                            "review_careless": False, "careless_note": "", "recorded_by": self.recorder,
                            "recorded_at": self.at(day, 11)})  # fmt: skip
        needs_monitoring = w.category == EXCAVATION.code and w.verdict is Verdict.OVER_SCALE
        for check in checklist_for(w.category, needs_monitoring):
            roll = self.rng.random()
            # Catalogue items are failed more rarely than general ones: a major hazard is the exception.
            fails = roll < (fail_rate / 4 if check.hazard_key else fail_rate)
            result = (
                ItemResult.FAILS
                if fails
                else (ItemResult.NOT_APPLICABLE if roll > 0.9 else ItemResult.CONFORMS)
            )
            item_id = self.next_id(InspectionItem)
            rows["items"].append({"id": item_id, "inspection_id": iid, "item_key": check.key, "text": check.text[:300],
                                  "clause": check.clause[:100], "hazard_key": check.hazard_key, "result": result,
                                  "note": "现场发现不符合要求，已责令整改" if fails else ""})  # fmt: skip
            if fails:
                self.hazard(w, day, iid, item_id, check.hazard_key, check.text, rows)
                if with_photo:
                    rows["photos"].append(self.photo(item_id))

    def hazard(self, w: _Work, day: date, iid: int, item_id: int, key: str | None, text: str,
               rows: dict[str, list[dict[str, Any]]]) -> None:  # fmt: skip
        level = Level.MAJOR if key else Level.ORDINARY
        hid = self.next_id(Hazard)
        events = list(self.histories.loop(level, day))
        state = replay(level, day, events)
        for seq, e in enumerate(events, 1):
            eid = self.next_id(HazardEvent)
            rows["events"].append({"id": eid, "hazard_id": hid, "seq": seq, "step": e.step,
                                   "party": e.party, "day": e.on, "note": e.note, "account_id": self.recorder,
                                   "at": self.at(e.on, 14)})  # fmt: skip
            if e.step is Step.SUBMIT:
                rows["evidence"].append({**self.stored_photo("整改照片.png"), "id": self.next_id(HazardEvidence),
                                         "event_id": eid})  # fmt: skip
        rows["hazards"].append({
            "id": hid, "work_id": w.id, "city": w.city, "district": w.district, "category": w.category,
            "level": level, "catalogue_key": key, "clause": clause_label(item(key)) if key else "",
            "description": f"{text[:900]}（检查发现）", "source": Source.INSPECTION, "inspection_id": iid,
            "inspection_item_id": item_id, "flag_id": None, "responsible_id": w.gc, "found_on": day,
            "deadline": deadline(level, day), "found_by_own_check": self.rng.random() < 0.3,
            "accountability": {"safety_officer": w.safety_officer, "technical_lead": w.technical_lead,
                               "chief_supervisor": w.chief_supervisor},
            "plan_version_id": w.version_id, "state": state.state, "is_supervised": state.supervised,
            "is_stopped": state.stopped, "closed_on": state.closed_on, "created_by": self.recorder,
            "created_at": self.at(day, 12),
        })  # fmt: skip

    def stored_photo(self, name: str) -> dict[str, Any]:
        """A generated picture written under the upload folder; the columns of a StoredFile row."""
        assert self.upload_dir is not None
        data = demo_photo(self.rng)
        checked = site_files.check_photo(site_files.Upload(data, name))
        stored, thumb = site_files.store(checked, self.upload_dir)
        self.thumb = thumb
        return {"original_name": name, "stored_name": stored, "content_type": checked.content_type,
                "size": checked.size, "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip

    def photo(self, item_id: int) -> dict[str, Any]:
        columns = self.stored_photo("现场照片.png")
        return {**columns, "id": self.next_id(InspectionPhoto), "item_id": item_id, "thumb_name": self.thumb,
                "width": 160, "height": 120}  # fmt: skip
