"""Issue 23 items 1-2: common problems grouped from concluded reviews and the site (full run with progress, the
incremental update, never counting a statement twice), and the pre-check of a plan with its evidence, the
unreadable text and the too-few-precedents messages."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from expert_pool.precedents import queries, services
from expert_pool.precedents.models import (
    CommonProblem,
    OccurrenceSource,
    PrecedentRun,
    PrecedentSource,
    ProblemOccurrence,
)
from expert_pool.precedents.precheck import Verdict
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import NotFoundError, PermissionDenied
from knowledge.regions import City
from tests.factories import make_account, make_enterprise, make_plan_version, make_work
from tests.precedent_factories import concluded_review, make_precedent_world

NOW = datetime(2026, 12, 7, 2, tzinfo=UTC)


@pytest.fixture
def world(session, tmp_path):
    return make_precedent_world(session, str(tmp_path / "up"))


def full_run(session):
    province = Scope.of(make_account(session, Role.REGULATOR))
    run, is_new = services.start_run(session, province, now=NOW)
    assert is_new
    return services.run_full(session, run.id)


def problem_with(session, word):
    found = [p for p in session.scalars(select(CommonProblem)) if word in p.label]
    assert len(found) == 1, [p.label for p in session.scalars(select(CommonProblem))]
    return found[0]


def snapshot(session):
    return sorted(
        (p.category, p.label, p.section, p.review_count, p.site_count, p.occurrence_count, tuple(p.key_terms))
        for p in session.scalars(select(CommonProblem))
    )


def test_a_full_run_groups_phrasings_into_problems_with_section_counts_and_links(session, world):
    run = full_run(session)
    assert run.error == "" and run.finished_at is not None and run.done == run.total == 12 + 3 + 1 + 1
    assert run.figures["problems"]["excavation"] >= 4
    uplift = problem_with(session, "抗隆起")
    assert uplift.review_count == 8 and uplift.section == 9 and "抗隆起" in uplift.key_terms
    alarm = problem_with(session, "报警值")
    # six reviews' changes, and the inspection's failed monitoring item whose note names the alarm values
    assert (alarm.review_count, alarm.site_count, alarm.section) == (6, 1, 5)
    assert problem_with(session, "应急").review_count == 4
    assert problem_with(session, "整体稳定").review_count == 3
    assert problem_with(session, "堆载").site_count == 1  # the hazard of the constructor's own check
    # the experts' positive remarks are no problem
    assert not [p for p in session.scalars(select(CommonProblem)) if "基本完整" in p.label]
    linked = set(
        session.scalars(select(ProblemOccurrence.review_id).where(ProblemOccurrence.problem_id == uplift.id))
    )
    assert linked == {r.id for r in world.reviews[:8]}
    assert {o.city for o in session.scalars(select(ProblemOccurrence).where(
        ProblemOccurrence.problem_id == uplift.id))} == {City.SUZHOU, City.NANJING}  # fmt: skip


def test_a_second_full_run_gives_the_same_problems_under_the_same_ids(session, world):
    full_run(session)
    before = {p.label: p.id for p in session.scalars(select(CommonProblem))}
    occurrences = session.scalar(select(func.count()).select_from(ProblemOccurrence))
    full_run(session)
    assert {p.label: p.id for p in session.scalars(select(CommonProblem))} == before
    assert session.scalar(select(func.count()).select_from(ProblemOccurrence)) == occurrences


def test_the_incremental_update_equals_a_full_run_and_counts_nothing_twice(session, world):
    first = services.update_new(session, now=NOW)
    assert first.sources == 17 and first.statements > 0
    incremental = snapshot(session)
    assert services.update_new(session, now=NOW).sources == 0  # nothing twice
    full_run(session)
    assert snapshot(session) == incremental


def test_a_review_concluded_later_joins_its_problem(session, world, tmp_path):
    full_run(session)
    uplift = problem_with(session, "抗隆起")
    work = make_work(session, world.projects[City.NANJING], category="excavation")
    version = make_plan_version(session, work, str(tmp_path / "up"))
    late = concluded_review(session, work, version, world.experts, held_on=date(2026, 11, 20),
                            changes=["基坑抗隆起稳定性验算缺失，应补充。", "应补充坑底抗隆起验算。"], findings=[])  # fmt: skip
    done = services.update_new(session, now=NOW)
    assert done.sources == 1
    session.refresh(uplift)
    assert uplift.review_count == 9  # two changes of one review: one review more
    assert uplift.last_on == date(2026, 11, 20)
    assert session.scalar(select(func.count()).select_from(ProblemOccurrence)
                          .where(ProblemOccurrence.review_id == late.id)) == 2  # fmt: skip
    assert services.update_new(session, now=NOW).sources == 0


def test_the_same_statement_cannot_be_stored_twice(session, world):
    services.update_new(session, now=NOW)
    row = session.scalars(
        select(ProblemOccurrence).where(ProblemOccurrence.source == OccurrenceSource.CHANGE)
    ).first()
    copy = ProblemOccurrence(**{c: getattr(row, c) for c in ("problem_id", "source", "source_id", "part",
                                "review_id", "work_id", "category", "sub_type", "city", "on", "text", "wording_key")})  # fmt: skip
    session.add(copy)
    with pytest.raises(Exception, match="(?i)unique"):
        session.commit()
    session.rollback()


def test_only_a_provincial_regulator_starts_a_full_run_and_a_second_click_joins_the_first(session, world):
    suzhou = Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU))
    with pytest.raises(PermissionDenied):
        services.start_run(session, suzhou, now=NOW)
    province = Scope.of(make_account(session, Role.REGULATOR))
    run, is_new = services.start_run(session, province, now=NOW)
    again, second = services.start_run(session, province, now=NOW + timedelta(minutes=1))
    assert is_new and not second and again.id == run.id
    assert services.update_new(session, now=NOW).sources == 0  # the full run will group them
    services.run_full(session, run.id)
    assert session.scalar(select(func.count()).select_from(PrecedentSource)) == 17
    assert session.get(PrecedentRun, run.id).finished_at is not None


def test_the_precheck_marks_each_problem_with_its_evidence(session, world):
    full_run(session)
    team = Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=world.gc.id))
    result = queries.plan_precheck(session, team, world.plan.id)
    assert result.status == "checked" and result.precedents == 12
    checks = {c.problem.label: c for c in result.checks}
    uplift = next(c for label, c in checks.items() if "抗隆起" in label)
    assert uplift.verdict is Verdict.NOT_FOUND and uplift.evidence.section == 9
    assert "抗隆起" in uplift.evidence.missing and "计算书及相关施工图纸" in uplift.evidence.describe()
    alarm = next(c for label, c in checks.items() if "报警值" in label)
    assert alarm.verdict is Verdict.NOT_FOUND and alarm.evidence.section == 5
    stability = next(c for label, c in checks.items() if "整体稳定" in label)
    assert stability.verdict is Verdict.ADDRESSED
    assert "整体稳定安全系数" in stability.evidence.found[0].snippet
    emergency = next(c for label, c in checks.items() if "应急" in label)
    assert emergency.verdict is Verdict.ADDRESSED and emergency.evidence.section == 8
    assert [c.problem.reviews for c in result.checks] == sorted(
        (c.problem.reviews for c in result.checks), reverse=True
    )
    assert {c.problem.id for c in queries.unaddressed_problems(session, world.plan.id)} == {
        c.problem.id for c in result.checks if c.verdict is Verdict.NOT_FOUND}  # fmt: skip


def test_an_unreadable_plan_says_so_instead_of_flagging_everything(session, world, tmp_path):
    full_run(session)
    scanned = make_plan_version(session, world.plan_work, str(tmp_path / "up"), text="  \n ")
    result = queries.precheck_version(session, scanned)
    assert result.status == "unreadable" and result.checks == () and "未能提取" in result.message


def test_a_category_with_too_few_concluded_reviews_says_there_are_too_few_precedents(
    session, world, tmp_path
):
    full_run(session)
    work = make_work(session, world.projects[City.SUZHOU], category="formwork", sub_type="concrete_support",
                     parameters={"support_height": "9"})  # fmt: skip
    version = make_plan_version(session, work, str(tmp_path / "up"))
    result = queries.precheck_version(session, version)
    assert result.status == "too_few" and result.precedents == 3 and result.checks == ()
    assert "先例太少" in result.message


def test_the_precheck_is_refused_outside_the_plan_readers(session, world):
    full_run(session)
    stranger = Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=make_enterprise(session).id))
    with pytest.raises(NotFoundError):
        queries.plan_precheck(session, stranger, world.plan.id)
    nanjing = Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING))
    with pytest.raises(NotFoundError):
        queries.plan_precheck(session, nanjing, world.plan.id)
    expert = Scope.of(make_account(session, Role.EXPERT, expert_id=world.experts[0].id))
    with pytest.raises(NotFoundError):  # seated on no review of this plan
        queries.plan_precheck(session, expert, world.plan.id)


def test_a_city_reader_counts_his_city_and_the_dashboard_functions_count_per_city_and_month(session, world):
    full_run(session)
    nanjing = Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING))
    view = queries.problems_view(session, nanjing, "excavation")
    uplift = next(r for r in view.rows if "抗隆起" in r.problem.label)
    assert set(uplift.by_city) == {"nanjing"} and uplift.reviews == 3  # reviews 0, 3, 6 of the 8
    assert all(set(r.by_city) == {"nanjing"} for r in view.rows)
    top = queries.top_problems(session, "excavation", limit=3)
    assert "抗隆起" in top[0].problem.label and top[0].by_city == {"suzhou": 5, "nanjing": 3}
    assert sum(top[0].by_month.values()) == 8
    suzhou_2025 = queries.top_problems(session, "excavation", city=City.SUZHOU, start=date(2025, 1, 1),
                                       end=date(2025, 12, 31))  # fmt: skip
    assert all(
        set(t.by_city) == {"suzhou"} and all(m.startswith("2025") for m in t.by_month) for t in suzhou_2025
    )
    with pytest.raises(PermissionDenied):
        queries.problems_view(session, Scope.of(make_account(session, Role.PROJECT_TEAM)), "excavation")
