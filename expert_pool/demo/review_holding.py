"""Holding each planned demo review in turn (the draw, the meeting, the report), then the revisions that answer
the reports, and the status every touched work ends in (``review_reports.AFTER_CONCLUSION`` and the loop)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.demo.findings import SUMMARIES
from expert_pool.demo.review_meetings import (
    Chain,
    Held,
    Ids,
    MeetingRows,
    SigningKeys,
    at,
    attendees,
    body_hash,
    draw_row,
    issues_for,
    leader_of,
    opinion_row,
    opinions,
    place,
    readings,
    report_hash,
    seat_rows,
    verify_code,
)
from expert_pool.demo.review_plans import Directors, PlanRows, revised_version
from expert_pool.demo.review_schedule import Plan, signoff_kinds
from expert_pool.demo.review_world import Meeting, Pool, Units, WorkInfo, build_funnel
from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.panel import PanelPolicy
from expert_pool.draws.selection import draw_panel
from expert_pool.reviews.models import CheckIn, Conclusion
from knowledge.demo.sampling import Row
from knowledge.enterprises.models import ParticipantRole
from knowledge.plans.models import PlanVersion, SignoffKind
from knowledge.registry.workflow import WorkStatus

FORCE_TRIES = 300  # seeds tried to seat the demo expert on a review he is eligible for (each draw replays)
ATTEMPTS = 3  # a sampled funnel too thin for a valid panel is drawn again, twice as wide
AFTER_REVISION = {None: WorkStatus.PASSED_AFTER_REVISION, "drafted": WorkStatus.PLAN_DRAFTED,
                  "constructor": WorkStatus.CONSTRUCTOR_SIGNED, "signed": WorkStatus.SUPERVISOR_SIGNED,
                  "confirmed": WorkStatus.IN_FORCE}  # fmt: skip


@dataclass
class Holder:
    """What holding the meetings reads and writes: the pool as it fills up, the rows, the chain, the names."""

    pool: Pool
    units: Units
    ids: Ids
    chain: Chain
    rows: MeetingRows
    rng: dict[str, random.Random]
    examine: int | None
    focus_id: int | None
    directors: Directors
    codes: set[str] = field(default_factory=set)  # verify codes given out
    keys: SigningKeys = field(default_factory=SigningKeys)  # the signing experts' Ed25519 keys

    def panel_policy(self, work: WorkInfo) -> PanelPolicy:
        """As ``draws.panel_policy`` makes it from the pool's policy."""
        p = self.pool.policy
        return PanelPolicy(home_city=work.city, panel_size=p.panel_size, alternates=p.alternates,
                           max_local=p.max_local, weight_exponent=p.weight_exponent)  # fmt: skip

    def signer_name(
        self, work: WorkInfo, version_names: tuple[str, str, str] | None, kind: SignoffKind
    ) -> str:
        approver = version_names[2] if version_names else ""
        if kind is SignoffKind.SUPERVISOR:
            return work.people["chief_supervisor"]
        if kind is SignoffKind.SUBCONTRACTOR:
            return approver or self.directors(work.subcontractor_id)
        if work.subcontractor_id is None and approver:
            return approver
        return self.directors(self.units.first(work.project_id, ParticipantRole.GENERAL_CONTRACTOR))


def _draw(h: Holder, meeting: Meeting, policy: PanelPolicy, force: int | None) -> tuple[Any, ...] | None:
    """Candidates, funnel record, panel and seed; with ``force``, seeds are tried until he is seated."""
    rng, examine = h.rng["draws"], h.examine
    for _ in range(ATTEMPTS):
        candidates, funnel = build_funnel(h.pool, h.units, meeting, rng, examine=examine)
        eligible = force if force in {c.expert_id for c in candidates} else None
        try:
            for _ in range(FORCE_TRIES if eligible else 1):
                seed = f"{rng.getrandbits(128):032x}"
                panel = draw_panel(candidates, policy, random.Random(seed))
                if eligible is None or eligible in panel.seated:
                    break
        except DrawInfeasible:
            if examine is None:
                return None
            examine *= 2
            continue
        return candidates, funnel, panel, seed, eligible if eligible in panel.seated else None
    return None


def hold(h: Holder, plan: Plan, new: PlanRows, signer: int) -> bool:
    """The draw, seats, meeting, opinions and final report of one planned review; False if no panel can be drawn."""
    work, version, slot = plan.work, plan.version, plan.slot
    assert plan.conclusion is not None
    gc = h.units.first(work.project_id, ParticipantRole.GENERAL_CONTRACTOR)
    failed = {e for p in plan.earlier if p.conclusion is Conclusion.FAIL and p.held for e in p.held.panel}
    meeting = Meeting(work.project_id, gc, work.category, slot.day, slot.half, frozenset(failed))
    policy = h.panel_policy(work)
    drawn = _draw(h, meeting, policy, h.focus_id if plan.focus else None)
    if drawn is None:
        return False
    candidates, funnel, panel, seed, kept = drawn
    names = version.names()
    for kind, signed_at in slot.signs:
        new.add_signoff(version.id, kind, signer, h.signer_name(work, names, kind), signed_at)
    draw = h.rows.add("draw", draw_row(h.ids, h.chain, work_id=work.id, version_id=version.id, day=slot.day,
                                       half=slot.half, requested_at=slot.requested_at, seed=seed, p_policy=policy,
                                       policy=h.pool.policy, funnel=funnel, candidates=candidates, panel=panel))  # fmt: skip
    rng = h.rng["meetings"]
    seated = seat_rows(h.rows, h.ids, rng, draw, panel, candidates, policy, keep=kept)
    for seat in seated:
        h.pool.book(seat.expert_id, slot.day, slot.half, gc)
    plan.held = _meeting(
        h, rng, plan, draw["id"], [s.expert_id for s in seated], min(s.confirmed_at for s in seated), kept
    )
    readings(h.rows, h.ids, rng, plan.held.review_id, seated, slot.start)
    return True


def _meeting(
    h: Holder,
    rng: random.Random,
    plan: Plan,
    draw_id: int,
    panel: list[int],
    opened: datetime,
    kept: int | None,
) -> Held:
    """The meeting record, the opinions, and the report every present expert signed (Decree 37 Art. 13)."""
    work, version, slot, conclusion = plan.work, plan.version, plan.slot, plan.conclusion
    assert conclusion is not None
    start = slot.start
    leader = leader_of(rng, panel, h.pool.experts, kept if plan.lead else None)
    review = h.rows.add("review", {
        "id": h.ids("review"), "work_id": work.id, "plan_version_id": version.id, "draw_id": draw_id,
        "meeting_day": slot.day, "half_day": slot.half, "created_at": opened, "place": place(rng, h.units, work),
        "held_on": slot.day, "attendees": attendees(h.directors, h.units, work, version), "absent_expert_ids": [],
        "leader_expert_id": leader, "recorded_by": None, "recorded_at": at(start, 20, 60, rng),
    })  # fmt: skip
    h.rows.add("meeting_arrangement", {"id": h.ids("meeting_arrangement"), "draw_id": draw_id, "place": review["place"],
                                       "start_time": start.timetz().replace(tzinfo=None), "updated_by": None,
                                       "updated_at": slot.requested_at})  # fmt: skip
    for n, expert_id in enumerate(panel):  # each checks in on his own account, then names the leader
        h.rows.add("review_attendance", {"id": h.ids("review_attendance"), "review_id": review["id"],
                                         "expert_id": expert_id, "checked_in_at": start + timedelta(minutes=2 + n),
                                         "recorded_by": None, "how": CheckIn.SELF})  # fmt: skip
        h.rows.add("review_leader_vote", {"id": h.ids("review_leader_vote"), "review_id": review["id"],
                                          "voter_id": expert_id, "candidate_id": leader,
                                          "voted_at": start + timedelta(minutes=12)})  # fmt: skip
    issues = issues_for(rng, work, version, conclusion)
    opinion_rows = []
    noted = opinions(rng, panel, issues, conclusion)
    for opinion in noted:
        checks, findings = opinion_row(rng, opinion, issues, conclusion)
        opinion_rows.append(h.rows.add("review_opinion", {
            "id": h.ids("review_opinion"), "review_id": review["id"], "expert_id": opinion.expert_id,
            "checks": checks, "findings": findings, "proposed": opinion.proposed, "submitted_at": at(start, 80, 150, rng),
        }))  # fmt: skip
    drafted = at(max(o["submitted_at"] for o in opinion_rows), 10, 40, rng)
    report_id = h.ids("review_report")
    raisers = {i: sorted(o.expert_id for o in noted if i in o.raised) for i in range(len(issues))}
    changes = [] if conclusion is Conclusion.PASS else [
        h.rows.add("review_change", {"id": h.ids("review_change"), "report_id": report_id, "number": n,
                                     "text": issue.change, "source_expert_ids": raisers[n - 1]})
        for n, issue in enumerate(issues, 1)
    ]  # fmt: skip
    names = {e: h.pool.experts[e].name for e in panel}
    signed = [(e, at(drafted, 5, 180, rng)) for e in panel]
    finalised = max(when for _, when in signed)
    summary = SUMMARIES[conclusion.value].format(work=work.name, n=len(changes))
    report: Row = {"id": report_id, "review_id": review["id"], "version": 1, "conclusion": conclusion, "summary": summary,
                   "drafted_by": leader, "drafted_at": drafted, "supersedes_id": None, "correction_reason": "",
                   "verify_code": verify_code(rng, h.codes), "withdrawn_at": None, "finalised_at": finalised}  # fmt: skip
    body = body_hash(review, version, report, changes)
    signatures = [h.keys.signature_row(h.rows, h.ids, report, body, e, names[e], when) for e, when in signed]
    report["content_hash"] = report_hash(review, version, report, changes, signatures, opinion_rows)
    h.rows.add("review_report", report)
    for e in sorted(panel):  # as ``conflicts.models.record_sittings`` records a final report's signatures
        h.rows.add("panel_sitting", {"id": h.ids("panel_sitting"), "expert_id": e, "work_id": work.id,
                                     "review_id": review["id"], "report_id": report_id,
                                     "conclusion": conclusion.value, "held_on": slot.day})  # fmt: skip
    answers = [
        (c["id"], c["text"], issue.response) for c, issue in zip(changes, issues[: len(changes)], strict=True)
    ]
    return Held(review["id"], panel, leader, report_id, finalised, answers)


def revision_rows(
    session: Session,
    h: Holder,
    plans: list[Plan],
    new: PlanRows,
    texts: dict[int, str],
    seed: int,
    signer: int,
) -> None:
    """Each revision: a version (seeded, or made here from the reviewed text), its sign-offs, its responses."""
    wanted = [
        p.version.id for p in plans if p.revision and p.revision.version is None and p.version.id not in texts
    ]
    for start in range(0, len(wanted), 1_000):
        chunk = wanted[start : start + 1_000]
        stmt = select(PlanVersion.id, PlanVersion.text).where(PlanVersion.id.in_(chunk))
        texts.update((version_id, text) for version_id, text in session.execute(stmt))
    for plan in plans:
        revision, held = plan.revision, plan.held
        if revision is None or held is None:
            continue
        work = plan.work
        if revision.version is None:
            number = max(v.number for v in work.versions) + 1
            answers = [(text, response) for _, text, response in held.changes]
            revision.version = revised_version(new, work, plan.version, texts[plan.version.id], answers, number, revision.submitted,
                                               seed, missing=plan.missing)  # fmt: skip
            work.versions.append(revision.version)
        names = revision.version.names()
        for kind, signed_at in revision.signs:
            new.add_signoff(revision.version.id, kind, signer, h.signer_name(work, names, kind), signed_at)
        row = h.rows.add("review_revision", {"id": h.ids("review_revision"), "report_id": held.report_id,
                                             "plan_version_id": revision.version.id, "submitted_by": None,
                                             "submitted_at": revision.submitted, "confirmed_by": None,
                                             "confirmed_at": revision.confirmed_at})  # fmt: skip
        for change_id, _, response in held.changes:
            h.rows.add("review_response", {"id": h.ids("review_response"), "revision_id": row["id"],
                                           "change_id": change_id, "text": response})  # fmt: skip


def settle_works(
    h: Holder, works: dict[int, WorkInfo], plans: list[Plan], requested: list[WorkInfo], new: PlanRows,
    signer: int, now: datetime,
) -> list[Row]:  # fmt: skip
    """Each touched work's status and times as its last review and revision leave it."""
    last: dict[int, Plan] = {}
    for plan in plans:
        if plan.held is not None:
            last[plan.work.id] = plan
    updates: dict[int, Row] = {}
    for work_id, plan in last.items():
        assert plan.held is not None and plan.conclusion is not None
        work, revision = works[work_id], plan.revision
        answered = revision.version.id if revision and revision.version else None
        later = [v for v in work.versions if v.number > plan.version.number and v.id != answered]
        if later:
            status = WorkStatus.PLAN_DRAFTED
        elif plan.conclusion is Conclusion.PASS_AFTER_REVISION:
            status = AFTER_REVISION[revision.stage if revision else None]
        else:
            status = WorkStatus.IN_FORCE if plan.conclusion is Conclusion.PASS else WorkStatus.FAILED
        moments = [plan.held.finalised_at, *(v.submitted_at for v in later)] + (
            [revision.last] if revision else []
        )
        updates[work_id] = {
            "id": work_id,
            "status": status,
            "updated_at": max(moments),
            "created_at": work.created_at,
        }
    for row in new.versions:  # a version added for a work whose review could not be drawn
        if row["work_id"] not in updates and row["number"] == 1:
            work = works[row["work_id"]]
            updates[work.id] = {"id": work.id, "status": WorkStatus.PLAN_DRAFTED, "updated_at": row["submitted_at"],
                                "created_at": work.created_at}  # fmt: skip
    rng = h.rng["meetings"]
    for work in requested:
        version = work.versions[-1]
        cursor = version.submitted_at
        room = max((now - timedelta(minutes=10) - cursor).total_seconds() / 4, 60.0)
        for kind in signoff_kinds(work):
            if kind.value not in version.signed:
                cursor = (cursor + timedelta(seconds=room * rng.uniform(0.3, 1.0))).replace(microsecond=0)
                new.add_signoff(version.id, kind, signer, h.signer_name(work, version.names(), kind), cursor)
        updates[work.id] = {"id": work.id, "status": WorkStatus.REVIEW_REQUESTED, "created_at": work.created_at,
                            "updated_at": (cursor + timedelta(seconds=room * 0.5)).replace(microsecond=0)}  # fmt: skip
    return list(updates.values())
