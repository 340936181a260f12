"""Site records drive the workflow (issue 20 item 1): briefings on the version in force, the start of the works,
monitoring by a unit of the project, acceptance signed by the two right accounts; bad input changes nothing."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.errors import DuplicateError, PermissionDenied, ValidationError
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkflowError, WorkStatus
from knowledge.site import records
from knowledge.site.errors import SiteFileError
from knowledge.site.files import Upload
from knowledge.site.models import (
    Acceptance,
    AcceptanceResult,
    AcceptanceSignature,
    AcceptanceSigner,
    AlarmLevel,
    Briefing,
    BriefingKind,
    Monitoring,
)
from tests.factories import make_plan_version
from tests.races import linger_after_flush, parallel
from tests.site_factories import make_site_world, png_bytes

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(session, app):
    return make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_FORCE)


def briefing(version_id, kind=BriefingKind.PLAN, **over):
    fields = dict(kind=kind, plan_version_id=version_id, briefed_on=TODAY, briefer="李技术",
                  audience="项目部管理人员", attendees=["张三", "李四"])  # fmt: skip
    fields.update(over)
    return records.BriefingInput(**fields)


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_plan_briefing_moves_to_briefed_and_the_works_start_after_it(session, app, world):
    up = app.config["UPLOAD_DIR"]
    with pytest.raises(WorkflowError, match="方案交底"):
        records.start_works(session, world.work, scope=world.scope("gc"))
    safety = briefing(world.version.id, BriefingKind.SAFETY, attachments=[Upload(png_bytes(), "签到表.png")])
    records.record_briefing(session, world.work, safety, scope=world.scope("gc"), today=TODAY, upload_dir=up)
    assert world.work.status is WorkStatus.IN_FORCE  # a workers' briefing alone does not brief the plan
    records.record_briefing(session, world.work, briefing(world.version.id), scope=world.scope("gc"), today=TODAY,
                            upload_dir=up)  # fmt: skip
    assert world.work.status is WorkStatus.BRIEFED
    records.start_works(session, world.work, scope=world.scope("gc"))
    assert world.work.status is WorkStatus.IN_PROGRESS
    kept = session.scalars(select(Briefing).where(Briefing.kind == BriefingKind.SAFETY)).one()
    assert [a.original_name for a in kept.attachments] == ["签到表.png"]


def test_a_briefing_on_a_superseded_version_is_refused_and_nothing_is_kept(session, app, world):
    old = world.version
    make_plan_version(session, world.work, app.config["UPLOAD_DIR"])  # the newer version is now in force
    with pytest.raises(ValidationError, match="已被替代的版本不能交底"):
        records.record_briefing(session, world.work, briefing(old.id), scope=world.scope("gc"), today=TODAY,
                                upload_dir=app.config["UPLOAD_DIR"])  # fmt: skip
    session.rollback()
    assert count(session, Briefing) == 0
    assert session.get(Work, world.work.id).status is WorkStatus.IN_FORCE


@pytest.mark.parametrize(
    ("who", "change", "error"),
    [
        ("supervisor", {}, PermissionDenied),
        ("regulator", {}, PermissionDenied),
        ("gc", {"briefed_on": date(2026, 12, 2)}, ValidationError),
        ("gc", {"attendees": []}, ValidationError),
        ("gc", {"attachments": [Upload(b"MZ\x90\x00 not an image", "a.png")]}, SiteFileError),
    ],
)
def test_bad_briefings_are_refused_with_a_message(session, app, world, who, change, error):
    with pytest.raises(error) as caught:
        records.record_briefing(session, world.work, briefing(world.version.id, **change), scope=world.scope(who),
                                today=TODAY, upload_dir=app.config["UPLOAD_DIR"])  # fmt: skip
    assert str(caught.value)
    session.rollback()
    assert count(session, Briefing) == 0


def test_monitoring_unit_must_be_a_monitoring_participant_of_the_project(session, world):
    gc = world.scope("gc")
    for code in (
        world.enterprises["outsider"].credit_code,
        world.enterprises["supervisor"].credit_code,
        "bad",
    ):
        with pytest.raises(ValidationError, match="第三方监测单位"):
            records.engage_monitoring(session, world.work, credit_code=code, starts_on=TODAY, scheme="", scope=gc,
                                      today=TODAY)  # fmt: skip
    code = world.enterprises["monitor"].credit_code
    monitoring = records.engage_monitoring(session, world.work, credit_code=code.lower(), starts_on=TODAY,
                                           scheme="基坑监测方案", scope=world.scope("owner"), today=TODAY)  # fmt: skip
    with pytest.raises(DuplicateError):
        records.engage_monitoring(session, world.work, credit_code=code, starts_on=TODAY, scheme="", scope=gc,
                                  today=TODAY)  # fmt: skip
    assert count(session, Monitoring) == 1
    alarm = records.record_alarm(
        session, monitoring, records.AlarmInput(NOW, "围护结构水平位移", AlarmLevel.ORANGE, "32.5", "mm"),
        scope=world.scope("monitor"), now=NOW,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        records.record_alarm(session, monitoring, records.AlarmInput(NOW, "沉降", AlarmLevel.RED, "1", "mm"),
                             scope=world.scope("outsider"), now=NOW)  # fmt: skip
    with pytest.raises(ValidationError, match="数字"):
        records.record_alarm(session, monitoring, records.AlarmInput(NOW, "沉降", AlarmLevel.RED, "很大"),
                             scope=world.scope("monitor"), now=NOW)  # fmt: skip
    records.handle_alarm(session, alarm, measures="加密监测，坑边卸载", handled_on=TODAY, scope=world.scope("supervisor"),
                         today=TODAY)  # fmt: skip
    with pytest.raises(DuplicateError):
        records.handle_alarm(
            session, alarm, measures="again", handled_on=TODAY, scope=world.scope("gc"), today=TODAY
        )
    session.refresh(alarm)
    assert alarm.handling is not None and alarm.handling.measures.startswith("加密监测")


def accept(session, world, result=AcceptanceResult.PASSED, note=""):
    data = records.AcceptanceInput(TODAY, ["李技术", "赵总监", "钱安全"], result, note)
    return records.record_acceptance(session, world.work, data, scope=world.scope("gc"), today=TODAY)


def test_acceptance_counts_once_both_right_accounts_have_signed(session, app):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_PROGRESS)
    acceptance = accept(session, world)
    with pytest.raises(PermissionDenied, match="总监理工程师"):
        records.sign_acceptance(session, acceptance, AcceptanceSigner.CHIEF_SUPERVISOR, signer_name="冒签",
                                scope=world.scope("gc"))  # fmt: skip
    with pytest.raises(PermissionDenied, match="项目技术负责人"):
        records.sign_acceptance(session, acceptance, AcceptanceSigner.TECHNICAL_LEAD, signer_name="冒签",
                                scope=world.scope("supervisor"))  # fmt: skip
    records.sign_acceptance(session, acceptance, AcceptanceSigner.TECHNICAL_LEAD, signer_name="李技术",
                            scope=world.scope("gc"))  # fmt: skip
    assert world.work.status is WorkStatus.IN_PROGRESS
    with pytest.raises(DuplicateError):
        records.sign_acceptance(session, acceptance, AcceptanceSigner.TECHNICAL_LEAD, signer_name="李技术",
                                scope=world.scope("gc"))  # fmt: skip
    records.sign_acceptance(session, acceptance, AcceptanceSigner.CHIEF_SUPERVISOR, signer_name="赵总监",
                            scope=world.scope("supervisor"))  # fmt: skip
    assert session.get(Work, world.work.id).status is WorkStatus.ACCEPTED


def test_a_failed_acceptance_signed_by_both_does_not_accept_the_works(session, app):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_PROGRESS)
    with pytest.raises(ValidationError, match="写明问题"):
        accept(session, world, AcceptanceResult.FAILED)
    failed = accept(session, world, AcceptanceResult.FAILED, "立杆间距超出方案")
    for kind, who in (
        (AcceptanceSigner.TECHNICAL_LEAD, "gc"),
        (AcceptanceSigner.CHIEF_SUPERVISOR, "supervisor"),
    ):
        records.sign_acceptance(session, failed, kind, signer_name="签字人", scope=world.scope(who))
    assert world.work.status is WorkStatus.IN_PROGRESS


def test_acceptance_only_of_works_under_way(session, world):
    with pytest.raises(WorkflowError, match="施工中"):
        accept(session, world)
    assert count(session, Acceptance) == 0


def test_a_stopped_work_cannot_move(session, app):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.BRIEFED)
    records.record_briefing(session, world.work, briefing(world.version.id), scope=world.scope("gc"), today=TODAY,
                            upload_dir=app.config["UPLOAD_DIR"])  # fmt: skip
    world.work.is_stopped = True
    session.commit()
    with pytest.raises(WorkflowError, match="责令停工"):
        records.start_works(session, world.work, scope=world.scope("gc"))
    session.rollback()
    world.work.status = WorkStatus.IN_PROGRESS
    session.commit()
    with pytest.raises(WorkflowError, match="停工令解除前不能验收"):
        accept(session, world)
    session.rollback()
    assert count(session, Acceptance) == 0
    world.work.status = WorkStatus.BRIEFED
    session.commit()
    assert session.get(Work, world.work.id).status is WorkStatus.BRIEFED


def test_parallel_signatures_of_one_kind_leave_one(app, session):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_PROGRESS)
    acceptance_id = accept(session, world).id

    def run(own: Session, i: int) -> object:
        return records.sign_acceptance(own, own.get_one(Acceptance, acceptance_id), AcceptanceSigner.TECHNICAL_LEAD,
                                       signer_name="李技术", scope=world.scope("gc")).id  # fmt: skip

    results = parallel(app, 4, run)
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert all(isinstance(r, DuplicateError) for r in results if not isinstance(r, int)), results
    assert count(session, AcceptanceSignature) == 1


def test_the_two_signers_at_once_accept_the_works(app, session):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_PROGRESS)
    acceptance_id = accept(session, world).id
    signers = [(AcceptanceSigner.TECHNICAL_LEAD, "gc"), (AcceptanceSigner.CHIEF_SUPERVISOR, "supervisor")]

    def run(own: Session, i: int) -> object:
        kind, who = signers[i]
        linger_after_flush(own)  # both inserts written before either looks for the other's signature
        return records.sign_acceptance(own, own.get_one(Acceptance, acceptance_id), kind, signer_name="签字人",
                                       scope=world.scope(who)).id  # fmt: skip

    results = parallel(app, 2, run)
    assert all(isinstance(r, int) for r in results) and len(results) == 2, results
    session.expire_all()
    assert session.get(Work, world.work.id).status is WorkStatus.ACCEPTED


def test_a_plan_change_on_site_is_a_new_version_signed_again_and_briefed_again(session, app):
    from knowledge.plans import services as plan_services
    from tests.factories import PLAN_AUTHORS, SAMPLE_PLAN, TEST_VAULT

    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_PROGRESS)
    upload = plan_services.PlanUpload(
        SAMPLE_PLAN.encode(), "变更方案.txt", "变更后的方案", authors=PLAN_AUTHORS
    )
    changed = plan_services.submit_version(session, world.work, upload, scope=world.scope("gc"),
                                           upload_dir=app.config["UPLOAD_DIR"], max_bytes=10**6, vault=TEST_VAULT)  # fmt: skip
    assert world.work.status is WorkStatus.PLAN_DRAFTED  # the works wait for the changed plan's sign-off
    assert session.get(type(world.version), world.version.id).number == 1  # the old version stays as it was
    with pytest.raises(WorkflowError, match="不能记录交底"):
        records.record_briefing(session, world.work, briefing(changed.id), scope=world.scope("gc"), today=TODAY,
                                upload_dir=app.config["UPLOAD_DIR"])  # fmt: skip
