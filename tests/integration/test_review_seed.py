"""The review demo seed: reviews of every conclusion on drawn panels that keep the draw rules, reports that
verify as current, draws that replay, a consistent timeline and work statuses, revisions answering each
required change, the demo accounts' reviews through ``flask seed-demo``, and the same rows for the same seed."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from expert_pool.conflicts.store import conflicts_for_work
from expert_pool.demo.pool import seed_pool
from expert_pool.demo.reviews import ReviewSeedSummary, seed_reviews
from expert_pool.draws import services as draws
from expert_pool.draws.models import Booking, Draw, SeatStatus
from expert_pool.experts.identity import IdentityVault
from expert_pool.experts.models import Expert
from expert_pool.policy import pool_policy
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews import reports as review_reports
from expert_pool.reviews import revisions as review_revisions
from expert_pool.reviews.models import Conclusion, Review, ReviewReport, Revision
from expert_pool.reviews.rules import REQUIRED_ATTENDEES, check_changes, check_opinion
from knowledge.accounts.models import Account
from knowledge.accounts.permissions import Scope
from knowledge.db import Base
from knowledge.demo.seed import seed_demo
from knowledge.enterprises.models import ParticipantRole, ProjectParticipant
from knowledge.errors import ValidationError
from knowledge.plans.files import normalize_text
from knowledge.plans.models import PlanVersion
from knowledge.plans.sections import find_sections
from knowledge.plans.services import latest_version, required_signoffs
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import WorkStatus

S = WorkStatus


def seed_all(session: Session, upload_dir: Path) -> ReviewSeedSummary:
    seed_demo(session, "small", upload_dir=upload_dir)
    seed_pool(session, scale="small", vault=IdentityVault(IdentityVault.new_key()))
    return seed_reviews(session, scale="small", upload_dir=upload_dir)


@pytest.fixture
def seeded(session: Session, tmp_path: Path) -> tuple[ReviewSeedSummary, Path]:
    return seed_all(session, tmp_path / "uploads"), tmp_path / "uploads"


def all_reviews(session: Session) -> list[Review]:
    return list(session.scalars(select(Review).order_by(Review.id)))


def test_reviews_of_every_conclusion_verify_as_current_and_their_draws_replay(session, seeded):
    summary, _ = seeded
    held = all_reviews(session)
    assert len(held) == summary.reviews >= 30
    conclusions = Counter(reviews.current_report(r).conclusion for r in held)
    assert set(conclusions) == set(Conclusion), conclusions
    assert conclusions[Conclusion.PASS_AFTER_REVISION] > conclusions[Conclusion.FAIL]
    for report in session.scalars(select(ReviewReport)):
        assert report.finalised_at is not None and report.content_hash
        assert review_reports.verify_code(session, report.verify_code).state == "current"
    results = draws.verify_all(session)
    assert len(results) == len(held) and all(r.ok for r in results), [r.message for r in results if not r.ok]


def test_each_meeting_has_its_record_opinions_changes_and_signatures(session, seeded):
    size = pool_policy(session).panel_size
    dissent = 0
    for review in all_reviews(session):
        panel = reviews.panel_ids(session, review)
        report = reviews.current_report(review)
        assert (
            len(panel) == size
            and review.leader_expert_id in panel
            and report.drafted_by == review.leader_expert_id
        )
        assert {a["role"] for a in review.attendees} >= set(REQUIRED_ATTENDEES) and review.place
        assert all(a["name"] and a["unit"] for a in review.attendees)
        assert [o.expert_id for o in review.opinions] == panel
        for opinion in review.opinions:
            assert check_opinion(opinion.checks, opinion.findings) is None and all(opinion.findings.values())
        proposals = Counter(o.proposed for o in review.opinions)
        assert proposals[report.conclusion] > size // 2
        dissent += size - proposals[report.conclusion]
        assert check_changes(report.conclusion, [c.text for c in report.changes]) is None
        assert (report.conclusion is Conclusion.PASS) == (not report.changes)
        assert all(c.source_expert_ids and set(c.source_expert_ids) <= set(panel) for c in report.changes)
        assert sorted(s.expert_id for s in report.signatures) == sorted(panel)
        assert {r.expert_id for r in review.readings} == set(panel)
        assert all(r.first_opened_at < reviews.start_of(review) for r in review.readings)
    assert dissent > 0  # some experts proposed otherwise, and signed the unanimous report all the same


def test_panels_keep_the_draw_rules_and_conflicts_of_interest(session, seeded):
    policy = pool_policy(session)
    no_rule_6 = replace(policy, exclude_failed_panel=False)  # a failed panel's own members, on its own day
    failed_panels: dict[int, set[int]] = {}
    for review in all_reviews(session):
        work, panel = review.work, reviews.panel_ids(session, review)
        experts = [session.get(Expert, i) for i in panel]
        assert sum(e.city is work.city for e in experts) <= policy.max_local
        assert all(work.category in {s.category for s in e.specialties} for e in experts)
        assert not set(panel) & set(
            conflicts_for_work(session, work, on=review.meeting_day, policy=no_rule_6)
        )
        assert not set(panel) & failed_panels.get(work.id, set())  # DOMAIN 5 rule 6
        if reviews.current_report(review).conclusion is Conclusion.FAIL:
            failed_panels.setdefault(work.id, set()).update(panel)
        booked = {b.expert_id for b in session.scalars(select(Booking).where(
            Booking.day == review.meeting_day, Booking.half_day == review.half_day))}  # fmt: skip
        assert set(panel) <= booked
        declined = [s for s in review.draw.seats if s.status is SeatStatus.DECLINED]
        assert all(s.decline_reason for s in declined)


def test_timeline_runs_from_sign_offs_to_draw_meeting_report_and_revision(session, seeded):
    summary, _ = seeded
    now = datetime.combine(summary.today, time(0), tzinfo=UTC)
    for review in all_reviews(session):
        version, draw = review.plan_version, review.draw
        signed = {s.kind: s.signed_at for s in version.signoffs}
        assert set(required_signoffs(review.work)) <= set(signed)
        assert all(version.submitted_at < at < draw.requested_at for at in signed.values())
        start = reviews.start_of(review)
        seats = reviews.confirmed_seats(session, review)
        assert draw.meeting_day > draw.requested_at.date() and all(
            draw.requested_at < s.replied_at < start for s in seats
        )
        report = reviews.current_report(review)
        assert all(start < o.submitted_at < report.drafted_at for o in review.opinions)
        assert all(report.drafted_at < s.signed_at <= report.finalised_at for s in report.signatures)
        assert report.finalised_at < now
    for revision in session.scalars(select(Revision)):
        assert revision.report.finalised_at < revision.submitted_at == revision.plan_version.submitted_at
        signed_at = [s.signed_at for s in revision.plan_version.signoffs]
        assert all(revision.submitted_at < at < now for at in signed_at)
        if revision.confirmed_at is not None:
            assert max(signed_at) < revision.confirmed_at < now


def test_work_statuses_follow_the_last_review_and_revisions_answer_every_change(session, seeded):
    _, uploads = seeded
    reviewed = {r.work_id for r in all_reviews(session)}
    outcomes: Counter[str] = Counter()
    for work_id in sorted(reviewed):
        work = session.get(Work, work_id)
        review = review_revisions.latest_review(session, work.id)
        report = reviews.current_report(review)
        revision = session.scalar(select(Revision).where(Revision.report_id == report.id))
        later = latest_version(session, work.id).number > review.plan_version.number
        if report.conclusion is Conclusion.PASS:
            assert work.status is S.IN_FORCE and not later
        elif report.conclusion is Conclusion.FAIL:
            assert work.status is (S.PLAN_DRAFTED if later else S.FAILED)
        elif revision is None:
            assert (
                work.status is S.PASSED_AFTER_REVISION
                and review_revisions.report_to_answer(session, work) == report
            )
        elif revision.confirmed_at is not None:
            assert work.status is S.IN_FORCE
        else:
            assert work.status in (S.PLAN_DRAFTED, S.CONSTRUCTOR_SIGNED, S.SUPERVISOR_SIGNED)
            assert review_revisions.report_to_answer(session, work) == report
            assert (review_revisions.pending_revision(session, work) == revision) == (
                work.status is S.SUPERVISOR_SIGNED
            )
        outcomes[work.status.value] += 1
    assert outcomes[S.IN_FORCE] and outcomes[S.PASSED_AFTER_REVISION] and outcomes[S.FAILED], outcomes
    for revision in session.scalars(select(Revision)):
        changes = {c.id for c in revision.report.changes}
        assert {r.change_id for r in revision.responses} == changes and all(
            r.text for r in revision.responses
        )
        version = revision.plan_version
        data = (uploads / version.stored_name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == version.sha256 and len(data) == version.size
        assert version.text == normalize_text(data.decode())
        assert version.work_id == revision.report.review.work_id
        assert version.number > revision.report.review.plan_version.number
        assert version.sections_found == list(find_sections(version.text).found)
    waiting = session.scalars(select(Work).where(Work.status == S.REVIEW_REQUESTED)).all()
    assert waiting
    for work in waiting:
        signed = {s.kind for s in latest_version(session, work.id).signoffs}
        assert set(required_signoffs(work)) <= signed and work.verdict is Verdict.OVER_SCALE


def test_seed_demo_gives_the_demo_team_and_expert_reviews_to_work_with(runner, session):
    result = runner.invoke(args=["seed-demo", "--scale", "small"])
    assert result.exit_code == 0, result.output
    assert "专家论证" in result.output and "修改后通过" in result.output
    team = session.scalar(select(Account).where(Account.username == "team"))
    projects = select(ProjectParticipant.project_id).where(
        ProjectParticipant.enterprise_id == team.enterprise_id,
        ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR,
    )
    works = session.scalars(select(Work).where(Work.project_id.in_(projects))).all()
    concluded = {w.id: review_revisions.latest_review(session, w.id) for w in works}
    assert sum(r is not None for r in concluded.values()) >= 4
    assert any(
        review_revisions.report_to_answer(session, w) and w.status is S.PASSED_AFTER_REVISION for w in works
    )
    expert = session.scalar(select(Account).where(Account.username == "expert"))
    sits = reviews.reviews_of_expert(session, expert.expert_id)
    assert len(sits) >= 3 and any(r.leader_expert_id == expert.expert_id for r in sits)
    pending = [p for w in works if (p := review_revisions.pending_revision(session, w)) is not None]
    assert any(review_revisions.may_confirm(session, Scope.of(expert), p) for p in pending)
    verified = runner.invoke(args=["draws", "verify", "--all"])
    assert verified.exit_code == 0 and "全部通过" in verified.output
    again = runner.invoke(args=["seed-demo", "--scale", "small", "--if-empty"])
    assert again.exit_code == 0 and "跳过" in again.output
    with pytest.raises(ValidationError, match="已有专家论证记录"):
        seed_reviews(session, scale="small")


def test_same_seed_gives_the_same_reviews(tmp_path):
    made = []
    for name in ("a", "b"):
        engine = create_engine(f"sqlite:///{tmp_path / name}.db")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            seed_all(session, tmp_path / name)
            made.append((
                [(d.seq, d.record_hash) for d in session.scalars(select(Draw).order_by(Draw.seq))],
                [(r.verify_code, r.content_hash) for r in session.scalars(select(ReviewReport).order_by(ReviewReport.id))],
                [(v.stored_name, v.sha256) for v in session.scalars(select(PlanVersion).order_by(PlanVersion.id))],
            ))  # fmt: skip
        engine.dispose()
    assert made[0] == made[1] and made[0][0]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        p.name for p in (tmp_path / "b").iterdir()
    )


def test_unknown_scale_is_refused(session):
    with pytest.raises(ValidationError, match="未知的演示数据规模"):
        seed_reviews(session, scale="huge")
