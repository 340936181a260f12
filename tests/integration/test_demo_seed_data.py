"""Seeding demo data: deterministic, valid codes and districts, complete projects, refused when unsafe."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session

from expert_pool.experts.models import Expert
from knowledge.db import Base
from knowledge.demo.seed import SeedSummary, seed_demo
from knowledge.enterprises.creditcode import is_valid
from knowledge.enterprises.models import (
    Enterprise,
    EnterpriseGroupLink,
    EnterpriseType,
    ParticipantRole,
    Project,
    ProjectParticipant,
)
from knowledge.errors import ValidationError
from knowledge.regions import City, is_district_of
from tests.factories import make_enterprise
from tests.integration import demo_seed_helpers
from tests.integration.demo_seed_helpers import TABLES, seed_with_plans, sqlite_engine, table_rows

seeded, seeded_session = demo_seed_helpers.seeded, demo_seed_helpers.seeded_session  # the shared fixtures
PLAN_COLUMNS = tuple(Base.metadata.tables["plan_version"].c.keys())


def files_in(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_same_seed_writes_identical_rows_and_files_into_two_databases(tmp_path: Path) -> None:
    first, second = sqlite_engine(tmp_path / "a.db"), sqlite_engine(tmp_path / "b.db")
    for engine, folder in ((first, "a"), (second, "b")):
        seed_with_plans(engine, tmp_path / folder, seed=7)
    rows = table_rows(first)
    assert rows == table_rows(second)
    assert all(rows[name] for name in TABLES)
    files = files_in(tmp_path / "a")
    assert files == files_in(tmp_path / "b")
    assert set(files) == {row[PLAN_COLUMNS.index("stored_name")] for row in rows["plan_version"]}


def test_another_seed_writes_other_rows(tmp_path: Path) -> None:
    first, second = sqlite_engine(tmp_path / "a.db"), sqlite_engine(tmp_path / "b.db")
    for engine, seed in ((first, 1), (second, 2)):
        with Session(engine) as session:
            seed_demo(session, "small", seed=seed)
    assert table_rows(first)["enterprise"] != table_rows(second)["enterprise"]


def test_small_scale_counts(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, summary = seeded
    counts = {name: len(rows) for name, rows in table_rows(engine).items()}
    assert counts == summary.counts
    assert (summary.enterprises, summary.projects, summary.experts, summary.works) == (200, 300, 60, 400)
    assert summary.participants >= 3 * summary.projects
    assert (summary.plan_versions, summary.signoffs) == (0, 0), "no upload directory: no plans"
    # (its speed is measured by scripts/bench/seed.py, not here: a timed test fails on a loaded machine)


def test_every_credit_code_is_valid_and_unique(seeded_session: Session) -> None:
    codes = seeded_session.scalars(select(Enterprise.credit_code)).all()
    assert all(is_valid(code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert all(code.startswith("91") for code in codes)


def test_enterprise_names_are_unique_and_every_type_is_present(seeded_session: Session) -> None:
    names = seeded_session.scalars(select(Enterprise.name)).all()
    assert len(set(names)) == len(names)
    assert all(name.endswith("公司") for name in names)
    types = set(seeded_session.scalars(select(Enterprise.type)))
    assert types == set(EnterpriseType) - {EnterpriseType.OTHER}


def test_every_project_district_belongs_to_its_city(seeded_session: Session) -> None:
    projects = seeded_session.execute(select(Project.city, Project.district, Project.address)).all()
    assert all(is_district_of(city, district) for city, district, _ in projects)
    assert all(address.startswith(district) for _, district, address in projects)


def test_every_project_has_one_owner_one_general_contractor_one_supervisor(seeded_session: Session) -> None:
    pairs = seeded_session.execute(select(ProjectParticipant.project_id, ProjectParticipant.role)).all()
    per_project = Counter(pairs)
    project_ids = seeded_session.scalars(select(Project.id)).all()
    for role in (ParticipantRole.OWNER, ParticipantRole.GENERAL_CONTRACTOR, ParticipantRole.SUPERVISOR):
        assert all(per_project[(project_id, role)] == 1 for project_id in project_ids), role
    assert {role for _, role in pairs} == set(ParticipantRole)


def test_parent_links_form_groups_without_cycles(seeded_session: Session) -> None:
    parent_of = dict(seeded_session.execute(select(Enterprise.id, Enterprise.parent_id)).all())
    depths = []
    for enterprise_id in parent_of:
        seen = {enterprise_id}
        current = parent_of[enterprise_id]
        while current is not None:
            assert current not in seen, f"cycle through enterprise {current}"
            seen.add(current)
            current = parent_of[current]
        depths.append(len(seen))
    assert max(depths) >= 2, "the small data set has groups with subsidiaries"
    roots = [i for i, parent in parent_of.items() if parent is None]
    assert sum(1 for parent in parent_of.values() if parent in roots) >= 4


def test_experts_cover_all_thirteen_cities(seeded_session: Session) -> None:
    cities = set(seeded_session.scalars(select(Expert.city)))
    assert cities == set(City)
    titles = set(seeded_session.scalars(select(Expert.title)))
    assert "高级工程师" in titles


def test_progress_is_reported_per_stage_and_ends_complete(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    with Session(sqlite_engine(tmp_path / "p.db")) as session:
        seed_demo(session, "small", on_progress=lambda label, done, total: calls.append((label, done, total)))
    last = {label: (done, total) for label, done, total in calls}
    assert set(last) == {
        "生成演示数据", "写入企业", "写入项目", "写入参建单位", "写入专家", "写入危大工程", "写入集团关系",
        "写入方案版本", "写入签字",
    }  # fmt: skip
    assert all(done == total for done, total in last.values())
    assert last["写入方案版本"] == (0, 0)


def test_every_demo_subsidiary_has_its_dated_group_link(tmp_path: Path) -> None:
    with Session(sqlite_engine(tmp_path / "g.db")) as session:
        seed_demo(session, "small")
        parents = dict(
            session.execute(
                select(Enterprise.id, Enterprise.parent_id).where(Enterprise.parent_id.is_not(None))
            ).all()
        )
        links = session.execute(select(EnterpriseGroupLink.enterprise_id, EnterpriseGroupLink.parent_id,
                                       EnterpriseGroupLink.end_date)).all()  # fmt: skip
    assert parents and {e: p for e, p, _ in links} == parents and all(end is None for _, _, end in links)


def test_seeding_a_database_with_enterprises_is_refused(test_db: Any) -> None:
    engine = create_engine(test_db.url, **test_db.options)
    with Session(engine) as session:
        make_enterprise(session)
        with pytest.raises(ValidationError, match="已有企业数据"):
            seed_demo(session, "small")
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 1
        assert session.scalar(select(func.count()).select_from(Project)) == 0
    engine.dispose()


def test_seeding_twice_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "twice.db")
    with Session(engine) as session:
        seed_demo(session, "small")
    before = table_rows(engine)
    with Session(engine) as session, pytest.raises(ValidationError):
        seed_demo(session, "small", seed=99)
    assert table_rows(engine) == before


def test_unknown_scale_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "scale.db")
    with Session(engine) as session, pytest.raises(ValidationError, match="未知的演示数据规模") as caught:
        seed_demo(session, "city")
    assert caught.value.field == "scale"
    assert all(rows == [] for rows in table_rows(engine).values())


def test_ids_continue_after_existing_rows_and_plain_inserts_still_work(test_db: Any) -> None:
    """Runs on PostgreSQL too (TEST_DATABASE_URL): the id sequences must be moved past the given ids."""
    engine = create_engine(test_db.url, **test_db.options)
    with Session(engine) as session:
        existing = Expert(name="周立新", city=City.NANJING, title="高级工程师")
        session.add(existing)
        session.commit()
        summary = seed_demo(session, "small")
        expert_ids = session.scalars(select(Expert.id).order_by(Expert.id)).all()
        assert expert_ids == list(range(existing.id, existing.id + summary.experts + 1))
        later = make_enterprise(session)
        assert later.id == summary.enterprises + 1
    engine.dispose()
