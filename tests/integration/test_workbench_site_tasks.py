"""The workbench's registry and site tasks (issue 22 item 1): what a project team signs and rectifies, what waits
for a regulator of the area, each with its deadline, scoped to the account, gone once done, and read with a fixed
number of statements whatever the number of projects."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import EnterpriseType, ParticipantRole
from knowledge.plans import services as plan_services
from knowledge.plans.models import SignoffKind
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from knowledge.site import flag_services, hazards, records
from knowledge.site.deadlines import deadline_policy
from knowledge.site.hazard_loop import Level, Step, deadline
from knowledge.site.hazard_models import Source
from knowledge.site.inspection_models import SystemFlag
from knowledge.site.models import AcceptanceResult, AcceptanceSigner
from knowledge.workbench import regulator_tasks
from knowledge.workbench.board import site_tasks
from knowledge.workbench.tasks import Task, Unloaded
from tests.factories import make_account, make_enterprise, make_plan_version, make_project, make_work
from tests.hazard_factories import FOUND_ON, evidence, make_hazard
from tests.site_factories import SiteWorld, make_site_world

TODAY = date(2026, 12, 1)


def tasks_of(session, scope: Scope, kind: str | None = None, today: date = TODAY) -> list[Task]:
    found = site_tasks(session, scope, today)
    return [t for t in found if kind is None or t.kind == kind]


def record_acceptance(session, world: SiteWorld):
    data = records.AcceptanceInput(TODAY, ["李技术", "赵总监"], AcceptanceResult.PASSED)
    return records.record_acceptance(session, world.work, data, scope=world.scope("gc"), today=TODAY)


# ---- plans


def test_the_constructor_signs_first_then_the_supervisor_countersigns_then_nobody(session, app):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.PLAN_DRAFTED)
    [task] = tasks_of(session, world.scope("gc"))
    assert (task.kind, task.target, task.target_id) == ("plan_sign", "plan_version", world.version.id)
    assert task.subject == f"{world.project.name} · {world.work.name}（方案第1版）" and task.due is None
    assert tasks_of(session, world.scope("supervisor")) == []
    for other in ("owner", "monitor", "outsider", "regulator", "office", "expert", "admin"):
        assert tasks_of(session, world.scope(other), "plan_sign") == [], other

    plan_services.sign(
        session, world.version, SignoffKind.CONSTRUCTOR, scope=world.scope("gc"), signer_name="李技术"
    )
    assert tasks_of(session, world.scope("gc")) == []
    [countersign] = tasks_of(session, world.scope("supervisor"))
    assert (countersign.kind, countersign.target_id) == ("plan_countersign", world.version.id)
    assert "总监理工程师" in countersign.label

    plan_services.sign(
        session, world.version, SignoffKind.SUPERVISOR, scope=world.scope("supervisor"), signer_name="赵总监"
    )
    assert tasks_of(session, world.scope("supervisor")) == [] and tasks_of(session, world.scope("gc")) == []


def test_only_the_latest_version_waits_for_a_signature(session, app):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.PLAN_DRAFTED)
    second = make_plan_version(session, world.work, app.config["UPLOAD_DIR"])
    [task] = tasks_of(session, world.scope("gc"))
    assert task.target_id == second.id and "方案第2版" in task.subject


# ---- site acceptances


def test_an_acceptance_waits_for_the_technical_lead_and_the_chief_supervisor_until_each_signs(session, app):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_PROGRESS)
    acceptance = record_acceptance(session, world)
    for who, signer in (
        ("gc", AcceptanceSigner.TECHNICAL_LEAD),
        ("supervisor", AcceptanceSigner.CHIEF_SUPERVISOR),
    ):
        [task] = tasks_of(session, world.scope(who))
        assert (task.kind, task.target, task.target_id) == (
            "site_acceptance_sign",
            "site_records",
            world.work.id,
        )
        assert signer.label in task.label and task.due is None
    assert tasks_of(session, world.scope("outsider")) == [] and tasks_of(session, world.scope("owner")) == []

    records.sign_acceptance(
        session, acceptance, AcceptanceSigner.TECHNICAL_LEAD, signer_name="李技术", scope=world.scope("gc")
    )
    assert tasks_of(session, world.scope("gc")) == []
    assert [t.kind for t in tasks_of(session, world.scope("supervisor"))] == ["site_acceptance_sign"]
    records.sign_acceptance(
        session,
        acceptance,
        AcceptanceSigner.CHIEF_SUPERVISOR,
        signer_name="赵总监",
        scope=world.scope("supervisor"),
    )
    assert tasks_of(session, world.scope("supervisor")) == []


# ---- hazards


def test_the_responsible_unit_rectifies_by_the_deadline_and_the_regulator_then_verifies(session, app):
    world = make_site_world(session, app.config["UPLOAD_DIR"])
    hazard = make_hazard(session, world)
    due = deadline(Level.MAJOR, FOUND_ON, deadline_policy(session).major_days)
    [task] = tasks_of(session, world.scope("gc"))
    assert (task.kind, task.target, task.target_id, task.due) == ("hazard_rectify", "hazard", hazard.id, due)
    assert task.days_late(TODAY) == (TODAY - due).days > 0
    assert task.subject.startswith(f"{world.project.name} · {world.work.name}（重大事故隐患：")
    for other in ("supervisor", "owner", "outsider"):
        assert tasks_of(session, world.scope(other)) == [], other

    hazards.take_step(session, hazard, Step.SUBMIT, scope=world.scope("gc"), day=TODAY, note="已卸载堆土",
                      evidence=evidence(), upload_dir=app.config["UPLOAD_DIR"])  # fmt: skip
    assert tasks_of(session, world.scope("gc")) == []
    for who in ("regulator", "province"):
        [verify] = tasks_of(session, world.scope(who))
        assert (verify.kind, verify.target_id, verify.due) == ("hazard_verify", hazard.id, None)
    assert tasks_of(session, world.scope("other_city")) == []

    hazards.take_step(
        session, hazard, Step.SEND_BACK, scope=world.scope("regulator"), day=TODAY, note="照片不清"
    )
    [again] = tasks_of(session, world.scope("gc"))
    assert again.kind == "hazard_rectify" and again.label == "重新提交隐患整改"


def test_the_regulator_gets_a_hazard_once_it_is_overdue_and_follows_it_once_supervised(session, app):
    world = make_site_world(session, app.config["UPLOAD_DIR"])
    hazard = make_hazard(session, world, level=Level.ORDINARY, key=None)
    due = hazard.deadline
    assert tasks_of(session, world.scope("regulator"), today=due) == []
    [late] = tasks_of(session, world.scope("regulator"), today=due + timedelta(days=3))
    assert (late.kind, late.due, late.days_late(due + timedelta(days=3))) == ("hazard_overdue", due, 3)
    assert tasks_of(session, world.scope("other_city"), today=due + timedelta(days=3)) == []

    hazards.take_step(
        session, hazard, Step.SUPERVISE, scope=world.scope("regulator"), day=due + timedelta(days=3)
    )
    [followed] = tasks_of(session, world.scope("province"), today=due + timedelta(days=3))
    assert (followed.kind, followed.target_id, followed.due) == ("hazard_supervised", hazard.id, due)


# ---- system flags


def test_an_open_system_flag_waits_for_the_city_regulator_until_dismissed(session, app):
    world = make_site_world(session, app.config["UPLOAD_DIR"])
    flag = SystemFlag(work_id=world.work.id, city=world.work.city, rule="deep_excavation_without_monitoring",
                      fingerprint="f" * 32, hazard_key="2022-5-3", facts={"第三方监测": "无记录"})  # fmt: skip
    session.add(flag)
    session.commit()
    for who in ("regulator", "province"):
        [task] = tasks_of(session, world.scope(who))
        assert (task.kind, task.target, task.target_id) == ("site_flag_decide", "site_flag", flag.id)
        assert "深基坑工程已开工但无第三方监测记录" in task.subject
    for other in ("other_city", "gc", "office"):
        assert tasks_of(session, world.scope(other)) == [], other
    flag_services.dismiss_flag(session, flag, scope=world.scope("regulator"), reason="已委托监测单位",
                               now=datetime(2026, 12, 1, 2, tzinfo=UTC))  # fmt: skip
    assert tasks_of(session, world.scope("regulator")) == []


# ---- statements


def team_project(session, upload_dir: str, gc, supervisor) -> None:
    """One project of ``gc``: a plan waiting for its signature, an acceptance and a hazard on a work under way."""
    project = make_project(
        session, [(gc, ParticipantRole.GENERAL_CONTRACTOR), (supervisor, ParticipantRole.SUPERVISOR)]
    )
    drafted = make_work(session, project, status=WorkStatus.PLAN_DRAFTED)
    make_plan_version(session, drafted, upload_dir)
    under_way = make_work(session, project, status=WorkStatus.IN_PROGRESS)
    make_plan_version(session, under_way, upload_dir)
    gc_scope = Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id))
    data = records.AcceptanceInput(TODAY, ["李技术"], AcceptanceResult.PASSED)
    records.record_acceptance(session, under_way, data, scope=gc_scope, today=TODAY)
    regulator = make_account(session, Role.REGULATOR, city=project.city)
    found = hazards.HazardInput(level=Level.ORDINARY, description="临边防护缺失", found_on=FOUND_ON,
                                source=Source.INSPECTION)  # fmt: skip
    hazards.open_hazard(session, under_way, found, actor_id=regulator.id)
    session.commit()


def counted(session, scope: Scope) -> tuple[int, int]:
    """(statements, tasks) of one call, with nothing loaded beforehand."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, PLR0913
        statements.append(statement)

    engine = session.get_bind()
    session.expire_all()
    event.listen(engine, "before_cursor_execute", count)
    try:
        found = site_tasks(session, scope, TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements), len(found)


def test_a_team_with_five_projects_costs_the_same_statements_as_with_one(session, app):
    counts = []
    for projects in (1, 5):
        gc = make_enterprise(session)
        supervisor = make_enterprise(session, type=EnterpriseType.SUPERVISOR)
        for _ in range(projects):
            team_project(session, app.config["UPLOAD_DIR"], gc, supervisor)
        scope = Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id))
        counts.append(counted(session, scope))
    (one, one_tasks), (five, five_tasks) = counts
    assert (one_tasks, five_tasks) == (3, 15)
    assert one == five


def test_a_city_regulator_with_three_worlds_costs_the_same_statements_as_with_one(session, app):
    counts = []
    for city, worlds in ((City.WUXI, 1), (City.CHANGZHOU, 3)):
        for _ in range(worlds):
            world = make_site_world(session, app.config["UPLOAD_DIR"], city=city)
            make_hazard(session, world)  # overdue on TODAY
            submitted = make_hazard(session, world, level=Level.ORDINARY, key=None)
            hazards.take_step(session, submitted, Step.SUBMIT, scope=world.scope("gc"), day=TODAY, note="已整改",
                              evidence=evidence(), upload_dir=app.config["UPLOAD_DIR"])  # fmt: skip
            session.add(SystemFlag(work_id=world.work.id, city=city, rule="over_scale_without_review",
                                   fingerprint="e" * 32, hazard_key="2022-4-4", facts={}))  # fmt: skip
            session.commit()
        counts.append(counted(session, Scope.of(make_account(session, Role.REGULATOR, city=city))))
    (one, one_tasks), (three, three_tasks) = counts
    assert (one_tasks, three_tasks) == (3, 9)
    assert one == three


def test_long_lists_load_their_most_urgent_and_count_the_rest(session, app, monkeypatch):
    """A province holds ~100,000 open system flags and ~20,000 hazards: the workbench counts them in the database
    and loads only the most urgent ``LOADED`` of each list (the earliest deadlines), never the whole list."""
    monkeypatch.setattr(regulator_tasks, "LOADED", 2)
    world = make_site_world(session, app.config["UPLOAD_DIR"], city=City.WUXI)
    made = [make_hazard(session, world, level=Level.ORDINARY, key=None) for _ in range(4)]
    for shift, hazard in enumerate(made):  # deadlines 4, 3, 2 and 1 days before the day asked about
        hazard.deadline = TODAY - timedelta(days=4 - shift)
    for i in range(3):
        session.add(SystemFlag(work_id=world.work.id, city=City.WUXI, rule="over_scale_without_review",
                               fingerprint=f"{i}" * 32, hazard_key="2022-4-4", facts={}))  # fmt: skip
    session.commit()
    unloaded = Unloaded()
    tasks = site_tasks(
        session, Scope.of(make_account(session, Role.REGULATOR, city=City.WUXI)), TODAY, unloaded
    )
    hazards_loaded = [t for t in tasks if t.kind == "hazard_overdue"]
    assert [t.target_id for t in hazards_loaded] == [made[0].id, made[1].id]  # the two latest
    assert len([t for t in tasks if t.kind == "site_flag_decide"]) == 2
    assert (unloaded.open, unloaded.late) == (2 + 1, 2)  # two hazards (both late) and one flag not loaded
