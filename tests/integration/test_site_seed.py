"""The site demo seed: briefings on the version in force before the start, acceptances signed by both, inspections
answering their work's whole checklist, hazards whose stored state is the replay of their events and that cite their
clause, every state of the loop present, stop orders on the works, a sweep half done, and the same rows again."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from expert_pool.demo.pool import seed_pool
from expert_pool.demo.reviews import seed_reviews
from expert_pool.experts.identity import IdentityVault
from knowledge.db import Base
from knowledge.demo.seed import seed_demo
from knowledge.demo.site import seed_site
from knowledge.errors import ValidationError
from knowledge.plans.services import latest_version
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.scope_tables import EXCAVATION
from knowledge.registry.workflow import WorkStatus
from knowledge.site import sweep_services
from knowledge.site.checklist import checklist_for
from knowledge.site.hazard_loop import State
from knowledge.site.hazard_models import Hazard
from knowledge.site.hazards import loop_state
from knowledge.site.inspection_models import FlagState, Inspection, InspectionPhoto, Sweep, SystemFlag
from knowledge.site.models import Acceptance, AcceptanceSigner, Briefing, BriefingKind

TODAY = date(2026, 12, 1)


@pytest.fixture
def seeded(session: Session, tmp_path: Path):
    uploads = tmp_path / "uploads"
    seed_demo(session, "small", upload_dir=uploads)
    seed_pool(session, scale="small", vault=IdentityVault(IdentityVault.new_key()))
    seed_reviews(session, scale="small", upload_dir=uploads)
    return seed_site(session, scale="small", today=TODAY, upload_dir=uploads), uploads


def test_works_on_site_have_briefings_on_their_plan_in_force_and_signed_acceptances(session, seeded):
    on_site = list(session.scalars(select(Work).where(Work.status.in_(
        (WorkStatus.BRIEFED, WorkStatus.IN_PROGRESS, WorkStatus.ACCEPTED, WorkStatus.CLOSED)))))  # fmt: skip
    assert len(on_site) >= 10
    for work in on_site:
        version = latest_version(session, work.id)
        plan = session.scalars(
            select(Briefing).where(Briefing.work_id == work.id, Briefing.kind == BriefingKind.PLAN)
        ).one()
        assert plan.plan_version_id == version.id and plan.briefed_on <= TODAY
        if work.status in (WorkStatus.ACCEPTED, WorkStatus.CLOSED):
            acceptance = session.scalars(select(Acceptance).where(Acceptance.work_id == work.id)).one()
            assert {s.kind for s in acceptance.signatures} == set(AcceptanceSigner)


def test_inspections_answer_their_works_whole_checklist(session, seeded):
    for inspection in session.scalars(select(Inspection)):
        work = inspection.work
        needs = work.category == EXCAVATION.code and work.verdict is Verdict.OVER_SCALE
        assert [i.item_key for i in inspection.items] == [c.key for c in checklist_for(work.category, needs)]
        assert inspection.inspected_on <= TODAY


def test_hazards_replay_their_events_and_cover_the_loop(session, seeded):
    hazards = list(session.scalars(select(Hazard)))
    assert len(hazards) >= 20
    for h in hazards:
        replayed = loop_state(h)
        assert (replayed.state, replayed.supervised, replayed.stopped, replayed.closed_on) == (
            h.state, h.is_supervised, h.is_stopped, h.closed_on)  # fmt: skip
        assert (h.level.value == "major") == (h.catalogue_key is not None) and (h.clause != "") == bool(
            h.catalogue_key
        )
    states = Counter(h.state for h in hazards)
    assert set(states) == set(State), states
    assert any(h.is_supervised for h in hazards) and any(h.is_stopped for h in hazards)
    assert any(h.state in (State.OPEN, State.SENT_BACK) and h.deadline < TODAY for h in hazards)  # overdue
    stopped_works = {h.work_id for h in hazards if h.is_stopped}
    assert stopped_works == set(session.scalars(select(Work.id).where(Work.is_stopped)))


def test_a_sweep_half_done_and_photos_that_exist(session, seeded):
    _, uploads = seeded
    sweep = session.scalars(select(Sweep)).one()
    assert sweep.starts_on <= TODAY <= sweep.ends_on
    coverage = sweep_services.compute_coverage(session, sweep, city=None)
    assert coverage.works.total >= 10 and 0.3 <= coverage.works.reached / coverage.works.total <= 0.7, (
        coverage.works
    )
    assert set(session.scalars(select(Inspection.work_id).where(Inspection.sweep_id == sweep.id)))
    photos = list(session.scalars(select(InspectionPhoto)))
    assert photos and all((uploads / "site" / p.stored_name).exists() for p in photos)


def hazard_rows(session: Session) -> list[tuple[object, ...]]:
    return [(h.work_id, h.level, h.state, h.found_on, h.catalogue_key, h.is_stopped)
            for h in session.scalars(select(Hazard).order_by(Hazard.id))]  # fmt: skip


def test_the_same_seed_writes_the_same_rows_and_a_second_run_is_refused(session, seeded, tmp_path):
    with pytest.raises(ValidationError):
        seed_site(session, scale="small", today=TODAY)
    engine = create_engine(f"sqlite:///{tmp_path / 'again.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as again:
        seed_demo(again, "small", upload_dir=tmp_path / "again")
        seed_pool(again, scale="small", vault=IdentityVault(IdentityVault.new_key()))
        seed_reviews(again, scale="small", upload_dir=tmp_path / "again")
        seed_site(again, scale="small", today=TODAY, upload_dir=tmp_path / "again")
        assert hazard_rows(again) == hazard_rows(session)
    engine.dispose()


def test_the_demo_has_system_flags_confirmed_dismissed_and_open(session, seeded):
    states = Counter(session.scalars(select(SystemFlag.state)))
    assert (
        states[FlagState.CONFIRMED] == 3 and states[FlagState.DISMISSED] == 1 and states[FlagState.OPEN] > 0
    )
    flagged = list(session.scalars(select(Hazard).where(Hazard.flag_id.is_not(None))))
    assert len(flagged) == 3 and all(h.catalogue_key and h.level.value == "major" for h in flagged)


def test_a_hazard_names_the_works_last_inspection_before_it(session, seeded):
    for hazard in session.scalars(select(Hazard)):
        earlier = list(session.scalars(select(Inspection).where(
            Inspection.work_id == hazard.work_id, Inspection.inspected_on < hazard.found_on)))  # fmt: skip
        last = hazard.accountability.get("last_inspection")
        if earlier:
            assert last["on"] == max(i.inspected_on for i in earlier).isoformat()
        else:
            assert last is None
