"""Use cases of special construction plans: submit a version, sign it (Art. 11), send it to review (Art. 12)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge import audit, outbox
from knowledge.accounts.permissions import Scope, roles_of
from knowledge.enterprises.models import ParticipantRole
from knowledge.errors import DuplicateError, PermissionDenied, ValidationError
from knowledge.identity import IdentityVault
from knowledge.plans import files as plan_files
from knowledge.plans.authors import AuthorInput, build_authors
from knowledge.plans.extraction import DEFAULT_LIMITS, ExtractionLimits
from knowledge.plans.models import PlanSignoff, PlanVersion, SignoffKind
from knowledge.plans.sections import find_sections
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.services import move, participants_of
from knowledge.registry.workflow import WorkflowError, WorkStatus, check_move
from search_index.documents import make_doc_id

TITLE_MAX = 200
NOTE_MAX = 500


@dataclass(frozen=True)
class PlanUpload:
    data: bytes
    original_name: str
    title: str
    note: str = ""
    # Who compiled, checked and approved this version (编制人、审核人、审批人); at least one compiler.
    authors: tuple[AuthorInput, ...] = ()


def is_builder(scope: Scope, work: Work) -> bool:
    """The general contractor, or the subcontractor that carries this work out, prepares its plan."""
    roles = roles_of(scope, participants_of(work.project))
    return ParticipantRole.GENERAL_CONTRACTOR in roles or (
        work.subcontractor_id is not None and scope.enterprise_id == work.subcontractor_id
    )


def latest_version(session: Session, work_id: int) -> PlanVersion | None:
    return session.scalar(
        select(PlanVersion).where(PlanVersion.work_id == work_id).order_by(PlanVersion.number.desc()).limit(1)
    )


def submit_version(
    session: Session, work: Work, upload: PlanUpload, *, scope: Scope, upload_dir: str | Path, max_bytes: int,
    vault: IdentityVault, with_version: Callable[[PlanVersion], None] | None = None,
    limits: ExtractionLimits = DEFAULT_LIMITS,
) -> PlanVersion:  # fmt: skip
    """Store a new version (file outside the web root, text extracted, sections checked), its authors (their ID
    numbers hashed with ``vault``, the key the expert pool uses, so rule 4 of DOMAIN 5 finds them) and move the work.

    ``with_version`` adds rows that belong to the version (a revision's responses) in the same transaction;
    ``limits`` bound the text extraction (``ExtractionLimits.from_config``), checked before anything is stored."""
    if not is_builder(scope, work):
        raise PermissionDenied("只有本工程的施工总承包单位或实施分包单位可以提交专项施工方案")
    check_move(work.status, WorkStatus.PLAN_DRAFTED)
    title = upload.title.strip() or f"{work.name}专项施工方案"
    if len(title) > TITLE_MAX or len(upload.note) > NOTE_MAX:
        raise ValidationError(f"方案名称不超过{TITLE_MAX}字，说明不超过{NOTE_MAX}字", field="title")
    inspected = plan_files.inspect_upload(
        upload.data, upload.original_name, max_bytes=max_bytes, limits=limits
    )
    authors = build_authors(upload.authors, vault)
    number = (
        session.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.work_id == work.id)) or 0
    ) + 1
    stored_name = plan_files.store(upload.data, upload_dir, inspected.kind)
    try:
        version = PlanVersion(
            work_id=work.id,
            number=number,
            title=title,
            note=upload.note.strip(),
            original_name=plan_files.safe_display_name(upload.original_name),
            stored_name=stored_name,
            content_type=inspected.content_type,
            size=inspected.size,
            sha256=inspected.sha256,
            text=inspected.text,
            sections_found=list(find_sections(inspected.text).found),
            submitted_by=scope.account_id,
        )
        session.add(version)
        session.flush()
        for author in authors:
            author.plan_version_id = version.id
        session.add_all(authors)
        outbox.record(session, make_doc_id("plan", version.id))
        if work.status is not WorkStatus.PLAN_DRAFTED:
            move(
                session,
                work,
                WorkStatus.PLAN_DRAFTED,
                actor_id=scope.account_id,
                reason=f"提交方案第{number}版",
            )
        audit.record(session, actor_id=scope.account_id, action="plan_submit", obj=("plan_version", version.id),
                     after={"work_id": work.id, "number": number, "sha256": inspected.sha256,
                            "authors": [[a.kind.value, a.name, a.id_masked] for a in authors]})  # fmt: skip
        if with_version is not None:
            with_version(version)
        session.commit()
    except Exception:
        session.rollback()
        plan_files.stored_path(upload_dir, stored_name).unlink(missing_ok=True)
        raise
    return version


def required_signoffs(work: Work) -> tuple[SignoffKind, ...]:
    """Art. 11: the constructor's technical lead (and the subcontractor's, if any), then the chief supervisor."""
    builders = (
        (SignoffKind.CONSTRUCTOR, SignoffKind.SUBCONTRACTOR)
        if work.subcontractor_id
        else (SignoffKind.CONSTRUCTOR,)
    )
    return (*builders, SignoffKind.SUPERVISOR)


def pending_signoffs(work: Work, version: PlanVersion | None) -> list[SignoffKind]:
    """The signatures the version can take now: builders' while drafted, then the supervisor's."""
    if version is None:
        return []
    done = {s.kind for s in version.signoffs}
    if work.status is WorkStatus.PLAN_DRAFTED:
        return [k for k in required_signoffs(work) if k is not SignoffKind.SUPERVISOR and k not in done]
    if work.status is WorkStatus.CONSTRUCTOR_SIGNED and SignoffKind.SUPERVISOR not in done:
        return [SignoffKind.SUPERVISOR]
    return []


def may_sign(scope: Scope, work: Work, kind: SignoffKind) -> bool:
    roles = roles_of(scope, participants_of(work.project))
    if kind is SignoffKind.CONSTRUCTOR:
        return ParticipantRole.GENERAL_CONTRACTOR in roles
    if kind is SignoffKind.SUBCONTRACTOR:
        return work.subcontractor_id is not None and scope.enterprise_id == work.subcontractor_id
    return ParticipantRole.SUPERVISOR in roles


def sign(
    session: Session, version: PlanVersion, kind: SignoffKind, *, scope: Scope, signer_name: str
) -> PlanSignoff:
    work = version.work
    if kind not in required_signoffs(work):
        raise ValidationError(f"本工程无需“{kind.label}”签字", field="kind")
    if not may_sign(scope, work, kind):
        raise PermissionDenied(f"只有本项目相应单位的账号可以以“{kind.label}”身份签字")
    latest = latest_version(session, work.id)
    if latest is None or latest.id != version.id:
        raise WorkflowError("只能对最新版本的方案签字")
    signed = set(session.scalars(select(PlanSignoff.kind).where(PlanSignoff.plan_version_id == version.id)))
    if kind in signed:
        raise DuplicateError(f"该版本已有“{kind.label}”签字")
    expected = WorkStatus.CONSTRUCTOR_SIGNED if kind is SignoffKind.SUPERVISOR else WorkStatus.PLAN_DRAFTED
    if work.status is not expected:
        need = "施工单位技术负责人签字后，总监理工程师才能签字" if kind is SignoffKind.SUPERVISOR else ""
        raise WorkflowError(need or f"当前状态为“{work.status.label}”，不能签字")
    signoff = PlanSignoff(
        plan_version_id=version.id, kind=kind, account_id=scope.account_id, signer_name=signer_name
    )
    session.add(signoff)
    session.flush()
    audit.record(session, actor_id=scope.account_id, action="plan_sign", obj=("plan_version", version.id),
                 after={"kind": kind.value, "number": version.number})  # fmt: skip
    _advance_after_signing(session, work, signed | {kind}, actor_id=scope.account_id)
    session.commit()
    return signoff


def _advance_after_signing(session: Session, work: Work, signed: set[SignoffKind], *, actor_id: int) -> None:
    builders = set(required_signoffs(work)) - {SignoffKind.SUPERVISOR}
    if work.status is WorkStatus.PLAN_DRAFTED and builders <= signed:
        move(session, work, WorkStatus.CONSTRUCTOR_SIGNED, actor_id=actor_id)
    elif work.status is WorkStatus.CONSTRUCTOR_SIGNED and SignoffKind.SUPERVISOR in signed:
        move(session, work, WorkStatus.SUPERVISOR_SIGNED, actor_id=actor_id)
        # Art. 12 only requires review over scale: a 危大 work's signed plan is in force at once.
        if work.verdict is Verdict.HAZARDOUS and work.is_decided:
            move(session, work, WorkStatus.IN_FORCE, actor_id=actor_id, reason="危大工程方案经审核审查后实施")


def request_review(session: Session, work: Work, *, scope: Scope) -> Work:
    """Art. 12: the constructor asks for the expert review of the signed plan of an over-scale work."""
    if ParticipantRole.GENERAL_CONTRACTOR not in roles_of(scope, participants_of(work.project)):
        raise PermissionDenied("专家论证会由施工总承包单位组织")
    if work.verdict is not Verdict.OVER_SCALE:
        if not work.is_decided:
            raise WorkflowError("参数尚不完整，不能判定是否超过一定规模，请先补充参数")
        raise WorkflowError("该工程不属于超过一定规模的危大工程，无需专家论证")
    check_move(work.status, WorkStatus.REVIEW_REQUESTED)
    move(session, work, WorkStatus.REVIEW_REQUESTED, actor_id=scope.account_id)
    session.commit()
    return work


def versions_of(session: Session, work_id: int) -> list[PlanVersion]:
    return list(
        session.scalars(
            select(PlanVersion).where(PlanVersion.work_id == work_id).order_by(PlanVersion.number.desc())
        )
    )
