"""Draws (DOMAIN 4): request, commit-before-reveal seed, the hash chain, bookings, replay and verification."""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from expert_pool.draws import canonical, chain, record_row
from expert_pool.draws.arrangement import MEETING_START, Arrangement, add_arrangement, clean, current
from expert_pool.draws.failures import Refusal, keep_failure, record_failure
from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.funnel import Funnel, build_funnel, checked_policy
from expert_pool.draws.models import Booking, Draw, FailureKind, HalfDay, Notification, Seat, SeatStatus
from expert_pool.draws.notify import Contact, invitation
from expert_pool.draws.opening import read_opening
from expert_pool.draws.panel import ALGORITHM_VERSION, Candidate, Panel, PanelPolicy
from expert_pool.draws.replay import replay
from expert_pool.draws.selection import draw_panel
from expert_pool.draws.top_up import draw_top_up
from expert_pool.errors import DrawError
from expert_pool.experts.models import Expert
from expert_pool.policy import PoolPolicy, pool_policy
from knowledge import audit
from knowledge.clock import CST
from knowledge.plans.models import PlanSignoff, PlanVersion, SignoffKind
from knowledge.plans.services import required_signoffs
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.services import move
from knowledge.registry.workflow import WorkStatus

GENESIS = "0" * 64
ATTEMPTS = 5  # a concurrent draw that takes the same chain position or seat is retried
# Declarative classes type __table__ as a FromClause; a mapped class's is always a Table.
_SEAT, _BOOKING, _NOTIFICATION = (cast(Table, m.__table__) for m in (Seat, Booking, Notification))


def meeting_start(day: date, half_day: HalfDay) -> datetime:
    """The half-day's usual start (reply deadlines and the reveal are counted from it); the meeting's own
    start, as arranged, is ``arrangement.starts_at``."""
    return datetime.combine(day, MEETING_START[half_day], tzinfo=CST)


def panel_policy(work: Work, policy: PoolPolicy) -> PanelPolicy:
    return PanelPolicy(home_city=work.city, panel_size=policy.panel_size, alternates=policy.alternates,
                       max_local=policy.max_local, weight_exponent=policy.weight_exponent)  # fmt: skip


def content(d: Draw) -> dict[str, Any]:
    """Everything a record's hash covers: all it stores except its own hash."""
    return {
        "seq": d.seq, "work_id": d.work_id, "plan_version_id": d.plan_version_id,
        "meeting_day": d.meeting_day.isoformat(), "half_day": d.half_day.value, "requested_by": d.requested_by,
        "requested_at": _utc(d.requested_at), "reveal_at": _utc(d.reveal_at), "seed_hash": d.seed_hash,
        "seed": d.seed, "algorithm": d.algorithm, "policy": d.policy, "funnel": d.funnel, "candidates": d.candidates,
        "seated": d.seated, "alternates": d.alternates, "prev_hash": d.prev_hash, "top_up_of": d.top_up_of,
    }  # fmt: skip


def _utc(moment: datetime) -> str:
    """Timestamps hash in UTC, as the database gives them back, whatever zone they were made in."""
    return moment.astimezone(UTC).isoformat()


def record_hash(d: Draw) -> str:
    canonical = json.dumps(content(d), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_drawable(
    session: Session,
    work: Work,
    day: date,
    *,
    today: date,
    latest: tuple[int | None, set[SignoffKind]] | None = None,
) -> int:
    """Decree 37 Art. 12: only an over-scale work whose signed plan awaits review; returns that plan version.
    ``latest``: that version and the kinds of its signatures, when the caller read them (``opening``)."""
    if work.verdict is not Verdict.OVER_SCALE:
        raise DrawError("该工程不属于超过一定规模的危大工程，不需要抽取论证专家")
    if work.status is not WorkStatus.REVIEW_REQUESTED:
        raise DrawError(f"工程当前状态为“{work.status.label}”，须在施工单位申请论证后抽取")
    version_id, signed = latest or _latest_signoffs(session, work.id)
    if version_id is None or not set(required_signoffs(work)) <= signed:
        raise DrawError("方案尚未完成施工单位技术负责人和总监理工程师签字，不能抽取")
    if day <= today:
        raise DrawError("论证会日期须晚于今天")
    return version_id


def _latest_signoffs(session: Session, work_id: int) -> tuple[int | None, set[SignoffKind]]:
    """The latest plan version (the highest number, as in ``latest_version``) and who signed it: one query."""
    rows = session.execute(_latest_signoffs_statement(), {"work_id": work_id}).all()
    return (rows[0][0] if rows else None), {kind for _, kind in rows if kind is not None}


@cache
def _latest_signoffs_statement() -> Select[int, SignoffKind]:
    """Built once: building and keying it for the statement cache took longer than running it."""
    latest = (select(PlanVersion.id).where(PlanVersion.work_id == bindparam("work_id"))
              .order_by(PlanVersion.number.desc()).limit(1).scalar_subquery())  # fmt: skip
    signed = select(PlanVersion.id, PlanSignoff.kind).outerjoin(PlanVersion.signoffs)
    return signed.where(PlanVersion.id == latest)


def request_draw(
    session: Session, work: Work, day: date, half_day: HalfDay, *, actor_id: int | None, now: datetime,
    seed: str | None = None, place: str | None = None, start: time | None = None,
) -> Draw:  # fmt: skip
    """Draw the panel for a meeting on ``day``/``half_day`` at ``place`` from ``start`` (the half-day's usual
    start if not given). ``place`` is required when given (the office's form); ``None`` leaves it to be named
    later (the API and the seed)."""
    today = now.astimezone(CST).date()
    opened = read_opening(session, work.id)
    version_id = check_drawable(session, work, day, today=today, latest=opened.latest)
    where = clean(half_day, place or "", start, require_place=place is not None)
    policy = checked_policy(session, opened.checked.pool)
    taken: frozenset[int] = frozenset()
    for attempt in range(ATTEMPTS):
        opening = opened if attempt == 0 else read_opening(session, work.id)
        funnel = build_funnel(session, work, day, half_day, policy=policy, today=today, exclude_ids=taken,
                              checked=opening.checked)  # fmt: skip
        draw_seed = seed or secrets.token_hex(16)
        p_policy = panel_policy(work, policy)
        try:
            panel = draw_panel(funnel.candidates, p_policy, random.Random(draw_seed), apart=funnel.apart)
        except DrawInfeasible as exc:  # too few eligible experts: kept for the regulators, nothing else
            refusal = Refusal.of(work, FailureKind.DRAW, seats=p_policy.panel_size, alternates=p_policy.alternates,
                                 eligible=len(funnel.candidates))  # fmt: skip
            keep_failure(session, refusal, exc, actor_id=actor_id, now=now)
            raise
        try:
            draw = _store(session, work, version_id, day, half_day, funnel, funnel.texts, p_policy,
                          panel, draw_seed, actor_id=actor_id, now=now, policy=policy, where=where, heads=opening.heads)  # fmt: skip
        except (IntegrityError, OperationalError):
            # Another draw took the chain position or one of these experts meanwhile (PostgreSQL: a unique
            # violation; SQLite: a stale read snapshot cannot become a write): start again from fresh data,
            # unless that other draw was this work's panel for this round (uq_draw_one_per_round).
            session.rollback()
            _refuse_second_round(session, work.id, version_id)
            booked = session.scalars(
                select(Booking.expert_id).where(Booking.day == day, Booking.half_day == half_day)
            )
            taken = taken | frozenset(booked)
            continue
        move(
            session,
            work,
            WorkStatus.UNDER_REVIEW,
            actor_id=actor_id,
            reason=f"已抽取论证专家（抽取记录 {draw.id}）",
        )
        session.commit()
        return draw
    raise DrawError("同时进行的抽取过多，请稍后重试")


def _refuse_second_round(session: Session, work_id: int, version_id: int) -> None:
    drawn = session.scalar(select(Draw.id).where(Draw.work_id == work_id, Draw.plan_version_id == version_id,
                                                 Draw.top_up_of.is_(None)))  # fmt: skip
    if drawn is not None:
        raise DrawError(f"本工程本轮论证已抽取专家（抽取记录 {drawn}），不能重复抽取")


def _store(
    session: Session, work: Work, version_id: int, day: date, half_day: HalfDay, funnel: Funnel,
    candidate_texts: Iterable[str], p_policy: PanelPolicy, panel: Panel, seed: str, *, actor_id: int | None,
    now: datetime, policy: PoolPolicy, top_up_of: int | None = None, top_up: dict[str, Any] | None = None,
    where: Arrangement | None = None, heads: record_row.Heads | None = None,
) -> Draw:  # fmt: skip
    last = heads or record_row.read_heads(session)
    reveal = meeting_start(day, half_day) - timedelta(days=policy.reveal_days_before)
    facts: dict[str, Any] = {
        "seq": (last.seq or 0) + 1, "work_id": work.id, "plan_version_id": version_id, "meeting_day": day,
        "half_day": half_day, "requested_by": actor_id, "requested_at": now, "reveal_at": reveal,
        "seed_hash": hashlib.sha256(seed.encode()).hexdigest(), "seed": seed, "algorithm": ALGORITHM_VERSION,
        "prev_hash": last.record_hash or GENESIS, "top_up_of": top_up_of,
    }  # fmt: skip
    values: dict[str, Any] = {
        "policy": {"panel": p_policy.to_dict(), "pool": asdict(policy), **({"top_up": top_up} if top_up else {})},
        "funnel": funnel.to_dict(), "seated": list(panel.seated), "alternates": list(panel.alternates),
    }  # fmt: skip
    draw = record_row.store(session, facts, values, candidate_texts)
    try:
        if top_up_of is None:
            add_arrangement(
                session, draw, where or Arrangement("", MEETING_START[half_day]), actor_id=actor_id, now=now
            )
        when = (where or current(session, draw)).describe(day, half_day)
        reply_by = min(now + timedelta(hours=policy.reply_hours), reveal)
        staying = set(top_up["staying"]) if top_up else set()  # staying seats keep their record
        seats = _add_seats(session, draw, panel, staying, now=now, reply_by=reply_by)
        # The draw's entry, then its seats'.
        chain.append(session, [chain.draw_change(draw), *seats], now=now, after=last.chain)
        invited = [(cast(int, c.seat_id), cast(int, c.expert_id)) for c in seats
                   if c.payload and c.payload["status"] == SeatStatus.INVITED.value]  # fmt: skip
        _invite(session, draw, work, invited, funnel.contacts, reply_by=reply_by, when=when)
        audit.record(session, actor_id=actor_id, action="draw", obj=("draw", draw.id),
                     after={"work_id": work.id, "seq": draw.seq, "seed_hash": draw.seed_hash,
                            "record_hash": draw.record_hash})  # fmt: skip
    except DBAPIError:
        # Taken meanwhile (see request_draw): the caller rolls the row back, so the session forgets the record
        # it was handed as stored (SQLite may give the next attempt the same id).
        session.expunge(draw)
        raise
    return draw


def _add_seats(
    session: Session, draw: Draw, panel: Panel, staying: set[int], *, now: datetime, reply_by: datetime
) -> list[chain.Change]:
    """A seat for each newly drawn member and alternate, in one statement; returns each one's chain entry
    (the members among them are invited at once)."""
    rows: list[dict[str, Any]] = []  # column name -> value, as Core's executemany takes them
    for position, expert_id in enumerate([*panel.seated, *panel.alternates], start=1):
        if expert_id in staying:
            continue
        is_seat = position <= len(panel.seated)
        rows.append({"draw_id": draw.id, "expert_id": expert_id, "position": position,
                     "status": SeatStatus.INVITED if is_seat else SeatStatus.STANDBY,
                     "invited_at": now if is_seat else None,
                     "reply_by": reply_by if is_seat else None})  # fmt: skip
    if not rows:
        return []
    # Core inserts, not the ORM's bulk path (twice the overhead for a few rows). Ids come back matched by
    # expert (one seat each per draw), so the rows need no order and go in one statement on both databases.
    returning = insert(_SEAT).returning(_SEAT.c.expert_id, _SEAT.c.id)
    seat_of: dict[int, int] = {r.expert_id: r.id for r in session.execute(returning, rows)}
    return [chain.seat_change(chain.Kind.SEAT_DRAWN, seat_of[r["expert_id"]], draw.id, r["expert_id"],
                              r["position"], r["status"].value) for r in rows]  # fmt: skip


def _invite(
    session: Session, draw: Draw, work: Work, invited: list[tuple[int, int]],
    contacts: Mapping[int, Contact], *, reply_by: datetime, when: str,
) -> None:  # fmt: skip
    """Book the invited for the half-day (its unique key refuses anyone seated elsewhere meanwhile) and queue
    each one's invitation: one statement for each kind of row."""
    if not invited:
        return
    day, half_day = draw.meeting_day, draw.half_day
    bookings = [{"expert_id": expert_id, "day": day, "half_day": half_day, "seat_id": seat_id}
                for seat_id, expert_id in invited]  # fmt: skip
    session.execute(insert(_BOOKING), bookings)
    contacts = _contacts(session, contacts, [expert_id for _, expert_id in invited])
    notes = [invitation(contacts[expert_id], work.name, day, half_day, reply_by, when=when)
             for _, expert_id in invited]  # fmt: skip
    session.execute(insert(_NOTIFICATION), notes)


def _contacts(session: Session, known: Mapping[int, Contact], ids: list[int]) -> Mapping[int, Contact]:
    """The funnel knows everyone it let through; anyone else (drawn from elsewhere) is read here."""
    missing = [i for i in ids if i not in known]
    if not missing:
        return known
    found = select(Expert.id, Expert.name).where(Expert.id.in_(missing))
    return {**known, **{row.id: row for row in session.execute(found)}}


@dataclass(frozen=True)
class Verification:
    draw_id: int
    seq: int
    replay_matches: bool
    hash_matches: bool
    chain_matches: bool
    entry_matches: bool = True  # the keyed chain's entry for this draw is genuine and holds its hash
    seats_match: bool = True  # the seats, replayed from the keyed chain, are the seat table's

    @property
    def ok(self) -> bool:
        checks = (
            self.replay_matches,
            self.hash_matches,
            self.chain_matches,
            self.entry_matches,
            self.seats_match,
        )
        return all(checks)

    @property
    def message(self) -> str:
        if self.ok:
            return f"抽取记录 {self.draw_id}（第{self.seq}条）校验通过：重放结果与记录一致，哈希链完整"
        problems = [text for ok, text in ((self.replay_matches, "重放结果与记录的名单不一致"),
                    (self.hash_matches, "记录内容与其哈希不符（记录被修改）"),
                    (self.chain_matches, "与前一条记录的哈希不衔接（记录被删除、插入或修改）"),
                    (self.entry_matches, "与密钥链上的记录不符（记录被改写或重新抽取）"),
                    (self.seats_match, "席位与密钥链上的记录不符（席位被改写）")) if not ok]  # fmt: skip
        return f"抽取记录 {self.draw_id}（第{self.seq}条）校验失败：" + "；".join(problems)


def verify(session: Session, draw: Draw) -> Verification:
    """Replay the stored inputs with the stored seed, recompute the hash, and check the link to the previous record."""
    try:
        inputs = {"algorithm_version": draw.algorithm, "seed": draw.seed, "candidates": draw.candidates,
                  "policy": draw.policy["panel"], "apart": (draw.funnel or {}).get("apart") or [],
                  **draw.policy.get("top_up", {})}  # fmt: skip
        panel = replay(inputs)
        replays = list(panel.seated) == draw.seated and list(panel.alternates) == draw.alternates
    except Exception:  # noqa: BLE001 - a tampered record may not even replay; that is a failed check
        replays = False
    previous = session.scalar(select(Draw).where(Draw.seq < draw.seq).order_by(Draw.seq.desc()).limit(1))
    expected_prev = previous.record_hash if previous else GENESIS
    chained = draw.prev_hash == expected_prev and (previous is not None or draw.seq == 1)
    seed_ok = hashlib.sha256(draw.seed.encode()).hexdigest() == draw.seed_hash
    entry_ok, seats_ok = chain.verify_draw(session, draw)
    hashed = record_hash(draw) == draw.record_hash and seed_ok
    return Verification(draw.id, draw.seq, replays, hashed, chained, entry_ok, seats_ok)


def verify_all(session: Session) -> list[Verification]:
    """Every record in chain order; a gap in the sequence shows as a broken link at the next record."""
    return [verify(session, d) for d in session.scalars(select(Draw).order_by(Draw.seq))]


def draws_of_work(session: Session, work_id: int) -> list[Draw]:
    return list(session.scalars(select(Draw).where(Draw.work_id == work_id).order_by(Draw.id.desc())))


def top_up(
    session: Session, original: Draw, staying: list[int], *, now: datetime, actor_id: int | None
) -> Draw:
    """Alternates ran out: draw the missing seats under the same constraints (DOMAIN 4), as a new chained record.

    The staying members count towards the local quota and the specialties; everyone already drawn for this
    meeting is excluded. The new record replays like any other (its inputs name it a top-up). Refused for lack
    of eligible experts (``DrawInfeasible``, before anything is written), it adds the refusal's ``DrawFailure``
    to the session: the decline or expiry that asked for the top-up commits it with the office's notice.
    """
    work = session.get(Work, original.work_id)
    assert work is not None
    policy = pool_policy(session)
    p_policy = PanelPolicy.from_dict(original.policy["panel"])
    drawn_before = frozenset(s.expert_id for d in draws_of_meeting(session, original) for s in d.seats)
    funnel = build_funnel(session, work, original.meeting_day, original.half_day, policy=policy,
                          today=now.astimezone(CST).date(), exclude_ids=drawn_before, pair_with=staying)  # fmt: skip
    known = {c["expert_id"]: c for d in draws_of_meeting(session, original) for c in d.candidates}
    kept = [Candidate.from_dict(known[i]) for i in staying]
    candidates = funnel.candidates + kept
    seats = p_policy.panel_size - len(staying)
    seed = secrets.token_hex(16)
    try:
        panel = draw_top_up(staying, candidates, p_policy, random.Random(seed), seats=seats, alternates=0,
                            apart=funnel.apart)  # fmt: skip
    except DrawInfeasible as exc:
        found = len(funnel.candidates)
        refusal = Refusal.of(work, FailureKind.TOP_UP, seats=seats, alternates=0, eligible=found)
        record_failure(session, refusal, exc, actor_id=actor_id, now=now)
        raise
    draw = _store(session, work, original.plan_version_id, original.meeting_day, original.half_day,
                  funnel, [*funnel.texts, *map(canonical.candidate_text, kept)], p_policy, panel, seed,
                  actor_id=actor_id, now=now, policy=policy,
                  top_up_of=original.top_up_of or original.id,
                  top_up={"kind": "top_up", "staying": staying, "seats": seats, "alternates": 0, "exclude": []})  # fmt: skip
    return draw


def draws_of_meeting(session: Session, draw: Draw) -> list[Draw]:
    """A draw and its top-ups: one meeting's whole panel history."""
    root = draw.top_up_of or draw.id
    return list(
        session.scalars(select(Draw).where((Draw.id == root) | (Draw.top_up_of == root)).order_by(Draw.seq))
    )
