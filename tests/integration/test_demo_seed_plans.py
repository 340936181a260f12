"""Seeding demo data: works classified by the rules, statuses backed by plan versions, files and sign-offs."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge.demo.generator import ScaleSpec, generate
from knowledge.demo.seed import SeedSummary, seed_demo
from knowledge.enterprises.models import ParticipantRole, Project, ProjectParticipant
from knowledge.errors import ValidationError
from knowledge.plans.files import normalize_text
from knowledge.plans.models import PlanSignoff, PlanVersion, SignoffKind
from knowledge.plans.sections import find_sections
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict, catalogue, classify
from knowledge.registry.verdicts import clause_json, parameters_json
from knowledge.registry.workflow import WorkStatus
from tests.integration import demo_seed_helpers
from tests.integration.demo_seed_helpers import make_signers, seed_with_plans, sqlite_engine, table_rows

seeded, seeded_session = demo_seed_helpers.seeded, demo_seed_helpers.seeded_session  # the shared fixtures
S = WorkStatus
REVIEW_STATUSES = {S.REVIEW_REQUESTED, S.UNDER_REVIEW, S.PASSED, S.PASSED_AFTER_REVISION, S.FAILED}
CONSTRUCTOR_SIGNED = set(WorkStatus) - {S.REGISTERED, S.PLAN_DRAFTED}
SUPERVISOR_SIGNED = CONSTRUCTOR_SIGNED - {S.CONSTRUCTOR_SIGNED}


@pytest.fixture(scope="module")
def planned(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Engine, SeedSummary, Path, dict[str, int]]]:
    """One small data set with plan files and sign-offs, read by the tests of works and plans."""
    folder = tmp_path_factory.mktemp("planned")
    engine = sqlite_engine(folder / "demo.db")
    summary, signers = seed_with_plans(engine, folder / "uploads")
    yield engine, summary, folder / "uploads", signers
    engine.dispose()


@pytest.fixture
def planned_session(planned: tuple[Engine, SeedSummary, Path, dict[str, int]]) -> Iterator[Session]:
    with Session(planned[0]) as session:
        yield session


def test_small_scale_writes_about_150_plan_versions(
    planned: tuple[Engine, SeedSummary, Path, dict[str, int]],
) -> None:
    engine, summary, _, _ = planned
    counts = {name: len(rows) for name, rows in table_rows(engine).items()}
    assert counts == summary.counts
    assert summary.works == 400
    assert 130 <= summary.plan_versions <= 170
    assert summary.signoffs > 0


def test_every_seeded_verdict_is_the_classification_of_its_stored_parameters(
    planned_session: Session,
) -> None:
    works = planned_session.scalars(select(Work)).all()
    for work in works:
        result = classify(work.category, work.parameters, work.sub_type)
        assert result.verdict in (Verdict.HAZARDOUS, Verdict.OVER_SCALE), work.name
        assert result.is_decided and not result.missing, "every parameter of the sub-type is given"
        assert work.verdict is result.verdict and work.is_decided and work.missing == []
        assert work.clauses == [clause_json(c) for c in result.fired]
        assert work.parameters == parameters_json(result)
        assert work.rules_version == result.rules_version
    verdicts = Counter(work.verdict for work in works)
    assert verdicts[Verdict.HAZARDOUS] > verdicts[Verdict.OVER_SCALE] > 0


def test_small_scale_has_every_category_and_sub_type(planned_session: Session) -> None:
    seeded = {tuple(row) for row in planned_session.execute(select(Work.category, Work.sub_type))}
    assert seeded == {(c.code, s.code) for c in catalogue() for s in c.sub_types}
    per_category = Counter(planned_session.scalars(select(Work.category)))
    common = {category for category, _ in per_category.most_common(4)}
    assert common == {"excavation", "formwork", "scaffolding", "lifting"}


def test_works_copy_their_project_place_and_name_a_person_for_every_role(planned_session: Session) -> None:
    rows = planned_session.execute(
        select(Work, Project.city, Project.district).join(Project, Project.id == Work.project_id)
    ).all()
    for work, city, district in rows:
        assert (work.city, work.district) == (city, district)
        assert work.location and work.name.endswith(("工程", "）"))
        assert all((work.project_manager, work.technical_lead, work.chief_supervisor, work.safety_officer))
        assert work.planned_start is not None and work.planned_end is not None
        assert date(2023, 1, 1) <= work.planned_start <= work.planned_end <= date(2026, 12, 31)
    names = planned_session.execute(select(Work.project_id, Work.name)).all()
    assert len(set(names)) == len(names), "names are unique within a project"


def test_subcontractors_take_part_in_their_project_as_subcontractors(planned_session: Session) -> None:
    subcontracted = planned_session.execute(
        select(Work.project_id, Work.subcontractor_id).where(Work.subcontractor_id.is_not(None))
    ).all()
    assert subcontracted
    roles = planned_session.execute(
        select(ProjectParticipant.project_id, ProjectParticipant.enterprise_id)
        .where(ProjectParticipant.role == ParticipantRole.SUBCONTRACTOR)
    ).all()  # fmt: skip
    assert {tuple(row) for row in subcontracted} <= {tuple(row) for row in roles}


def versions_by_work(session: Session) -> dict[int, list[PlanVersion]]:
    by_work: dict[int, list[PlanVersion]] = defaultdict(list)
    for version in session.scalars(select(PlanVersion).order_by(PlanVersion.work_id, PlanVersion.number)):
        by_work[version.work_id].append(version)
    return by_work


def test_statuses_agree_with_plan_versions_and_signoffs(
    planned: tuple[Engine, SeedSummary, Path, dict[str, int]], planned_session: Session
) -> None:
    signers = planned[3]
    by_work = versions_by_work(planned_session)
    statuses = Counter()
    for work in planned_session.scalars(select(Work)):
        statuses[work.status] += 1
        versions = by_work.get(work.id, [])
        assert (work.status is S.REGISTERED) == (not versions), work.status
        assert [v.number for v in versions] == list(range(1, len(versions) + 1))
        if work.verdict is Verdict.HAZARDOUS:
            assert work.status not in REVIEW_STATUSES, "only over-scale works go to an expert review"
        if not versions:
            continue
        latest = {s.kind for s in versions[-1].signoffs}
        builders = (
            {SignoffKind.CONSTRUCTOR, SignoffKind.SUBCONTRACTOR}
            if work.subcontractor_id
            else {SignoffKind.CONSTRUCTOR}
        )
        assert (work.status in CONSTRUCTOR_SIGNED) == (builders <= latest), (work.status, latest)
        assert (work.status in SUPERVISOR_SIGNED) == (SignoffKind.SUPERVISOR in latest), (work.status, latest)
        assert SignoffKind.SUBCONTRACTOR not in latest or work.subcontractor_id is not None
        moments = [work.created_at]
        for version in versions:
            moments.append(version.submitted_at)
            moments.extend(s.signed_at for s in version.signoffs)
            assert all(s.account_id == signers[s.kind.value] for s in version.signoffs)
        assert moments == sorted(moments), "registered, then submitted, then signed, version by version"
        assert work.updated_at == moments[-1]
    assert statuses[S.REGISTERED] > sum(statuses.values()) / 2, "most works are early in the workflow"
    assert len(statuses) >= 8


def test_plan_files_hold_exactly_what_each_version_records(
    planned: tuple[Engine, SeedSummary, Path, dict[str, int]], planned_session: Session
) -> None:
    upload_dir = planned[2]
    versions = planned_session.scalars(select(PlanVersion)).all()
    assert {path.name for path in upload_dir.iterdir()} == {v.stored_name for v in versions}
    for version in versions:
        data = (upload_dir / version.stored_name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == version.sha256
        assert len(data) == version.size and 2_500 <= version.size <= 7_000
        assert version.content_type == "text/plain; charset=utf-8"
        assert version.text == normalize_text(data.decode("utf-8")), "as an upload's text extraction keeps it"
        assert version.original_name.endswith(f"专项施工方案V{version.number}.txt")
        assert "/" not in version.original_name


def test_sections_found_are_what_the_section_check_finds(planned_session: Session) -> None:
    versions = planned_session.scalars(select(PlanVersion)).all()
    for version in versions:
        assert tuple(version.sections_found) == find_sections(version.text).found, version.stored_name
    incomplete = [v for v in versions if len(v.sections_found) < 9]
    assert 0 < len(incomplete) < len(versions) / 4
    assert all(len(v.sections_found) >= 7 and 1 in v.sections_found for v in incomplete)


def test_plan_texts_quote_their_works_name_and_parameter_values(planned_session: Session) -> None:
    rows = planned_session.execute(
        select(PlanVersion.text, Work).join(Work, Work.id == PlanVersion.work_id)
    ).all()
    for text, work in rows:
        assert normalize_text(work.name) in text
        for code, value in work.parameters.items():
            expected = ("是" if value else "否") if isinstance(value, bool) else value
            assert expected in text, (code, value)
        if work.category == "excavation":
            assert f"基坑开挖深度{work.parameters['excavation_depth']}m" in text


def test_without_signers_no_work_is_past_plan_drafted(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "unsigned.db")
    with Session(engine) as session:
        summary = seed_demo(session, "small", upload_dir=tmp_path / "uploads")
        statuses = set(session.scalars(select(Work.status)))
        assert session.scalar(select(func.count()).select_from(PlanSignoff)) == 0
    assert statuses == {S.REGISTERED, S.PLAN_DRAFTED}
    assert summary.plan_versions > 0 and summary.signoffs == 0
    engine.dispose()


def test_without_a_subcontractor_signer_subcontracted_works_stay_unsigned(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "no_sub.db")
    with Session(engine) as session:
        signers = make_signers(session)
        del signers["subcontractor"]
        seed_demo(session, "small", upload_dir=tmp_path / "uploads", signer_account_ids=signers)
        by_work = versions_by_work(session)
        works = session.scalars(select(Work)).all()
        for work in works:
            signed = [s for v in by_work.get(work.id, []) for s in v.signoffs]
            if work.subcontractor_id is not None:
                assert work.status in (S.REGISTERED, S.PLAN_DRAFTED) and not signed
            assert all(s.kind is not SignoffKind.SUBCONTRACTOR for s in signed)
        assert any(work.status in SUPERVISOR_SIGNED for work in works)
    engine.dispose()


def test_without_an_upload_directory_every_work_is_registered(seeded_session: Session) -> None:
    assert set(seeded_session.scalars(select(Work.status))) == {S.REGISTERED}
    assert seeded_session.scalar(select(func.count()).select_from(PlanVersion)) == 0


def test_the_same_works_are_seeded_with_or_without_plans(
    seeded: tuple[Engine, SeedSummary], planned: tuple[Engine, SeedSummary, Path, dict[str, int]]
) -> None:
    identity = select(Work.id, Work.project_id, Work.name, Work.sub_type, Work.parameters, Work.verdict)
    with Session(seeded[0]) as bare, Session(planned[0]) as full:
        assert bare.execute(identity).all() == full.execute(identity).all()


@pytest.mark.parametrize(
    ("signers", "message"),
    [({"constructor": 1, "chief": 2}, "未知的签字类别"), ({"constructor": 1}, "缺少签字账号")],
)
def test_signer_accounts_must_name_known_kinds(
    tmp_path: Path, signers: Mapping[str, int], message: str
) -> None:
    engine = sqlite_engine(tmp_path / "signers.db")
    with Session(engine) as session, pytest.raises(ValidationError, match=message):
        seed_demo(session, "small", upload_dir=tmp_path / "uploads", signer_account_ids=signers)
    assert all(rows == [] for rows in table_rows(engine).values())


def test_a_failed_run_removes_the_plan_files_it_wrote(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "failed.db")
    with Session(engine) as session, pytest.raises(IntegrityError):
        # No such accounts: the sign-offs' foreign keys fail after the files are written.
        seed_demo(session, "small", upload_dir=tmp_path / "uploads",
                  signer_account_ids={"constructor": 901, "supervisor": 902, "subcontractor": 903})  # fmt: skip
    assert list((tmp_path / "uploads").iterdir()) == []
    assert all(rows == [] for rows in table_rows(engine).values())


def test_full_seed_on_the_test_database_leaves_sequences_ready(test_db: Any, tmp_path: Path) -> None:
    """Runs on PostgreSQL too (TEST_DATABASE_URL): works, versions and sign-offs, then plain ORM inserts."""
    engine = create_engine(test_db.url, **test_db.options)
    with Session(engine) as session:
        signers = make_signers(session)
        summary = seed_demo(session, "small", upload_dir=tmp_path / "uploads", signer_account_ids=signers)
        assert session.scalar(select(func.count()).select_from(Work)) == summary.works == 400
        work = session.scalars(select(Work).where(Work.status != S.REGISTERED).limit(1)).one()
        version = PlanVersion(
            work_id=work.id,
            number=99,
            title="t",
            original_name="t.txt",
            stored_name="0" * 32 + ".txt",
            content_type="text/plain",
            size=1,
            sha256="0" * 64,
        )
        session.add(version)
        session.flush()
        session.add(PlanSignoff(plan_version_id=version.id, kind=SignoffKind.SUPERVISOR,
                                account_id=signers["supervisor"], signer_name="张三"))  # fmt: skip
        session.commit()
        assert version.id == summary.plan_versions + 1
        assert len(list((tmp_path / "uploads").iterdir())) == summary.plan_versions
    engine.dispose()


def test_a_larger_generation_keeps_every_invariant_in_every_sub_type_and_family() -> None:
    """Pure generation (no database) at ten times the small scale, with plans for most works."""
    spec = ScaleSpec(
        enterprises=600, projects=1_500, experts=20, min_groups=4, works=4_000, plan_versions=4_000
    )
    signers = {"constructor": 1, "subcontractor": 2, "supervisor": 3}
    rows = generate(spec, seed=11, with_plans=True, signers=signers)
    works = {work["id"]: work for work in rows.works}
    for work in rows.works:
        result = classify(work["category"], work["parameters"], work["sub_type"])
        assert result.verdict is work["verdict"] and work["clauses"] == [clause_json(c) for c in result.fired]
    for version, content in zip(rows.plan_versions, rows.plan_files, strict=True):
        assert tuple(version["sections_found"]) == find_sections(version["text"]).found
        assert version["sha256"] == hashlib.sha256(content.encode("utf-8")).hexdigest()
        parameters = works[version["work_id"]]["parameters"]
        assert all(value in version["text"] for value in parameters.values() if not isinstance(value, bool))
    assert len({version["stored_name"] for version in rows.plan_versions}) == len(rows.plan_versions)
