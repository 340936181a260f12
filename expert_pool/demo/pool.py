"""Demo data of the expert pool: ID numbers, phones, specialties, job histories, leave, conflicts, credit."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from expert_pool.credit import rules as credit
from expert_pool.credit.ledger import credit_policy
from expert_pool.credit.rules import EventKind
from expert_pool.demo.employers import ACADEMIC_EMPLOYER_TYPES as ACADEMIC_EMPLOYER_TYPES
from expert_pool.demo.employers import ACADEMIC_TYPES_PICKER as ACADEMIC_TYPES_PICKER
from expert_pool.demo.employers import EMPLOYER_TYPES as EMPLOYER_TYPES
from expert_pool.demo.employers import EMPLOYER_TYPES_PICKER as EMPLOYER_TYPES_PICKER
from expert_pool.demo.employers import HOME_EMPLOYER_SHARE as HOME_EMPLOYER_SHARE
from expert_pool.demo.employers import POSITIONS, Units
from expert_pool.demo.people import ACADEMIC_TITLES as ACADEMIC_TITLES
from expert_pool.demo.people import BIRTH_YEARS as BIRTH_YEARS
from expert_pool.demo.people import FULL_SENIOR_TITLES as FULL_SENIOR_TITLES
from expert_pool.demo.people import MIN_SPECIALTY_EXPERTS as MIN_SPECIALTY_EXPERTS
from expert_pool.demo.people import MIN_SPECIALTY_SHARE as MIN_SPECIALTY_SHARE
from expert_pool.demo.people import PHONE_PREFIXES as PHONE_PREFIXES
from expert_pool.demo.people import SPECIALTY_COUNTS as SPECIALTY_COUNTS
from expert_pool.demo.people import SPECIALTY_WEIGHTS as SPECIALTY_WEIGHTS
from expert_pool.demo.people import Person, draw_identity, draw_specialties
from expert_pool.experts.contacts import contact_fields
from expert_pool.experts.identity import IdentityVault, mask
from expert_pool.experts.models import Expert, ExpertStatus
from knowledge.demo.generator import SCALES, anchor_date
from knowledge.demo.loader import ProgressCallback, advance_sequences, insert_in_chunks, report, table_of
from knowledge.demo.sampling import Picker, Row
from knowledge.errors import ValidationError

__all__ = ["PoolSummary", "seed_pool"]

K = EventKind
JOB_COUNTS = {1: 20, 2: 35, 3: 28, 4: 17}
CURRENT_JOB_SHARE = 0.85
GROUP_MOVE_SHARE = 0.10
DECLARATION_SHARE = 0.03
LEAVE_SHARE = 0.05
LEAVE_NEXT_MONTH_SHARE = 0.6
CREDIT_SHARE = 0.15
WARNING_SHARE = 0.01  # ledgers that take the year's score below 80 (DOMAIN 6, warning)
SUSPENSION_SHARE = 0.005  # and below 70 (suspended), never below 60 (removed)
CAREER_START = date(2000, 1, 1)
DECLARATION_NOTES = ("配偶在该单位任职", "子女在该单位任职", "兄弟在该单位担任项目经理", "持有该单位股份",
                     "近两年为该单位提供技术咨询服务", "配偶的兄弟为该单位法定代表人")  # fmt: skip
LEAVE_REASONS = ("出国访问", "身体原因", "参加培训", "本单位工作任务繁重", "家中有事", "外地出差")
EVENT_WEIGHTS = {K.TRAINING: 40, K.EXCELLENT_REVIEW: 25, K.LATE_DECLINE: 22, K.NO_SHOW: 13}
EVENT_REASONS: Mapping[EventKind, str] = {
    K.TRAINING: "完成{year}年度危大工程论证专家继续教育培训，考核合格",
    K.EXCELLENT_REVIEW: "论证评审经主管部门抽查评为优秀",
    K.LATE_DECLINE: "会前不足24小时谢绝参会，未说明正当理由",
    K.NO_SHOW: "未参加已确认的论证会，事先未告知",
}
CHUNK = 1_000
# The tables written, in order, with their progress labels (the expert table is updated, not inserted).
STAGES = (("expert_specialty", "写入专家专业"), ("employment", "写入任职经历"), ("declared_conflict", "写入申报回避"),
          ("expert_leave", "写入请假"), ("credit_event", "写入信用记录"))  # fmt: skip
JOB_COUNTS_PICKER = Picker(JOB_COUNTS)
EVENT_PICKER = Picker(EVENT_WEIGHTS)


@dataclass(frozen=True)
class PoolSummary:
    """What ``seed_pool`` wrote, as of ``today`` (the demo's anchor day unless given), and how long it took."""

    scale: str
    seed: int
    today: date
    experts: int
    specialties: int
    employments: int
    group_moves: int
    declarations: int
    leaves: int
    credit_events: int
    warned: int
    suspended: int
    elapsed_seconds: float

    @property
    def counts(self) -> dict[str, int]:
        return {"expert": self.experts, "expert_specialty": self.specialties, "employment": self.employments,
                "declared_conflict": self.declarations, "expert_leave": self.leaves,
                "credit_event": self.credit_events}  # fmt: skip


def seed_pool(
    session: Session, *, scale: str, seed: int = 2024, vault: IdentityVault,
    on_progress: ProgressCallback | None = None, today: date | None = None,
) -> PoolSummary:  # fmt: skip
    """Complete the experts ``seed_demo`` wrote into a pool that draws can use, in one transaction.

    Every expert gets an ID number (GB 11643, of a Jiangsu district, encrypted by ``vault``), a mobile
    phone, the title level his title implies, 1-3 specialties and a job history at existing enterprises
    (about 10% move within a corporate group); some declare conflicts, take leave or have credit events.
    ``today`` defaults to the demo's anchor day (``anchor_date(seed)``), so the same seed always writes the
    same rows; a credit ledger that takes an expert below the suspension line suspends him, as the ledger
    would (DOMAIN 6).

    :raises ValidationError: for an unknown scale, or when the pool already holds seeded rows.
    """
    if scale not in SCALES:
        raise ValidationError(f"未知的演示数据规模“{scale}”，可选：{'、'.join(SCALES)}", field="scale")
    _check_empty(session)
    started = time.perf_counter()
    day = today or anchor_date(seed).date()
    try:
        people = [Person(*row) for row in session.execute(select(
            Expert.id, Expert.city, Expert.title, Expert.status, Expert.suspended_until).order_by(Expert.id))]  # fmt: skip
        units = Units.load(session)
        if people and not units.info:
            raise ValidationError("请先载入企业演示数据：专家的任职单位取自企业库")
        first_ids = {name: (session.scalar(select(func.max(table_of(name).c.id))) or 0) + 1 for name, _ in STAGES}  # fmt: skip
        builder = _Builder(seed, day, units, credit_policy(session), first_ids)
        experts, rows = builder.build(people, vault), builder.rows
        report(on_progress, "生成专家库数据", 1, 1)
        _write(session, experts, rows, on_progress)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    tally = builder.tally
    return PoolSummary(
        scale=scale, seed=seed, today=day, experts=len(experts), specialties=len(rows["expert_specialty"]),
        employments=len(rows["employment"]), group_moves=tally["group_moves"],
        declarations=len(rows["declared_conflict"]), leaves=len(rows["expert_leave"]),
        credit_events=len(rows["credit_event"]), warned=tally["warned"], suspended=tally["suspended"],
        elapsed_seconds=time.perf_counter() - started,
    )  # fmt: skip


def _check_empty(session: Session) -> None:
    columns = [table_of(name).c.id for name in ("expert_specialty", "employment", "credit_event")]
    for column in (*columns, Expert.id_number_hash):
        if session.scalar(select(column).where(column.is_not(None)).limit(1)) is not None:
            raise ValidationError("专家库已有专业、任职、信用或身份证号码数据，演示数据只能写入空的专家库")


def _write(session: Session, experts: list[Row], rows: dict[str, list[Row]], on_progress: ProgressCallback | None) -> None:  # fmt: skip
    for start in range(0, len(experts), CHUNK):
        session.execute(update(Expert), experts[start : start + CHUNK])
        report(on_progress, "写入专家身份与职称", min(start + CHUNK, len(experts)), len(experts))
    tables = [table_of(name) for name, _ in STAGES]
    for table, (name, label) in zip(tables, STAGES, strict=True):
        insert_in_chunks(session, table, rows[name], label, on_progress)
    advance_sequences(session, tables)


class _Builder:
    """Generates every row from streams seeded by strings, so one part's change leaves the others as they were."""

    def __init__(self, seed: int, today: date, units: Units, policy: credit.CreditPolicy, first_ids: dict[str, int]) -> None:  # fmt: skip
        self.rng = {part: random.Random(f"{seed}/pool/{part}") for part in
                    ("identity", "specialties", "careers", "declarations", "leave", "credit")}  # fmt: skip
        self.today, self.units, self.policy, self.next_id = today, units, policy, dict(first_ids)
        self.rows: dict[str, list[Row]] = {name: [] for name, _ in STAGES}
        self.tally: Counter[str] = Counter()  # group_moves, warned, suspended

    def new_id(self, table: str) -> int:
        self.next_id[table] += 1
        return self.next_id[table] - 1

    def build(self, people: Sequence[Person], vault: IdentityVault) -> list[Row]:
        """The experts' updated columns; the rows of the other tables accumulate in ``rows``."""
        statuses = self.ledgers(people)
        taken: set[str] = set()
        births: dict[int, date] = {}
        experts: list[Row] = []
        for person in people:
            status, until = statuses.get(person.id, (person.status, person.suspended_until))
            number, phone = draw_identity(self.rng["identity"], person, taken)
            births[person.id] = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            experts.append({
                "id": person.id, "id_number_encrypted": vault.encrypt(number), "id_number_hash": vault.lookup_hash(number),
                "id_number_masked": mask(number), "title_level": person.level, "status": status,
                "suspended_until": until, **contact_fields(vault, phone, ""),
            })  # fmt: skip
        self.specialties(people)
        movers = set(self.rng["careers"].sample([p.id for p in people], round(GROUP_MOVE_SHARE * len(people))))  # fmt: skip
        for person in people:
            self.career(person, births[person.id], moves_in_group=person.id in movers)
        self.declarations(people)
        self.leave(people)
        return experts

    def specialties(self, people: Sequence[Person]) -> None:
        held = draw_specialties(self.rng["specialties"], people)
        for person in people:
            for code in sorted(held[person.id]):
                row = {"id": self.new_id("expert_specialty"), "expert_id": person.id, "category": code}
                self.rows["expert_specialty"].append(row)

    def career(self, person: Person, born: date, *, moves_in_group: bool) -> None:
        """1-4 consecutive jobs since 2000 or the expert's 23rd year, the last one usually current."""
        rng = self.rng["careers"]
        start = max(CAREER_START, born.replace(year=born.year + 23, day=1)) + timedelta(days=rng.randrange(1000))  # fmt: skip
        slots = max(1, ((self.today - start).days - 365) // 180)  # job changes at least ~3 months apart
        jobs = min(max(JOB_COUNTS_PICKER(rng), 2 if moves_in_group else 1), slots)
        picks = sorted(rng.sample(range(slots), jobs - 1))
        cuts = [start + timedelta(days=180 * (1 + s) + rng.randrange(90)) for s in picks]
        starts = [start, *(cut + timedelta(days=rng.randrange(45)) for cut in cuts)]
        ends: list[date | None] = [*cuts, None]
        if rng.random() > CURRENT_JOB_SHARE:
            ends[-1] = min(self.today, starts[-1] + timedelta(days=rng.randrange(180, 3000)))
        employers = self.units.employers(rng, person, jobs, moves_in_group and jobs > 1)
        for unit_id, begun, ended in zip(employers, starts, ends, strict=True):
            self.rows["employment"].append({
                "id": self.new_id("employment"), "expert_id": person.id, "enterprise_id": unit_id,
                "position": rng.choice(POSITIONS[self.units.info[unit_id][0]]), "start": begun, "end_date": ended,
            })  # fmt: skip
        root = self.units.root
        self.tally["group_moves"] += any(a != b and root[a] == root[b] for a, b in pairwise(employers))

    def declarations(self, people: Sequence[Person]) -> None:
        rng = self.rng["declarations"]
        everyone = [u for unit_ids in self.units.participants_in.values() for u in unit_ids]
        for person in _some(rng, people, DECLARATION_SHARE):
            unit_id = rng.choice(self.units.participants_in.get(person.city) or everyone)
            start = date(rng.randint(2005, self.today.year - 1), rng.randint(1, 12), 1)
            self.rows["declared_conflict"].append({
                "id": self.new_id("declared_conflict"), "expert_id": person.id, "enterprise_id": unit_id,
                "note": rng.choice(DECLARATION_NOTES), "start": start, "end_date": None,
                "declared_at": datetime(start.year, start.month, 1, 2, tzinfo=UTC),
            })  # fmt: skip

    def leave(self, people: Sequence[Person]) -> None:
        rng = self.rng["leave"]
        for person in _some(rng, people, LEAVE_SHARE):
            if rng.random() < LEAVE_NEXT_MONTH_SHARE:  # a leave that covers part of the coming month
                start = self.today + timedelta(days=rng.randint(-10, 25))
            else:
                start = self.today - timedelta(days=rng.randint(60, 400))
            end = start + timedelta(days=rng.randint(7, 45))
            row = {"id": self.new_id("expert_leave"), "expert_id": person.id, "start": start, "end_date": end,
                   "reason": rng.choice(LEAVE_REASONS)}  # fmt: skip
            self.rows["expert_leave"].append(row)

    def ledgers(self, people: Sequence[Person]) -> dict[int, tuple[ExpertStatus, date | None]]:
        """Ledgers for ~15% of experts; a handful cross 80 or 70; returns the statuses the ledgers impose."""
        rng, policy, n = self.rng["credit"], self.policy, len(people)
        chosen = _some(rng, people, CREDIT_SHARE)
        active = [p.id for p in chosen if p.status is ExpertStatus.ACTIVE]
        cut = max(1, round(SUSPENSION_SHARE * n))
        suspend, warn = set(active[:cut]), set(active[cut : cut + max(1, round(WARNING_SHARE * n))])
        year_start = date(self.today.year, 1, 1)
        recent = max(year_start, self.today - timedelta(days=150))
        statuses: dict[int, tuple[ExpertStatus, date | None]] = {}
        for person in chosen:
            if person.id in suspend or person.id in warn:
                floor, line = (policy.remove_below, policy.suspend_below) if person.id in suspend else (
                    policy.suspend_below, policy.warning_below)  # fmt: skip
                kinds = _crossing(rng, policy, line=line, floor=floor)
                days = sorted(recent + timedelta(days=rng.randrange((self.today - recent).days + 1)) for _ in kinds)  # fmt: skip
            else:
                floor, kinds = policy.suspend_below, [EVENT_PICKER(rng) for _ in range(rng.randint(1, 3))]
                days = sorted(self.today - timedelta(days=rng.randrange(540)) for _ in kinds)
            events = self.ledger(person, list(zip(days, kinds, strict=True)), floor)
            held = credit.standing(events, policy=policy, today=self.today)
            self.tally["warned"] += held.sanction is credit.Sanction.WARNING
            if held.sanction is credit.Sanction.SUSPENDED and person.status is not ExpertStatus.REMOVED:
                until = max(held.until or self.today, person.suspended_until or self.today)
                statuses[person.id] = (ExpertStatus.SUSPENDED, until)
                self.tally["suspended"] += 1
        return statuses

    def ledger(self, person: Person, planned: Iterable[tuple[date, EventKind]], floor: int) -> list[credit.CreditEvent]:  # fmt: skip
        """The planned events in day order, less any deduction that would take a year's score below ``floor``."""
        events: list[credit.CreditEvent] = []
        scores: dict[int, int] = {}
        for day, kind in planned:
            points = credit.points_for(kind, self.policy)
            score = scores.get(day.year, self.policy.base_score) + points
            if points < 0 and score < floor:
                continue
            scores[day.year] = score
            reason = EVENT_REASONS[kind].format(year=day.year)
            event = credit.CreditEvent(self.new_id("credit_event"), person.id, day, kind, points, reason, "系统")  # fmt: skip
            events.append(event)
            self.rows["credit_event"].append({
                "id": event.id, "expert_id": person.id, "day": day, "kind": kind.value, "points": points,
                "reason": reason, "recorded_by": None, "reversal_of": None, "source": "",
                "created_at": datetime(day.year, day.month, day.day, 8, tzinfo=UTC),
            })  # fmt: skip
        return events


def _crossing(rng: random.Random, policy: credit.CreditPolicy, *, line: int, floor: int) -> list[EventKind]:
    """Deductions that take a year's score from the base to just below ``line``, never below ``floor``."""
    kinds: list[EventKind] = [K.TRAINING] if rng.random() < 0.5 else []
    score = policy.base_score + sum(credit.points_for(k, policy) for k in kinds)
    while score >= line:
        options = [k for k in (K.NO_SHOW, K.LATE_DECLINE) if floor <= score + credit.points_for(k, policy) < score]  # fmt: skip
        if not options:
            break
        kinds.append(rng.choice(options))
        score += credit.points_for(kinds[-1], policy)
    return kinds


def _some(rng: random.Random, people: Sequence[Person], share: float) -> list[Person]:
    """About ``share`` of the experts, at least one when there are any, in id order."""
    count = min(len(people), max(1, round(share * len(people)))) if people else 0
    return sorted(rng.sample(list(people), count), key=lambda p: p.id)
