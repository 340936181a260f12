"""The expert review's part of a work's timeline: the draws (sealed as DOMAIN 4 says), the experts' answers, the
meeting, the report's versions and signatures, the revision after 修改后通过.

The panel's names follow the pool's reveal rule (``draws.reveal``): who may not see them yet sees that the panel
was drawn and how many confirmed; whoever is shown them leaves the audit row the rule writes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from expert_pool.draws.models import Draw, Seat, SeatStatus
from expert_pool.draws.reveal import names_visible, reveal_names
from expert_pool.experts.models import Expert
from expert_pool.policy import pool_policy
from expert_pool.reviews.models import Review, ReviewReport, Revision
from expert_pool.reviews.rules import sign_deadline
from knowledge.clock import CST
from knowledge.registry.models import Work
from knowledge.site.timeline import Step, StepState, link
from knowledge.site.timeline_steps import Names, timed

SEALED = "（名单揭晓前不公开）"


def _draws(session: Session, work: Work, *, role: str, account_id: int, now: datetime,
           accounts: Names) -> tuple[list[tuple[Step, int | None]], dict[int, bool]]:  # fmt: skip
    draws = session.scalars(
        select(Draw).where(Draw.work_id == work.id).order_by(Draw.seq)
        .options(selectinload(Draw.seats).selectinload(Seat.expert))
    ).all()  # fmt: skip
    steps: list[tuple[Step, int | None]] = []
    visible: dict[int, bool] = {}
    for d in draws:
        shown = visible[d.id] = names_visible(role, d, now)
        seated = [s for s in d.seats if s.position <= len(d.seated)]
        who = "、".join(s.expert.name for s in seated) if shown else SEALED
        label = "补充抽取论证专家" if d.top_up_of else "抽取论证专家"
        reveal = d.reveal_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
        detail = f"{len(d.seated)}名专家、{len(d.alternates)}名候补；名单揭晓时间 {reveal}；{who}"
        steps.append((timed(d.requested_at, "draw", label, detail=detail, link=link("draw", draw_id=d.id)),
                      accounts.want(d.requested_by)))  # fmt: skip
        for seat in d.seats:
            if seat.replied_at is None or seat.status not in (SeatStatus.CONFIRMED, SeatStatus.DECLINED):
                continue
            name = seat.expert.name if shown else ""
            label = "专家确认参加论证" if seat.status is SeatStatus.CONFIRMED else "专家谢绝参加论证"
            steps.append((timed(seat.replied_at, "confirmation", label, actor=name or "论证专家",
                                link=link("draw", draw_id=d.id)), None))  # fmt: skip
    return steps, visible


def _reports(review: Review, shown: bool, experts: dict[int, str], today: date, days: int) -> list[Step]:
    steps: list[Step] = []
    target = link("review", review_id=review.id)
    for r in review.reports:
        steps.append(timed(r.drafted_at, "report", f"起草论证报告第{r.version}版（结论：{r.conclusion.label}）",
                           actor=experts.get(r.drafted_by, "") if shown else "专家组组长", link=target))  # fmt: skip
        for s in r.signatures:
            steps.append(timed(s.signed_at, "report_signature", f"专家签署论证报告第{r.version}版",
                               actor=s.signer_name if shown else "论证专家", link=target))  # fmt: skip
        if r.withdrawn_at is not None:
            steps.append(
                timed(r.withdrawn_at, "report_withdrawn", f"论证报告第{r.version}版撤回", link=target)
            )
        if r.finalised_at is not None:
            steps.append(timed(r.finalised_at, "report_final", f"论证报告定稿（结论：{r.conclusion.label}）",
                               detail=r.correction_reason, link=target))  # fmt: skip
    if review.held_on is not None and not any(r.finalised_at for r in review.reports):
        due = sign_deadline(review.held_on, days=days)
        steps.append(Step(day=due, kind="report_due", label="论证报告签署期限", state=StepState.AHEAD,
                          due=due, detail="会后签署论证报告的期限", link=target))  # fmt: skip
    return steps


def _meeting(review: Review, today: date) -> Step:
    target = link("review", review_id=review.id)
    if review.held_on is not None:
        return Step(day=review.held_on, kind="meeting", label="召开专家论证会", link=target,
                    detail=f"{review.place or '地点未记录'}；{review.half_day.label}")  # fmt: skip
    state = StepState.AHEAD if review.meeting_day >= today else StepState.DONE
    return Step(day=review.meeting_day, kind="meeting", label="专家论证会（已安排）", state=state, link=target,
                detail=review.half_day.label)  # fmt: skip


def gather(
    session: Session, work: Work, *, role: str, account_id: int, now: datetime, today: date
) -> list[Step]:
    """Every step of the work's reviews, unordered; ``role``/``account_id`` decide (and log) the panel's names."""
    accounts = Names()
    drawn, visible = _draws(session, work, role=role, account_id=account_id, now=now, accounts=accounts)
    reviews = session.scalars(
        select(Review).where(Review.work_id == work.id).order_by(Review.id)
        .options(selectinload(Review.reports).selectinload(ReviewReport.signatures))
    ).all()  # fmt: skip
    drafters = {r.drafted_by for rv in reviews for r in rv.reports}
    experts = dict(session.execute(select(Expert.id, Expert.name).where(Expert.id.in_(drafters))).tuples().all()) \
        if drafters else {}  # fmt: skip
    days = pool_policy(session).report_sign_days if reviews else 0
    steps: list[Step] = []
    for review in reviews:
        shown = visible.get(review.draw_id, False)
        steps.append(_meeting(review, today))
        steps.extend(_reports(review, shown, experts, today, days))
    revisions = session.scalars(
        select(Revision).join(ReviewReport, Revision.report_id == ReviewReport.id)
        .join(Review, ReviewReport.review_id == Review.id).where(Review.work_id == work.id)
        .options(selectinload(Revision.plan_version))
    ).all()  # fmt: skip
    pending: list[tuple[Step, int | None]] = []
    for rev in revisions:
        target = link("plan_version", version_id=rev.plan_version_id)
        pending.append((timed(rev.submitted_at, "revision", f"提交修改后的方案（第{rev.plan_version.number}版）及修改说明",
                              link=target), accounts.want(rev.submitted_by)))  # fmt: skip
        if rev.confirmed_at is not None:
            pending.append((timed(rev.confirmed_at, "revision_confirmed", "修改情况确认", link=target),
                            accounts.want(rev.confirmed_by)))  # fmt: skip
    accounts.load(session)
    named = [_named(s, accounts(a)) for s, a in (*drawn, *pending)]
    for draw_id in (i for i, shown in visible.items() if shown):  # every showing of the names is logged
        reveal_names(session, session.get_one(Draw, draw_id), role=role, account_id=account_id, now=now)
    return [*named, *steps]


def _named(step: Step, actor: str) -> Step:
    return step if step.actor or not actor else replace(step, actor=actor)
