"""The hazard loop's services and queries (issue 20 items 5, 6, 8, 10): the closed loop, supervision, stop orders
holding the workflow, bad input refused with nothing changed, who sees what, hazard-linked credit, the national
register's rows, and two parallel steps leaving one event."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.experts.models import CreditEventRow
from expert_pool.reviews import hazard_links
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import ParticipantRole
from knowledge.errors import DomainError, DuplicateError, NotFoundError, PermissionDenied, ValidationError
from knowledge.regions import City
from knowledge.registry import services as registry
from knowledge.registry.workflow import WorkflowError, WorkStatus
from knowledge.site import hazard_export, hazard_queries, hazards
from knowledge.site.errors import SiteFileError
from knowledge.site.files import Upload
from knowledge.site.hazard_loop import Level, LoopError, State, Step
from knowledge.site.hazard_models import Hazard, HazardEvent, HazardEvidence, Source
from knowledge.site.hazard_queries import HazardFilter
from tests.factories import make_account
from tests.hazard_factories import FOUND_ON, MAJOR_KEY, evidence, make_hazard, reviewed_world
from tests.site_factories import make_site_world
from webapp.extensions import db

DAY = FOUND_ON + timedelta(days=2)
LATE = FOUND_ON + timedelta(days=30)


@pytest.fixture
def up(app):
    return app.config["UPLOAD_DIR"] + "/site"


@pytest.fixture
def world(session, app):
    return make_site_world(session, app.config["UPLOAD_DIR"])


def step(session, world, hazard, what, who, *, day=DAY, note="", files=None, up=""):
    return hazards.take_step(session, hazard, what, scope=world.scope(who), day=day, note=note, evidence=files,
                             upload_dir=up)  # fmt: skip


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_whole_loop_found_submitted_sent_back_submitted_closed(session, world, up):
    hazard = make_hazard(session, world)
    assert hazard.deadline == FOUND_ON + timedelta(days=7) and hazard.state is State.OPEN
    step(session, world, hazard, Step.SUBMIT, "gc", note="已卸除堆载并加固支护", files=evidence(), up=up)
    assert hazard.state is State.SUBMITTED
    step(session, world, hazard, Step.SEND_BACK, "regulator", note="裂缝处未见监测数据")
    assert hazard.state is State.SENT_BACK
    step(session, world, hazard, Step.SUBMIT, "gc", note="补充监测数据", files=evidence("监测.png"), up=up)
    step(session, world, hazard, Step.CLOSE, "regulator", day=DAY + timedelta(days=1))
    session.refresh(hazard)
    assert (hazard.state, hazard.closed_on) == (State.CLOSED, DAY + timedelta(days=1))
    assert [(e.seq, e.step) for e in hazard.events] == [
        (1, Step.SUBMIT), (2, Step.SEND_BACK), (3, Step.SUBMIT), (4, Step.CLOSE)]  # fmt: skip
    stored = session.scalars(select(HazardEvidence)).all()
    assert len(stored) == 2 and all((Path(up) / f.stored_name).is_file() for f in stored)
    assert hazards.loop_state(hazard).state is State.CLOSED  # the events replay to the projection


def test_supervision_order_on_an_overdue_hazard_raises_it_on_the_list(session, world):
    quiet = make_hazard(session, world, level=Level.ORDINARY, found_on=LATE - timedelta(days=2))
    late = make_hazard(session, world)
    assert hazard_queries.is_overdue(late, LATE)
    step(session, world, late, Step.SUPERVISE, "province", day=LATE)  # overdue: no reason needed
    assert late.is_supervised
    with pytest.raises(LoopError, match="已挂牌督办"):
        step(session, world, late, Step.SUPERVISE, "regulator", day=LATE, note="再次督办")
    with pytest.raises(LoopError, match="须写明理由"):
        step(session, world, quiet, Step.SUPERVISE, "regulator", day=LATE)
    page = hazard_queries.hazards(session, world.scope("province"), HazardFilter(), today=LATE)
    assert [h.id for h in page.items] == [late.id, quiet.id]
    found = hazard_queries.hazards(
        session, world.scope("regulator"), HazardFilter(is_supervised=True), today=LATE
    )
    assert [h.id for h in found.items] == [late.id]


def test_stop_order_holds_the_work_until_lifted(session, world):
    hazard = make_hazard(session, world)
    with pytest.raises(LoopError, match="须写明理由"):
        step(session, world, hazard, Step.STOP, "regulator")
    step(session, world, hazard, Step.STOP, "regulator", note="支护结构存在坍塌危险")
    assert world.work.is_stopped and hazard.is_stopped
    with pytest.raises(WorkflowError, match="该工程已被责令停工，停工令解除前不能变更状态"):
        registry.move(session, world.work, WorkStatus.ACCEPTED, actor_id=world.accounts["gc"].id)
    session.rollback()
    session.refresh(world.work)
    assert world.work.status is WorkStatus.IN_PROGRESS
    step(session, world, hazard, Step.LIFT_STOP, "regulator", note="复查合格")
    assert not world.work.is_stopped
    registry.move(session, world.work, WorkStatus.ACCEPTED, actor_id=world.accounts["gc"].id)
    assert world.work.status is WorkStatus.ACCEPTED


def test_a_work_stays_stopped_while_another_hazard_holds_a_stop(session, world):
    first, second = make_hazard(session, world), make_hazard(session, world, level=Level.ORDINARY)
    step(session, world, first, Step.STOP, "regulator", note="停工")
    step(session, world, second, Step.STOP, "regulator", note="停工")
    step(session, world, first, Step.LIFT_STOP, "regulator")
    assert world.work.is_stopped


def assert_unchanged(session, hazard, events=0):
    session.expire_all()
    assert count(session, HazardEvent) == events and count(session, HazardEvidence) == 0
    assert session.get(Hazard, hazard.id).state is State.OPEN


def test_closing_without_rectification_evidence_is_refused(session, world, up):
    hazard = make_hazard(session, world)
    with pytest.raises(LoopError, match="隐患当前为“待整改”，不能“核验销号”"):
        step(session, world, hazard, Step.CLOSE, "regulator")
    with pytest.raises(LoopError, match="提交整改须附整改证明材料"):
        step(session, world, hazard, Step.SUBMIT, "gc", note="已整改", up=up)
    assert_unchanged(session, hazard)


def test_project_team_cannot_close_or_send_back_its_own_hazard(session, world):
    hazard = make_hazard(session, world)
    for what in (Step.CLOSE, Step.SEND_BACK, Step.SUPERVISE, Step.LIFT_STOP):
        with pytest.raises(PermissionDenied, match="只能由工程所在地的主管部门办理"):
            step(session, world, hazard, what, "gc", note="自行销号")
    with pytest.raises(PermissionDenied, match="只能由整改责任单位办理"):
        step(session, world, hazard, Step.SUBMIT, "supervisor", note="代为整改", files=evidence())
    with pytest.raises(PermissionDenied):
        step(session, world, hazard, Step.CLOSE, "other_city")
    assert_unchanged(session, hazard)


def test_rectification_after_closure_is_refused(session, world, up):
    hazard = make_hazard(session, world)
    step(session, world, hazard, Step.SUBMIT, "gc", note="已整改", files=evidence(), up=up)
    step(session, world, hazard, Step.CLOSE, "regulator")
    with pytest.raises(LoopError, match=f"隐患已于 {DAY} 销号，不能再“提交整改”"):
        step(session, world, hazard, Step.SUBMIT, "gc", note="再次整改", files=evidence(), up=up)
    session.expire_all()
    assert count(session, HazardEvent) == 2 and count(session, HazardEvidence) == 1


def test_evidence_that_is_neither_image_nor_pdf_is_refused_and_nothing_is_stored(session, world, up):
    hazard = make_hazard(session, world)
    files = [*evidence(), Upload(b"MZ\x90\x00 not a picture", "整改.exe")]
    with pytest.raises(SiteFileError, match="“整改.exe”不是图片或PDF"):
        step(session, world, hazard, Step.SUBMIT, "gc", note="已整改", files=files, up=up)
    assert_unchanged(session, hazard)
    assert not Path(up).exists() or not any(Path(up).iterdir())


def test_who_sees_which_hazards(session, world):
    hazard = make_hazard(session, world)
    for name in ("regulator", "province", "office", "gc", "supervisor", "owner", "admin"):
        assert hazards.get_hazard_for(session, world.scope(name), hazard.id).id == hazard.id
        assert hazard_queries.hazards(session, world.scope(name), HazardFilter(), today=DAY).total == 1
    for name in ("other_city", "outsider", "expert"):
        with pytest.raises(NotFoundError):
            hazards.get_hazard_for(session, world.scope(name), hazard.id)
        assert hazard_queries.hazards(session, world.scope(name), HazardFilter(), today=DAY).total == 0


def test_filters_and_order_overdue_first(session, world):
    major = make_hazard(session, world)
    recent = make_hazard(session, world, level=Level.ORDINARY, found_on=LATE)
    flagged = make_hazard(session, world, level=Level.ORDINARY, found_on=FOUND_ON + timedelta(days=1))
    flagged.source = Source.SYSTEM_FLAG
    session.commit()
    scope = world.scope("province")

    def ids(**kw):
        return [h.id for h in hazard_queries.hazards(session, scope, HazardFilter(**kw), today=LATE).items]

    assert ids() == [major.id, flagged.id, recent.id]  # overdue first, by deadline
    assert ids(is_overdue=True) == [major.id, flagged.id]
    assert ids(level=Level.MAJOR) == [major.id]
    assert ids(is_flagged=True) == [flagged.id]
    assert ids(city=world.work.city, level=Level.ORDINARY, is_overdue=True) == [flagged.id]
    assert ids(category="formwork") == []
    assert ids(work_id=world.work.id, state=State.OPEN) == [major.id, flagged.id, recent.id]
    step(session, world, major, Step.STOP, "regulator", note="停工", day=LATE)
    assert ids(is_stopped=True) == [major.id]
    counts = hazard_queries.counts(session, scope, HazardFilter(), today=LATE)
    assert (counts.total, counts.open, counts.overdue, counts.stopped) == (3, 3, 2, 1)


def test_constructor_records_its_own_check(session, world):
    data = hazards.HazardInput(Level.MAJOR, "基坑开挖深度超过设计深度", DAY, Source.INSPECTION, MAJOR_KEY)
    hazard = hazards.record_self_check_hazard(session, world.work, data, scope=world.scope("gc"), today=DAY)
    assert hazard.source is Source.SELF_CHECK and hazard.found_by_own_check
    assert hazard.accountability["safety_officer"] == "钱安全" and hazard.plan_version_id == world.version.id
    with pytest.raises(PermissionDenied, match="只有本项目的施工单位"):
        hazards.record_self_check_hazard(
            session, world.work, data, scope=world.scope("supervisor"), today=DAY
        )
    no_clause = hazards.HazardInput(Level.MAJOR, "某隐患", DAY, Source.SELF_CHECK)
    with pytest.raises(ValidationError, match="须对应判定标准的条款"):
        hazards.record_self_check_hazard(session, world.work, no_clause, scope=world.scope("gc"), today=DAY)
    session.rollback()
    formwork = hazards.HazardInput(Level.MAJOR, "某隐患", DAY, Source.SELF_CHECK, "2022-6-1")
    with pytest.raises(ValidationError, match="不适用于该类危大工程"):
        hazards.record_self_check_hazard(session, world.work, formwork, scope=world.scope("gc"), today=DAY)
    future = hazards.HazardInput(Level.ORDINARY, "某隐患", DAY + timedelta(days=1), Source.SELF_CHECK)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        hazards.record_self_check_hazard(session, world.work, future, scope=world.scope("gc"), today=DAY)
    assert count(session, Hazard) == 1


def test_hazard_linked_credit_once_per_expert_of_the_approving_panel(session, app):
    meeting = reviewed_world(session, app.config["UPLOAD_DIR"])
    regulator = make_account(session, Role.REGULATOR, city=meeting.work.city)
    data = hazards.HazardInput(Level.MAJOR, "支护结构变形超过报警值未处理", DAY, Source.INSPECTION, MAJOR_KEY)
    hazard = hazards.open_hazard(session, meeting.work, data, actor_id=regulator.id)
    session.commit()
    panel = hazard_links.linked_panel(session, hazard)
    assert {m.expert_id for m in panel} == {e.id for e in meeting.panel} and not any(
        m.is_recorded for m in panel
    )
    first = panel[0].expert_id
    row = hazard_links.record_hazard_link(session, hazard, first, scope=Scope.of(regulator), day=DAY)
    assert (row.kind, row.points, row.source) == ("hazard_linked", -20, f"hazard:{hazard.id}:expert:{first}")
    assert f"#{hazard.id}" in row.reason and "第五条" in row.reason
    with pytest.raises(DuplicateError, match="已为"):
        hazard_links.record_hazard_link(session, hazard, first, scope=Scope.of(regulator), day=DAY)
    for account in (make_account(session, Role.REGULATOR, city=City.NANJING), meeting.team):
        with pytest.raises(PermissionDenied):
            hazard_links.record_hazard_link(
                session, hazard, panel[1].expert_id, scope=Scope.of(account), day=DAY
            )
    with pytest.raises(NotFoundError, match="不是批准该方案的论证专家组成员"):
        hazard_links.record_hazard_link(session, hazard, 999_999, scope=Scope.of(regulator), day=DAY)
    assert count(session, CreditEventRow) == 1
    assert [m.is_recorded for m in hazard_links.linked_panel(session, hazard)].count(True) == 1


def test_ordinary_hazard_or_unreviewed_plan_links_no_panel(session, world):
    assert hazard_links.linked_panel(session, make_hazard(session, world, level=Level.ORDINARY)) == []
    assert hazard_links.linked_panel(session, make_hazard(session, world)) == []  # no review of its plan


def test_register_rows_carry_clause_codes_and_dates(session, world, up):
    hazard = make_hazard(session, world)
    make_hazard(session, world, level=Level.ORDINARY)  # not a major hazard: not in the register
    step(session, world, hazard, Step.SUPERVISE, "regulator", day=LATE)
    step(session, world, hazard, Step.STOP, "regulator", day=LATE, note="停工")
    step(session, world, hazard, Step.SUBMIT, "gc", day=LATE + timedelta(days=1), note="已整改", files=evidence(),
         up=up)  # fmt: skip
    step(session, world, hazard, Step.CLOSE, "regulator", day=LATE + timedelta(days=2))
    rows = list(hazard_queries.iter_register(session, world.scope("province"), HazardFilter(), today=LATE))
    assert [r.id for r in rows] == [hazard.id]
    row = hazard_export.register_row(rows[0])
    gc, owner, sup = (world.enterprises[k] for k in ("gc", "owner", "supervisor"))
    assert row["clause"] == "建质规〔2022〕2号 第五条第（一）项" and row["catalogue_key"] == MAJOR_KEY
    assert (row["constructor_code"], row["owner_code"], row["supervisor_code"]) == (
        gc.credit_code, owner.credit_code, sup.credit_code)  # fmt: skip
    assert row["responsible_code"] == gc.credit_code and row["division_code"] == "320506"  # 苏州市吴中区
    assert (row["found_on"], row["deadline"]) == (
        FOUND_ON.isoformat(),
        (FOUND_ON + timedelta(days=7)).isoformat(),
    )
    assert row["supervision_ordered_on"] == row["stop_ordered_on"] == LATE.isoformat()
    assert row["rectification_submitted_on"] == (LATE + timedelta(days=1)).isoformat()
    assert row["closed_on"] == (LATE + timedelta(days=2)).isoformat() and row["stop_lifted_on"] == ""
    doc = hazard_export.register_json(rows)
    assert doc["count"] == 1 and {f["key"] for f in doc["fields"]} == set(row)
    assert hazard_export.register_xlsx(rows)[:2] == b"PK"
    assert ParticipantRole.OWNER in {p.role for p in world.project.participants}


def test_parallel_steps_on_one_hazard_leave_one_event(app, session, world, up):
    hazard = make_hazard(session, world)
    step(session, world, hazard, Step.SUBMIT, "gc", note="已整改", files=evidence(), up=up)
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(2)
    results: list[object] = []

    def run(what: Step, note: str) -> None:
        with Session(engine) as own:
            mine = own.get(Hazard, hazard.id)
            assert mine is not None and len(mine.events) == 1  # both read the hazard before either writes
            barrier.wait()
            try:
                event = hazards.take_step(own, mine, what, scope=world.scope("regulator"), day=DAY, note=note)
                results.append(event.step)
            except DomainError as exc:
                results.append(exc)
            except Exception as exc:  # noqa: BLE001 - anything else is the failure under test
                results.append(exc)

    threads = [
        threading.Thread(target=run, args=a) for a in ((Step.CLOSE, ""), (Step.SEND_BACK, "证明不清楚"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    done = [r for r in results if isinstance(r, Step)]
    refused = [r for r in results if not isinstance(r, Step)]
    assert len(done) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], DuplicateError) and "刚刚被他人处理" in str(refused[0])
    session.expire_all()
    events = session.scalars(
        select(HazardEvent).where(HazardEvent.hazard_id == hazard.id, HazardEvent.seq == 2)
    )
    assert [e.step for e in events] == done
    assert session.get(Hazard, hazard.id).state is (
        State.CLOSED if done[0] is Step.CLOSE else State.SENT_BACK
    )


def test_a_hazard_is_overdue_the_day_after_its_deadline(session, world):
    hazard = make_hazard(session, world)
    assert not hazard_queries.is_overdue(hazard, hazard.deadline)
    assert hazard_queries.is_overdue(hazard, hazard.deadline + timedelta(days=1))
    assert hazard_queries.hazards(session, world.scope("province"), HazardFilter(is_overdue=True),
                                  today=hazard.deadline).total == 0  # fmt: skip
