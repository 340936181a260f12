"""Registering works, correcting parameters, the workflow, plan versions and sign-offs (Decree 37 Art. 10-13)."""

import pytest
from sqlalchemy import func, select

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.enterprises.models import ParticipantRole
from knowledge.errors import DuplicateError, PermissionDenied, ValidationError
from knowledge.plans import services as plan_services
from knowledge.plans.files import PlanFileError
from knowledge.plans.models import PlanVersion, SignoffKind
from knowledge.registry import services as work_services
from knowledge.registry.rules import ClassificationInputError, Verdict
from knowledge.registry.workflow import WorkflowError, WorkStatus
from tests.factories import (
    PLAN_AUTHORS,
    SAMPLE_PLAN,
    TEST_VAULT,
    make_account,
    make_enterprise,
    make_project,
    make_work,
)


@pytest.fixture
def site(session):
    gc, sup, sub, other = (make_enterprise(session) for _ in range(4))
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR), (sup, ParticipantRole.SUPERVISOR),
                                     (sub, ParticipantRole.SUBCONTRACTOR)])  # fmt: skip
    accounts = {name: make_account(session, Role.PROJECT_TEAM, enterprise_id=e.id, display_name=name)
                for name, e in (("gc", gc), ("sup", sup), ("sub", sub), ("other", other))}  # fmt: skip
    scopes = {name: Scope.of(a) for name, a in accounts.items()}
    return {"project": project, "scopes": scopes, "sub": sub}


def work_input(project, **overrides):
    fields = {"project_id": project.id, "name": "地下室基坑支护及土方开挖", "category": "excavation",
              "sub_type": "foundation_pit",
              "parameters": {"excavation_depth": "5.2", "complex_conditions": "否", "affects_adjacent_structures": "否"}}  # fmt: skip
    fields.update(overrides)
    return work_services.WorkInput(**fields)


def test_register_stores_verdict_clauses_version_and_audit(session, site):
    work = work_services.register_work(session, work_input(site["project"]), scope=site["scopes"]["gc"])
    assert work.verdict is Verdict.OVER_SCALE and work.is_decided
    assert [c["citation"] for c in work.clauses] == ["附件1 一（一）", "附件2 一"]
    assert work.clauses[1]["measured"] == "5.2" and work.clauses[1]["threshold"] == "5"
    assert work.rules_version.startswith("建办质〔2018〕31号")
    assert work.city == site["project"].city and work.status is WorkStatus.REGISTERED
    assert session.scalar(select(AuditLog.action).where(AuditLog.object_type == "work")) == "work_register"


def test_not_hazardous_is_not_registered_and_undecided_lists_what_is_missing(session, site):
    shallow = work_input(site["project"], parameters={"excavation_depth": "2.5", "complex_conditions": "否",
                                                      "affects_adjacent_structures": "否"})  # fmt: skip
    with pytest.raises(ValidationError, match="不属于危大工程"):
        work_services.register_work(session, shallow, scope=site["scopes"]["gc"])
    unknown = work_input(site["project"], parameters={"excavation_depth": "2.5"})
    with pytest.raises(ValidationError, match="请补充：地质条件"):
        work_services.register_work(session, unknown, scope=site["scopes"]["gc"])
    partial = work_input(site["project"], category="formwork", sub_type="concrete_support",
                         parameters={"support_height": "6"})  # fmt: skip
    work = work_services.register_work(session, partial, scope=site["scopes"]["gc"])
    assert work.verdict is Verdict.HAZARDOUS and not work.is_decided
    assert set(work.missing) == {"support_span", "total_load", "line_load"}


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"category": "tunnel"}, ClassificationInputError, "category"),
        ({"parameters": {"excavation_depth": "-1"}}, ClassificationInputError, "excavation_depth"),
        ({"parameters": {"excavation_depth": "abc"}}, ClassificationInputError, "excavation_depth"),
        ({"parameters": {"excavation_depth": "500"}}, ClassificationInputError, "excavation_depth"),
        ({"parameters": {"support_height": "9"}}, ClassificationInputError, "support_height"),
        ({"name": " "}, ValidationError, "name"),
        ({"name": "长" * 201}, ValidationError, "name"),
        ({"project_manager": "某" * 33}, ValidationError, "project_manager"),
        ({"subcontractor_credit_code": "91320000MA1XXXXX0X"}, ValidationError, "subcontractor_credit_code"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_is_written(session, site, overrides, error, field):
    with pytest.raises(error) as info:
        work_services.register_work(
            session, work_input(site["project"], **overrides), scope=site["scopes"]["gc"]
        )
    assert info.value.field == field
    session.rollback()
    assert (
        session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.object_type == "work")) == 0
    )


def test_planned_dates_in_order(session, site):
    from datetime import date

    bad = work_input(site["project"], planned_start=date(2026, 5, 1), planned_end=date(2026, 4, 1))
    with pytest.raises(ValidationError, match="不能早于"):
        work_services.register_work(session, bad, scope=site["scopes"]["gc"])


def test_only_builders_of_the_project_register(session, site):
    for name in ("sup", "other"):
        with pytest.raises(PermissionDenied):
            work_services.register_work(session, work_input(site["project"]), scope=site["scopes"][name])
    sub_work = work_services.register_work(session, work_input(site["project"]), scope=site["scopes"]["sub"])
    assert sub_work.id


def test_reclassify_recomputes_and_is_closed_after_review_request(session, site):
    work = make_work(session, site["project"], category="formwork", sub_type="concrete_support",
                     parameters={"support_height": "6"})  # fmt: skip
    work_services.reclassify_work(session, work, "concrete_support",
                                  {"support_height": "6", "support_span": "19", "total_load": "8", "line_load": "9",
                                   "slender_independent": "否"}, scope=site["scopes"]["gc"])  # fmt: skip
    assert work.verdict is Verdict.OVER_SCALE and work.is_decided
    work.status = WorkStatus.REVIEW_REQUESTED
    session.commit()
    with pytest.raises(WorkflowError, match="参数已不能修改"):
        work_services.reclassify_work(session, work, "concrete_support", {"support_height": "5"},
                                      scope=site["scopes"]["gc"])  # fmt: skip


def upload(text=SAMPLE_PLAN, name="方案.txt"):
    return plan_services.PlanUpload(text.encode("utf-8"), name, title="", authors=PLAN_AUTHORS)


def submit(session, work, scope, tmp_path, data=None):
    return plan_services.submit_version(session, work, data or upload(), scope=scope, upload_dir=tmp_path / "up",
                                        max_bytes=1024 * 1024, vault=TEST_VAULT)  # fmt: skip


def test_plan_versions_sign_offs_and_review_request_for_an_over_scale_work(session, site, tmp_path):
    s = site["scopes"]
    work = make_work(session, site["project"])
    v1 = submit(session, work, s["gc"], tmp_path)
    assert work.status is WorkStatus.PLAN_DRAFTED and v1.number == 1 and len(v1.sections_found) == 9
    with pytest.raises(WorkflowError, match="施工单位技术负责人签字后"):
        plan_services.sign(session, v1, SignoffKind.SUPERVISOR, scope=s["sup"], signer_name="总监")
    with pytest.raises(PermissionDenied):
        plan_services.sign(session, v1, SignoffKind.CONSTRUCTOR, scope=s["sup"], signer_name="总监")
    plan_services.sign(session, v1, SignoffKind.CONSTRUCTOR, scope=s["gc"], signer_name="技术负责人")
    assert work.status is WorkStatus.CONSTRUCTOR_SIGNED
    with pytest.raises(DuplicateError):
        plan_services.sign(session, v1, SignoffKind.CONSTRUCTOR, scope=s["gc"], signer_name="技术负责人")
    with pytest.raises(WorkflowError, match="专家论证|状态"):
        plan_services.request_review(session, work, scope=s["gc"])
    session.rollback()
    plan_services.sign(session, v1, SignoffKind.SUPERVISOR, scope=s["sup"], signer_name="总监")
    assert work.status is WorkStatus.SUPERVISOR_SIGNED  # over scale: waits for the review
    with pytest.raises(PermissionDenied):
        plan_services.request_review(session, work, scope=s["sup"])
    plan_services.request_review(session, work, scope=s["gc"])
    assert work.status is WorkStatus.REVIEW_REQUESTED
    moves = session.scalars(select(AuditLog.after).where(AuditLog.action == "work_move")).all()
    assert [m["status"] for m in moves] == [
        "plan_drafted",
        "constructor_signed",
        "supervisor_signed",
        "review_requested",
    ]


def test_a_hazardous_work_is_in_force_after_both_signatures(session, site, tmp_path):
    s = site["scopes"]
    work = make_work(session, site["project"], parameters={"excavation_depth": "4", "complex_conditions": False,
                                                           "affects_adjacent_structures": False})  # fmt: skip
    assert work.verdict is Verdict.HAZARDOUS
    v1 = submit(session, work, s["gc"], tmp_path)
    plan_services.sign(session, v1, SignoffKind.CONSTRUCTOR, scope=s["gc"], signer_name="a")
    plan_services.sign(session, v1, SignoffKind.SUPERVISOR, scope=s["sup"], signer_name="b")
    assert work.status is WorkStatus.IN_FORCE
    with pytest.raises(WorkflowError, match="无需专家论证|不能"):
        plan_services.request_review(session, work, scope=s["gc"])


def test_a_new_version_resets_sign_offs_and_old_ones_stay(session, site, tmp_path):
    s = site["scopes"]
    work = make_work(session, site["project"])
    v1 = submit(session, work, s["gc"], tmp_path)
    plan_services.sign(session, v1, SignoffKind.CONSTRUCTOR, scope=s["gc"], signer_name="a")
    v2 = submit(session, work, s["gc"], tmp_path, upload(SAMPLE_PLAN + "\n修订说明", "方案V2.txt"))
    assert v2.number == 2 and work.status is WorkStatus.PLAN_DRAFTED
    with pytest.raises(WorkflowError, match="最新版本"):
        plan_services.sign(session, v1, SignoffKind.SUPERVISOR, scope=s["sup"], signer_name="b")
    assert [v.number for v in plan_services.versions_of(session, work.id)] == [2, 1]
    assert v1.signoffs and (tmp_path / "up" / v1.stored_name).exists() and v1.sha256 != v2.sha256


def test_subcontracted_work_needs_the_subcontractor_signature_too(session, site, tmp_path):
    s = site["scopes"]
    work = make_work(session, site["project"], subcontractor_id=site["sub"].id)
    v1 = submit(session, work, s["sub"], tmp_path)
    plan_services.sign(session, v1, SignoffKind.CONSTRUCTOR, scope=s["gc"], signer_name="a")
    assert work.status is WorkStatus.PLAN_DRAFTED
    plan_services.sign(session, v1, SignoffKind.SUBCONTRACTOR, scope=s["sub"], signer_name="c")
    assert work.status is WorkStatus.CONSTRUCTOR_SIGNED


def test_bad_uploads_leave_everything_as_it_was(session, site, tmp_path):
    work = make_work(session, site["project"])
    for data in (b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, b"%PDF-1.7\n garbage"):
        with pytest.raises(PlanFileError):
            bad = plan_services.PlanUpload(data, "方案.pdf", "", authors=PLAN_AUTHORS)
            submit(session, work, site["scopes"]["gc"], tmp_path, bad)
        session.rollback()
    with pytest.raises(PlanFileError, match="MB"):
        plan_services.submit_version(session, work, upload("工程概况\n" * 200_000), scope=site["scopes"]["gc"],
                                     upload_dir=tmp_path / "up", max_bytes=1024, vault=TEST_VAULT)  # fmt: skip
    session.rollback()
    assert work.status is WorkStatus.REGISTERED
    assert session.scalar(select(func.count()).select_from(PlanVersion)) == 0
    assert not (tmp_path / "up").exists() or list((tmp_path / "up").iterdir()) == []


def test_briefing_start_and_acceptance_are_no_longer_one_click_moves(session, site):
    """Issue 20: they are site records with their own checks (tests/integration/test_site_records.py)."""
    work = make_work(session, site["project"], status=WorkStatus.IN_FORCE)
    for target in (WorkStatus.BRIEFED, WorkStatus.IN_PROGRESS, WorkStatus.ACCEPTED):
        with pytest.raises(WorkflowError):
            work_services.record_site_move(session, work, target, scope=site["scopes"]["gc"])
    assert work.status is WorkStatus.IN_FORCE


def test_closing_an_accepted_work_is_for_site_parties_only(session, site):
    work = make_work(session, site["project"], status=WorkStatus.ACCEPTED)
    with pytest.raises(PermissionDenied):
        work_services.record_site_move(session, work, WorkStatus.CLOSED, scope=site["scopes"]["other"])
    work_services.record_site_move(session, work, WorkStatus.CLOSED, scope=site["scopes"]["sup"])
    assert work.status is WorkStatus.CLOSED
