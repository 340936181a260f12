"""Use cases of the works registry: register a work, correct its parameters, move it along."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import audit, outbox
from knowledge.accounts.permissions import Scope, can_record_site_move, can_register_work
from knowledge.enterprises import creditcode
from knowledge.enterprises.models import Enterprise, ParticipantRole, Project
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.registry.models import Work
from knowledge.registry.rules import Classification, Verdict, classify
from knowledge.registry.verdicts import clause_json, parameters_json
from knowledge.registry.workflow import MANUAL_MOVES, RECLASSIFIABLE, WorkflowError, WorkStatus, check_move
from search_index.documents import make_doc_id

NAME_MAX = 200
PERSON_MAX = 32


@dataclass(frozen=True)
class WorkInput:
    project_id: int
    name: str
    category: str
    sub_type: str | None
    parameters: Mapping[str, object] = field(default_factory=dict)
    location: str = ""
    planned_start: date | None = None
    planned_end: date | None = None
    project_manager: str = ""
    technical_lead: str = ""
    chief_supervisor: str = ""
    safety_officer: str = ""
    subcontractor_credit_code: str = ""


def participants_of(project: Project) -> list[tuple[int, ParticipantRole]]:
    return [(p.enterprise_id, p.role) for p in project.participants]


def classify_for_registry(
    category: str, sub_type: str | None, parameters: Mapping[str, object]
) -> Classification:
    """Classify, and refuse what does not belong in a registry of 危大 works.

    Only a work proven at least 危大 is registered; one that may still be over scale is registered
    with the parameters still needed listed, and cannot leave sign-off until they are given.
    """
    result = classify(category, parameters, sub_type)
    if result.verdict is Verdict.NOT_HAZARDOUS:
        if result.missing:
            needed = "、".join(p.label for p in result.missing_parameters)
            raise ValidationError(f"尚不能判定是否属于危大工程，请补充：{needed}", field="parameters")
        raise ValidationError("按所填参数，该分部分项工程不属于危大工程，无需登记", field="parameters")
    return result


def _text(value: str, label: str, field_name: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"{label}不能为空", field=field_name)
    if len(value) > limit:
        raise ValidationError(f"{label}不能超过{limit}个字符", field=field_name)
    return value


def prepare_work(session: Session, data: WorkInput) -> dict[str, Any]:
    """Every check of a new work that needs no actor: the fields of the Work to create.

    Shared by the form, the API and the bulk import, so a row is judged the same everywhere.
    """
    project = session.get(Project, data.project_id)
    if project is None:
        raise ValidationError("所属项目不存在", field="project_id")
    if data.planned_start and data.planned_end and data.planned_end < data.planned_start:
        raise ValidationError("计划完工日期不能早于计划开工日期", field="planned_end")
    result = classify_for_registry(data.category, data.sub_type, data.parameters)
    subcontractor_id = None
    if data.subcontractor_credit_code.strip():
        code = creditcode.normalize(data.subcontractor_credit_code)
        enterprise = session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
        roles = {r for e, r in participants_of(project) if enterprise is not None and e == enterprise.id}
        if enterprise is None or ParticipantRole.SUBCONTRACTOR not in roles:
            raise ValidationError("分包单位须是本项目登记的专业分包单位", field="subcontractor_credit_code")
        subcontractor_id = enterprise.id
    return {
        "project": project,
        "name": _text(data.name, "危大工程名称", "name", NAME_MAX, required=True),
        "location": _text(data.location, "部位", "location", NAME_MAX),
        "project_manager": _text(data.project_manager, "项目负责人", "project_manager", PERSON_MAX),
        "technical_lead": _text(data.technical_lead, "项目技术负责人", "technical_lead", PERSON_MAX),
        "chief_supervisor": _text(data.chief_supervisor, "总监理工程师", "chief_supervisor", PERSON_MAX),
        "safety_officer": _text(data.safety_officer, "专职安全员", "safety_officer", PERSON_MAX),
        "planned_start": data.planned_start,
        "planned_end": data.planned_end,
        "subcontractor_id": subcontractor_id,
        **classification_fields(result),
    }


def classification_fields(result: Classification) -> dict[str, Any]:
    return {
        "category": result.category,
        "sub_type": result.sub_type,
        "parameters": parameters_json(result),
        "verdict": result.verdict,
        "is_decided": result.is_decided,
        "clauses": [clause_json(c) for c in result.fired],
        "missing": list(result.missing),
        "rules_version": result.rules_version,
    }


def build_work(fields: Mapping[str, Any], *, actor_id: int | None) -> Work:
    project: Project = fields["project"]
    values = {k: v for k, v in fields.items() if k != "project"}
    return Work(
        project_id=project.id,
        city=project.city,
        district=project.district,
        status=WorkStatus.REGISTERED,
        registered_by=actor_id,
        **values,
    )


def snapshot(work: Work) -> dict[str, Any]:
    return {
        "status": work.status.value,
        "verdict": work.verdict.value,
        "category": work.category,
        "sub_type": work.sub_type,
        "parameters": work.parameters,
        "rules_version": work.rules_version,
    }


def register_work(session: Session, data: WorkInput, *, scope: Scope) -> Work:
    project = session.get(Project, data.project_id)
    if project is not None and not can_register_work(scope, participants_of(project)):
        raise PermissionDenied("只有本项目的施工总承包或专业分包单位可以登记危大工程")
    work = build_work(prepare_work(session, data), actor_id=scope.account_id)
    session.add(work)
    session.flush()
    outbox.record(session, make_doc_id("work", work.id))
    audit.record(session, actor_id=scope.account_id, action="work_register", obj=("work", work.id),
                 after=snapshot(work))  # fmt: skip
    session.commit()
    return work


def reclassify_work(
    session: Session, work: Work, sub_type: str | None, parameters: Mapping[str, object], *, scope: Scope
) -> Work:
    """Correct a work's parameters (and sub-type) before review; the verdict is worked out again."""
    if not can_register_work(scope, participants_of(work.project)):
        raise PermissionDenied("只有本项目的施工单位可以修改危大工程参数")
    if work.status not in RECLASSIFIABLE:
        raise WorkflowError(f"当前状态为“{work.status.label}”，参数已不能修改")
    before = snapshot(work)
    for key, value in classification_fields(
        classify_for_registry(work.category, sub_type, parameters)
    ).items():
        setattr(work, key, value)
    audit.record(session, actor_id=scope.account_id, action="work_reclassify", obj=("work", work.id),
                 before=before, after=snapshot(work))  # fmt: skip
    # The work's document and its plan versions' (they repeat its verdict); its review conclusions are refreshed by
    # the search writer when it applies the work's.
    outbox.record_many(
        session, [make_doc_id("work", work.id), *(make_doc_id("plan", v.id) for v in work.plan_versions)]
    )
    session.commit()
    return work


def move(session: Session, work: Work, target: WorkStatus, *, actor_id: int | None, reason: str = "") -> None:
    """Move the work if the workflow allows it, with an audit row; the caller commits."""
    if work.is_stopped:
        raise WorkflowError("该工程已被责令停工，停工令解除前不能变更状态")
    check_move(work.status, target)
    before = work.status
    work.status = target
    after: dict[str, Any] = {"status": target.value}
    if reason:
        after["reason"] = reason
    audit.record(session, actor_id=actor_id, action="work_move", obj=("work", work.id),
                 before={"status": before.value}, after=after)  # fmt: skip


def record_site_move(session: Session, work: Work, target: WorkStatus, *, scope: Scope) -> Work:
    """Close an accepted work: recorded by the constructor or supervisor. Briefing, start and acceptance are site
    records with their own checks (knowledge.site.records)."""
    if not can_record_site_move(scope, participants_of(work.project)):
        raise PermissionDenied("只有本项目的施工单位或监理单位可以记录现场进展")
    if MANUAL_MOVES.get(work.status) is not target:
        check_move(work.status, target)
        raise WorkflowError(f"“{target.label}”不能在此手工记录")
    move(session, work, target, actor_id=scope.account_id)
    session.commit()
    return work


def get_work(session: Session, work_id: int) -> Work:
    work = session.get(Work, work_id)
    if work is None:
        raise NotFoundError("危大工程不存在或无权查看")
    return work
