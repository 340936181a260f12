"""The expert pool demo seed: valid encrypted ID numbers, specialties and careers for all, group moves,
status consistent with the credit ledger, determinism, and a real draw on the seeded small data."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from expert_pool.credit import ledger
from expert_pool.demo.pool import PoolSummary, seed_pool
from expert_pool.draws.models import HalfDay
from expert_pool.draws.services import request_draw, verify
from expert_pool.experts.contacts import decrypt_contact
from expert_pool.experts.identity import IdentityVault, mask, normalize_id_number
from expert_pool.experts.models import (
    CreditEventRow,
    DeclaredConflict,
    Employment,
    Expert,
    ExpertSpecialty,
    ExpertStatus,
    Leave,
    TitleLevel,
)
from knowledge.accounts.models import Role
from knowledge.db import Base
from knowledge.demo.seed import seed_demo
from knowledge.enterprises.models import Enterprise
from knowledge.errors import ValidationError
from knowledge.plans.models import PlanSignoff
from knowledge.plans.services import latest_version, required_signoffs
from knowledge.regions import DISTRICTS
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict, catalogue
from knowledge.registry.workflow import WorkStatus
from tests.factories import make_account

POOL_TABLES = (
    "expert",
    "expert_specialty",
    "employment",
    "declared_conflict",
    "expert_leave",
    "credit_event",
)
JIANGSU_DIVISIONS = {code for districts in DISTRICTS.values() for code in districts}
PHONE = re.compile(r"^1[3-9]\d{9}$")


@pytest.fixture
def vault() -> IdentityVault:
    return IdentityVault(IdentityVault.new_key())


def seed_both(session: Session, vault: IdentityVault, upload_dir: Path | None = None) -> PoolSummary:
    seed_demo(session, "small", upload_dir=upload_dir)
    return seed_pool(session, scale="small", vault=vault)


def test_id_numbers_decrypt_to_valid_unique_jiangsu_numbers(session, vault):
    seed_both(session, vault)
    experts = session.scalars(select(Expert)).all()
    assert len(experts) == 60
    numbers = [vault.decrypt(e.id_number_encrypted or "") for e in experts]
    for expert, number in zip(experts, numbers, strict=True):
        assert normalize_id_number(number) == number  # 18 characters, GB 11643 check character
        assert number[:6] in JIANGSU_DIVISIONS
        assert (
            date(1955, 1, 1)
            <= date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            <= date(1985, 12, 31)
        )
        assert expert.id_number_hash == vault.lookup_hash(number) and expert.id_number_masked == mask(number)
        assert PHONE.match(decrypt_contact(vault, expert).phone)
        full = expert.title in {"正高级工程师", "教授级高级工程师", "研究员级高级工程师", "教授"}
        assert expert.title_level is (TitleLevel.FULL_SENIOR if full else TitleLevel.SENIOR)
    assert len(set(numbers)) == len({e.id_number_hash for e in experts}) == 60
    assert (
        len({decrypt_contact(vault, e).phone for e in experts}) == len({e.phone_hash for e in experts}) == 60
    )


def test_every_expert_has_specialties_and_an_ordered_career(session, vault):
    summary = seed_both(session, vault)
    specialties: dict[int, list[str]] = defaultdict(list)
    for expert_id, code in session.execute(select(ExpertSpecialty.expert_id, ExpertSpecialty.category)):
        specialties[expert_id].append(code)
    jobs: dict[int, list[Employment]] = defaultdict(list)
    for job in session.scalars(select(Employment).order_by(Employment.start)):
        jobs[job.expert_id].append(job)
    ids = session.scalars(select(Expert.id)).all()
    assert all(1 <= len(specialties[i]) <= 4 for i in ids) and all(1 <= len(jobs[i]) <= 4 for i in ids)
    holders = Counter(code for codes in specialties.values() for code in codes)
    assert {c.code for c in catalogue()} == set(holders)
    assert all(count >= 0.05 * len(ids) for count in holders.values())
    for history in jobs.values():
        assert history[0].start >= date(2000, 1, 1)
        for job in history:
            assert job.end_date is None or job.start <= job.end_date <= summary.today
        for earlier, later in zip(history, history[1:], strict=False):
            assert earlier.end_date is not None and earlier.end_date <= later.start
    assert summary.specialties == sum(holders.values()) and summary.employments == sum(
        map(len, jobs.values())
    )


def test_some_experts_move_within_a_corporate_group(session, vault):
    summary = seed_both(session, vault)
    parents: dict[int, int | None] = {
        i: p for i, p in session.execute(select(Enterprise.id, Enterprise.parent_id))
    }

    def root(unit: int) -> int:
        while parents[unit] is not None:
            unit = parents[unit]  # type: ignore[assignment]
        return unit

    history: dict[int, list[int]] = defaultdict(list)
    for expert_id, unit in session.execute(
        select(Employment.expert_id, Employment.enterprise_id).order_by(
            Employment.expert_id, Employment.start
        )
    ):
        history[expert_id].append(unit)
    movers = {e for e, units in history.items() if any(a != b and root(a) == root(b) for a, b in zip(units, units[1:], strict=False))}  # fmt: skip
    assert len(movers) == summary.group_moves >= 3  # about 10% of 60


def test_declarations_leave_and_credit_keep_statuses_consistent(session, vault):
    summary = seed_both(session, vault)
    today = summary.today
    assert session.scalars(select(DeclaredConflict)).all() and summary.declarations >= 1
    leaves = session.scalars(select(Leave)).all()
    assert any(leave.start <= today + timedelta(days=30) and leave.end_date >= today for leave in leaves)
    assert all(leave.start <= leave.end_date for leave in leaves)
    with_events = set(session.scalars(select(CreditEventRow.expert_id).distinct()))
    assert len(with_events) == 9  # 15% of 60
    sanctions = Counter()
    for expert_id in sorted(with_events):
        expert = session.get(Expert, expert_id)
        held = ledger.standing(session, expert_id, today=today)
        sanctions[held.sanction.value] += 1
        assert held.score >= 60 and expert is not None
        if held.sanction.value == "suspended":
            assert expert.status is ExpertStatus.SUSPENDED and expert.suspended_until == held.until
            assert expert.suspended_until is not None and expert.suspended_until > today
    assert sanctions["suspended"] == summary.suspended >= 1 and sanctions["warning"] >= 1


def test_the_same_seed_writes_the_same_pool(tmp_path, vault):
    first, second = (rows_after_seeding(tmp_path / name, vault) for name in ("a.db", "b.db"))
    assert first["expert"] and first == second


def rows_after_seeding(path: Path, vault: IdentityVault) -> dict[str, list[tuple[Any, ...]]]:
    engine: Engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed_both(session, vault)
    rows = {}
    with engine.connect() as conn:
        for name in POOL_TABLES:
            table = Base.metadata.tables[name]
            columns = [c for c in table.c if not c.name.endswith("_encrypted")]  # Fernet: random IV per token
            rows[name] = [tuple(r) for r in conn.execute(select(*columns).order_by(table.c.id))]
    engine.dispose()
    return rows


def test_seeding_twice_or_an_unknown_scale_is_refused(session, vault):
    seed_both(session, vault)
    with pytest.raises(ValidationError, match="空的专家库"):
        seed_pool(session, scale="small", vault=vault)
    with pytest.raises(ValidationError, match="未知的演示数据规模"):
        seed_pool(session, scale="huge", vault=vault)


def test_a_real_draw_seats_five_with_at_most_two_locals_in_every_category(session, vault, tmp_path):
    summary = seed_both(session, vault, upload_dir=tmp_path / "uploads")
    signer = make_account(session, Role.ADMIN)
    now = datetime.combine(summary.today, time(2), tzinfo=UTC)
    drawn: set[str] = set()
    works = session.scalars(select(Work).where(Work.verdict == Verdict.OVER_SCALE).order_by(Work.id)).all()
    for work in works:
        version = latest_version(session, work.id)
        if work.category in drawn or version is None:
            continue
        work.status = WorkStatus.REVIEW_REQUESTED
        signed = {s.kind for s in version.signoffs}
        for kind in required_signoffs(work):
            if kind not in signed:
                version.signoffs.append(PlanSignoff(kind=kind, account_id=signer.id, signer_name="演示"))
        session.commit()
        day = summary.today + timedelta(days=7 + len(drawn))
        draw = request_draw(
            session, work, day, HalfDay.AM, actor_id=signer.id, now=now, seed=f"seed-{work.id}"
        )
        cities = {e.id: e.city for e in session.scalars(select(Expert).where(Expert.id.in_(draw.seated)))}
        assert len(draw.seated) == 5 and len(draw.alternates) == 3
        assert sum(city is work.city for city in cities.values()) <= 2
        assert verify(session, draw).ok and work.status is WorkStatus.UNDER_REVIEW
        excluded = draw.funnel["excluded_by_reason"]
        assert excluded.get("专业") and draw.funnel["pool"] == 60
        drawn.add(work.category)
    assert len(drawn) >= 5, drawn
