"""Demo review meetings (issue 10): drawn panels, opinions, signed reports and revisions for the seeded
over-scale works, written in bulk after ``knowledge.demo.seed.seed_demo`` and ``expert_pool.demo.pool.seed_pool``."""

from __future__ import annotations

import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from expert_pool.demo.review_holding import Holder, hold, revision_rows, settle_works
from expert_pool.demo.review_meetings import Chain, Ids, MeetingRows
from expert_pool.demo.review_plans import Directors, PlanRows, first_version, plan_contexts, write_files
from expert_pool.demo.review_schedule import NEW_REVISION, Plan, Revise, new_revision, plan_existing
from expert_pool.demo.review_world import Pool, Units, WorkInfo, load_pool, load_units, load_works
from expert_pool.draws import chain
from expert_pool.draws.models import Draw
from expert_pool.experts.models import Expert, ExpertStatus
from expert_pool.policy import pool_policy
from expert_pool.reviews import report_chain
from expert_pool.reviews.models import Conclusion, Review
from knowledge.accounts.models import Account, Role
from knowledge.accounts.passwords import hash_password
from knowledge.demo.generator import SCALES, anchor_date
from knowledge.demo.loader import ProgressCallback, advance_sequences, insert_in_chunks, report, table_of
from knowledge.demo.works import PersonNamer
from knowledge.enterprises.models import ParticipantRole, ProjectParticipant
from knowledge.errors import ValidationError
from knowledge.plans.models import PlanSignoff, PlanVersion
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus

__all__ = ["ReviewSeedSummary", "seed_reviews"]

C = Conclusion
# Shares of the three conclusions over all seeded reviews (修改后通过 is by far the most common in practice).
CONCLUSION_SHARES = {C.PASS_AFTER_REVISION: 55, C.PASS: 35, C.FAIL: 10}
TARGETS = {"small": 36, "province": 20_000}  # reviews, reached by adding first versions where needed
EXAMINE = {"small": None, "province": 16}  # experts of the specialty a seeded draw checks (see build_funnel)
TEAM_WORKS = 5  # the demo team's over-scale works given reviews (with plan versions added where missing)
# The demo team's works: one awaiting its revision, one whose revision awaits the demo expert's confirmation
# (the first of his specialty takes it), one in force, one revised and confirmed, one failed.
TEAM_OUTCOMES = ((C.PASS_AFTER_REVISION, "none"), (C.PASS_AFTER_REVISION, "signed"), (C.PASS, ""),
                 (C.PASS_AFTER_REVISION, "confirmed"), (C.FAIL, ""))  # fmt: skip
# Days over which added first versions are spread: 20,000 reviews need about two years (annual caps).
SPREAD_DAYS = {"small": 150, "province": 660}
FOCUS_EXTRA = 5  # other reviews the demo expert is drawn for, if eligible
REQUESTED_SHARE = 0.25  # of the unreviewed works with a plan: signed and waiting for a draw
SIGNER = "demo_signoffs"
TABLES = ("plan_version", "plan_signoff", "draw", "meeting_arrangement", "seat", "expert_booking", "review",
          "review_attendance", "review_leader_vote", "review_reading", "review_opinion", "review_report",
          "review_change", "expert_signing_key", "review_signature", "review_revision", "review_response",
          "panel_sitting", "report_chain_entry")  # fmt: skip


@dataclass(frozen=True)
class ReviewSeedSummary:
    scale: str
    seed: int
    today: date
    reviews: int
    conclusions: dict[str, int]  # by Conclusion value
    revisions: int
    confirmed: int
    new_versions: int
    requested: int
    elapsed_seconds: float

    @property
    def label(self) -> str:
        parts = "，".join(f"{C(k).label} {v}" for k, v in self.conclusions.items())
        return (f"专家论证 {self.reviews}（{parts}），修改回复 {self.revisions}（已确认 {self.confirmed}），"
                f"新增方案版本 {self.new_versions}，待抽取 {self.requested}")  # fmt: skip


def seed_reviews(
    session: Session, *, scale: str, seed: int = 2024, upload_dir: str | Path | None = None,
    on_progress: ProgressCallback | None = None, today: date | None = None, team_enterprise_id: int | None = None,
    demo_expert_id: int | None = None, signer_account_id: int | None = None,
) -> ReviewSeedSummary:  # fmt: skip
    """Hold review meetings for the seeded over-scale works whose plans exist, in one transaction.

    Each review hangs on a draw record made by ``selection.draw_panel`` and chained and hashed as
    ``draws`` stores one (so ``draws.verify_all`` replays it), from a funnel that leaves out what a real one
    does (status, leave, bookings, annual cap, conflicts of interest, a previous 不通过 panel); the meeting is
    recorded, the experts give their opinions, the leader's report is signed by all and verifies as current.
    Conclusions are about 55% 修改后通过, 35% 通过, 10% 不通过; most 修改后通过 get a revised version with a
    response to each required change. Works end in the status their last review implies.

    Over-scale works at ``plan_drafted`` are reviewed when their versions leave room before ``today`` (the
    demo's anchor day unless given: the seeded plans are dated up to it); then plan-less over-scale works get a
    first version (``upload_dir`` holds its file; none are added without it) until the scale's target: 36
    reviews (small) or 20,000 (province). Of the works with a plan left unreviewed, a quarter are signed and
    wait for a draw (``review_requested``). The demo team
    (``team_enterprise_id``, default: the general contractor with most projects, as ``flask seed-demo``
    binds it) gets reviews on five works, and the demo expert (default: the first expert) sits on some.
    Sign-offs name ``signer_account_id`` or a disabled account made for them.

    :raises ValidationError: for an unknown scale, or when reviews exist already.
    """
    if scale not in SCALES:
        raise ValidationError(f"未知的演示数据规模“{scale}”，可选：{'、'.join(SCALES)}", field="scale")
    if session.scalar(select(Review.id).limit(1)) is not None:
        raise ValidationError("已有专家论证记录，演示论证数据只能写入尚无论证记录的数据库")
    started = time.perf_counter()
    day = today or anchor_date(seed).date()
    now = datetime(day.year, day.month, day.day, tzinfo=UTC)
    written: list[Path] = []
    try:
        seeder = _Seeder(session, scale, seed, now, upload_dir)
        seeder.signer = signer_account_id or _signer(session)
        seeder.plan(team_enterprise_id or _busiest_contractor(session), demo_expert_id)
        report(on_progress, "生成专家论证数据", 1, 1)
        seeder.hold_all(on_progress)
        seeder.write(on_progress, written)
        session.commit()
    except BaseException:
        session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return seeder.summary(day, time.perf_counter() - started)


def _busiest_contractor(session: Session) -> int | None:
    """As ``webapp.cli`` binds the demo team: the general contractor with the most projects."""
    count = func.count(ProjectParticipant.id)
    return session.scalar(
        select(ProjectParticipant.enterprise_id).where(ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR)
        .group_by(ProjectParticipant.enterprise_id).order_by(count.desc(), ProjectParticipant.enterprise_id).limit(1)
    )  # fmt: skip


def _signer(session: Session) -> int:
    """A disabled account the seeded sign-offs name (the signer's own name is on each sign-off)."""
    account = session.scalar(select(Account).where(Account.username == SIGNER))
    if account is None:
        account = Account(username=SIGNER, display_name="演示数据历史签字（停用）", role=Role.ADMIN, is_active=False,
                          password_hash=hash_password(secrets.token_urlsafe(24)))  # fmt: skip
        session.add(account)
        session.flush()
    return account.id


class _Seeder:
    def __init__(
        self, session: Session, scale: str, seed: int, now: datetime, upload_dir: str | Path | None
    ) -> None:
        self.session, self.scale, self.seed, self.now = session, scale, seed, now
        self.upload_dir = Path(upload_dir) if upload_dir is not None else None
        self.rng = {part: random.Random(f"{seed}/reviews/{part}") for part in ("plan", "draws", "meetings")}
        policy = pool_policy(session)
        self.pool: Pool = load_pool(session, policy)
        self.units: Units = load_units(session)
        self.works: dict[int, WorkInfo] = load_works(session)
        first = {name: (session.scalar(select(func.max(table_of(name).c.id))) or 0) + 1 for name in TABLES}
        self.ids = Ids(first)
        self.new = PlanRows(first["plan_version"], first["plan_signoff"])
        self.rows = MeetingRows()
        last = session.scalar(select(Draw).order_by(Draw.seq.desc()).limit(1))
        self.chain = Chain(last.seq, last.record_hash) if last else Chain()
        self.plans: list[Plan] = []
        self.requested: list[WorkInfo] = []
        self.focus_id: int | None = None
        self.signer = 0
        self.texts: dict[int, str] = {}  # text of versions made here, for their revisions
        self.directors = Directors(session, self.units, PersonNamer(random.Random(f"{seed}/reviews/people")))

    # -- which works, which reviews ------------------------------------------------------------------------

    def plan(self, team: int | None, demo_expert_id: int | None) -> None:
        rng = self.rng["plan"]
        self.focus_id = demo_expert_id or self.session.scalar(select(Expert.id).order_by(Expert.id).limit(1))
        team_works = self._team_works(team)
        ready = [w for w in self.works.values() if w.status is WorkStatus.PLAN_DRAFTED and w.versions]
        for work in ready:
            shape = ("fail",) * (len(work.versions) - 1) + ("final",) if work.id in team_works else None
            self.plans += plan_existing(rng, work, self.now, shape=shape)
        planned = {p.work.id for p in self.plans}
        target = TARGETS[self.scale]
        team_new = [w for w in team_works.values() if not w.versions]
        needed = max(0, target - len(self.plans) - len(team_new)) if target else 0
        self._extend(team_new, needed)
        self._conclude(rng, team_works)
        left = [w for w in ready if w.id not in planned]
        self.requested = sorted(rng.sample(left, round(REQUESTED_SHARE * len(left))), key=lambda w: w.id)

    def _team_works(self, team: int | None) -> dict[int, WorkInfo]:
        if team is None:
            return {}
        projects = {
            p
            for p, roles in self.units.parties.items()
            if team in roles.get(ParticipantRole.GENERAL_CONTRACTOR, [])
        }
        mine = [w for w in self.works.values() if w.project_id in projects and w.status in
                (WorkStatus.PLAN_DRAFTED, WorkStatus.REGISTERED)]  # fmt: skip
        mine.sort(key=lambda w: (not w.versions, w.id))  # those with a plan first
        return {w.id: w for w in mine[:TEAM_WORKS]}

    def _extend(self, team_new: list[WorkInfo], needed: int) -> None:
        """First versions for plan-less over-scale works: the demo team's, then as many as the scale needs."""
        if self.upload_dir is None:
            return
        rng = self.rng["plan"]
        taken = {w.id for w in team_new}
        spare = [w for w in self.works.values() if not w.versions and w.status is WorkStatus.REGISTERED
                 and w.id not in taken]  # fmt: skip
        rng.shuffle(spare)
        chosen = team_new + self._by_capacity(spare, needed, team_new)
        contexts = plan_contexts(self.session, self.units, chosen, self.directors, self.seed)
        for work in chosen:
            submitted = self._first_submission(rng, work, team=work.id in taken)
            version = first_version(self.new, contexts[work.id], work, submitted, self.seed)
            self.texts[version.id] = self.new.versions[-1]["text"]
            work.versions.append(version)
            self.plans += plan_existing(rng, work, self.now, shape=("final",))

    def _by_capacity(self, spare: list[WorkInfo], needed: int, team_new: list[WorkInfo]) -> list[WorkInfo]:
        """``needed`` works, each category's share of all reviews following its share of the active experts' time
        (an expert's split evenly over his specialties; works outnumber experts very unevenly: 其它 has 17% of
        the works, 6% of the experts), so that annual caps leave every draw enough candidates; categories short
        of works leave theirs to the others."""
        capacity: Counter[str] = Counter()
        for expert in self.pool.experts.values():
            if expert.status is ExpertStatus.ACTIVE:
                capacity.update({c: 1 / len(expert.specialties) for c in sorted(expert.specialties)})
        total = len(self.plans) + len(team_new) + needed
        have = Counter(p.work.category for p in self.plans) + Counter(w.category for w in team_new)
        quota = {c: total * n / sum(capacity.values()) - have[c] for c, n in capacity.items()}
        chosen: list[WorkInfo] = []
        for work in spare:
            if len(chosen) < needed and quota.get(work.category, 0) >= 1:
                quota[work.category] -= 1
                chosen.append(work)
        taken = {w.id for w in chosen}
        return chosen + [w for w in spare if w.id not in taken][: needed - len(chosen)]

    def _first_submission(self, rng: random.Random, work: WorkInfo, *, team: bool) -> datetime:
        """Weeks or months before now, spread over ``SPREAD_DAYS`` so that annual caps hold; a work registered
        after its plan's date is registered earlier (the registry seed dates works from their planned start)."""
        latest = self.now - timedelta(days=rng.uniform(60, 120) if team else rng.uniform(30, 45))
        spread = 60 if team else SPREAD_DAYS[self.scale]
        submitted = (latest - timedelta(days=rng.uniform(0, spread))).replace(microsecond=0)
        if work.created_at > submitted - timedelta(days=1):
            work.created_at = (submitted - timedelta(days=rng.uniform(3, 60))).replace(microsecond=0)
        return submitted

    def _conclude(self, rng: random.Random, team_works: dict[int, WorkInfo]) -> None:
        """Conclusions of the last reviews so that all of them together come near ``CONCLUSION_SHARES``."""
        for plan in self.plans:
            plan.missing = [n for n in range(1, 10) if n not in plan.version.sections]
        finals = [p for p in self.plans if p.conclusion is None]
        focus = self.pool.experts.get(self.focus_id or 0)
        # The demo expert's own (his specialty, drawn first, before the soft limit per constructor can bite)
        # takes the revision waiting for his confirmation.
        mine = sorted((p for p in finals if p.work.id in team_works and focus and p.work.category in focus.specialties),
                      key=lambda p: p.slot.requested_at)  # fmt: skip
        team = mine[:1] + sorted((p for p in finals if p.work.id in team_works and p not in mine[:1]),
                                 key=lambda p: p.work.id)  # fmt: skip
        order = [TEAM_OUTCOMES[1], TEAM_OUTCOMES[0], *TEAM_OUTCOMES[2:]] if mine else list(TEAM_OUTCOMES)
        outcomes = iter(order)
        for plan in team:
            conclusion, stage = next(outcomes, (C.PASS, ""))
            plan.conclusion = conclusion
            plan.focus = plan.lead = stage == "signed"
            if conclusion is C.PASS_AFTER_REVISION:
                plan.revision = self._revision(rng, plan, stage)
        pending = [p for p in finals if p.conclusion is None]
        for plan, conclusion in zip(pending, self._quota(rng, pending), strict=True):
            plan.conclusion = conclusion
            if conclusion is C.PASS_AFTER_REVISION:
                plan.revision = self._revision(rng, plan, NEW_REVISION(rng))
        if focus is not None:
            own = [p for p in self.plans if not p.focus and p.work.category in focus.specialties]
            for plan in rng.sample(own, min(FOCUS_EXTRA, len(own))):
                plan.focus, plan.lead = True, rng.random() < 0.5
        self.plans.sort(key=lambda p: p.slot.requested_at)

    def _revision(self, rng: random.Random, plan: Plan, stage: str) -> Revise | None:
        """A revised version after the last review's 修改后通过, if its file has somewhere to go."""
        return new_revision(rng, plan, stage, self.now) if self.upload_dir is not None else None

    def _quota(self, rng: random.Random, pending: list[Plan]) -> list[C]:
        """Conclusions for the pending last reviews, in numbers that bring all reviews to ``CONCLUSION_SHARES``
        (largest remainders), shuffled; a plan lacking a required section is never passed."""
        total = len(self.plans)
        fixed = Counter(p.conclusion for p in self.plans if p.conclusion is not None)
        left = {c: max(0.0, share * total / 100 - fixed[c]) for c, share in CONCLUSION_SHARES.items()}
        scale = len(pending) / (sum(left.values()) or 1)
        counts = {c: int(v * scale) for c, v in left.items()}
        by_remainder = sorted(left, key=lambda c: left[c] * scale - counts[c], reverse=True)
        for c in by_remainder[: len(pending) - sum(counts.values())]:
            counts[c] += 1
        labels = [c for c, n in counts.items() for _ in range(n)]
        rng.shuffle(labels)
        swap = [i for i, p in enumerate(pending) if not p.missing and labels[i] is not C.PASS]
        for i, plan in enumerate(pending):
            if plan.missing and labels[i] is C.PASS:
                if swap:
                    j = swap.pop()
                    labels[i], labels[j] = labels[j], labels[i]
                else:
                    labels[i] = C.PASS_AFTER_REVISION
        return labels

    # -- holding them ---------------------------------------------------------------------------------------

    def hold_all(self, on_progress: ProgressCallback | None) -> None:
        holder = Holder(self.pool, self.units, self.ids, self.chain, self.rows, self.rng, EXAMINE[self.scale],
                        self.focus_id, self.directors)  # fmt: skip
        broken: set[int] = set()
        for done, plan in enumerate(self.plans, 1):
            if plan.work.id not in broken and not hold(holder, plan, self.new, self.signer):
                broken.add(plan.work.id)
            if done % 1000 == 0 or done == len(self.plans):
                report(on_progress, "生成论证会", done, len(self.plans))
        held = [p for p in self.plans if p.held is not None]
        revision_rows(self.session, holder, held, self.new, self.texts, self.seed, self.signer)
        self.updates = settle_works(holder, self.works, held, self.requested, self.new, self.signer, self.now)
        self._chain_reports()

    def _chain_reports(self) -> None:
        """Each final report enters the keyed report chain in the order it became final (``finalise`` does)."""
        final = sorted(self.rows.tables["review_report"], key=lambda r: (r["finalised_at"], r["id"]))
        links = [report_chain.Link(report_chain.Kind.FINAL, r["id"], r["version"], r["content_hash"], r["finalised_at"])
                 for r in final]  # fmt: skip
        for row in report_chain.rows(links, report_chain.head(self.session)):
            self.rows.add("report_chain_entry", {"id": self.ids("report_chain_entry"), **row})

    def write(self, on_progress: ProgressCallback | None, written: list[Path]) -> None:
        if self.new.versions:
            assert self.upload_dir is not None
            write_files(self.upload_dir, self.new, written)
        insert_in_chunks(
            self.session, table_of(PlanVersion.__tablename__), self.new.versions, "写入方案版本", on_progress
        )
        insert_in_chunks(
            self.session, table_of(PlanSignoff.__tablename__), self.new.signoffs, "写入方案签字", on_progress
        )
        labels = {"draw": "写入抽取记录", "meeting_arrangement": "写入会议安排", "review_attendance": "写入专家签到",
                  "review_leader_vote": "写入组长推选", "seat": "写入专家席位", "expert_booking": "写入专家占用",
                  "review": "写入论证记录", "review_reading": "写入阅读记录", "review_opinion": "写入专家意见",
                  "review_report": "写入论证报告", "review_change": "写入修改意见", "review_signature": "写入专家签名",
                  "review_revision": "写入修改回复", "review_response": "写入逐条回复",
                  "panel_sitting": "写入专家同组记录", "expert_signing_key": "写入专家签名密钥",
                  "report_chain_entry": "写入论证报告链"}  # fmt: skip
        for name, rows in self.rows.tables.items():
            insert_in_chunks(self.session, table_of(name), rows, labels[name], on_progress)
        for start in range(0, len(self.updates), 5_000):
            self.session.execute(update(Work), self.updates[start : start + 5_000])
        report(on_progress, "更新危大工程状态", len(self.updates), len(self.updates))
        advance_sequences(self.session, [table_of(name) for name in TABLES])
        chain.adopt(self.session, now=self.now)  # the bulk-written draws and seats enter the keyed chain

    def summary(self, day: date, elapsed: float) -> ReviewSeedSummary:
        reports = self.rows.tables["review_report"]
        counts = Counter(r["conclusion"].value for r in reports)
        revisions = self.rows.tables["review_revision"]
        return ReviewSeedSummary(
            scale=self.scale, seed=self.seed, today=day, reviews=len(self.rows.tables["review"]),
            conclusions={c.value: counts[c.value] for c in CONCLUSION_SHARES}, revisions=len(revisions),
            confirmed=sum(r["confirmed_at"] is not None for r in revisions), new_versions=len(self.new.versions),
            requested=len(self.requested), elapsed_seconds=elapsed,
        )  # fmt: skip
