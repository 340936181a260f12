"""Regulators' use of system flags: the list of their area, confirm one into a major hazard, dismiss one with a
reason (issue 20 item 7). Each decision is taken once: a conditional update claims the open flag, so two
regulators deciding at the same moment leave one decision (and ``Hazard.flag_id`` is unique besides).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from knowledge.pagination import Page, paginate
from knowledge.regions import City
from knowledge.site.access import is_authority_for
from knowledge.site.flags import RULE_LABELS
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Hazard, Source
from knowledge.site.hazards import HazardInput, open_hazard
from knowledge.site.inspection_models import FlagState, SystemFlag

REASON_MAX = 500


@dataclass(frozen=True)
class FlagFilter:
    rule: str = ""
    state: FlagState | None = FlagState.OPEN
    city: City | None = None


def may_see_flags(scope: Scope) -> bool:
    return scope.role is Role.REGULATOR


def _area(scope: Scope) -> ColumnElement[bool]:
    return true() if scope.city is None else SystemFlag.city == scope.city


def list_flags(
    session: Session, scope: Scope, f: FlagFilter, *, page: int = 1, per_page: int = 20
) -> Page[SystemFlag]:
    """The current flags of the regulator's area (a city regulator: his city), newest first."""
    if not may_see_flags(scope):
        raise PermissionDenied("只有监管人员可以查看系统预警")
    if f.rule and f.rule not in RULE_LABELS:
        raise ValidationError("未知的预警规则", field="rule")
    stmt = select(SystemFlag).where(SystemFlag.is_current, _area(scope)).options(joinedload(SystemFlag.work))
    if f.rule:
        stmt = stmt.where(SystemFlag.rule == f.rule)
    if f.state is not None:
        stmt = stmt.where(SystemFlag.state == f.state)
    if f.city is not None:
        stmt = stmt.where(SystemFlag.city == f.city)
    return paginate(
        session, stmt.order_by(SystemFlag.first_seen.desc(), SystemFlag.id.desc()), page, per_page
    )


def get_flag_for(session: Session, scope: Scope, flag_id: int) -> SystemFlag:
    flag = session.get(SystemFlag, flag_id)
    if flag is None or not may_see_flags(scope) or not is_authority_for(scope, flag.city):
        raise NotFoundError("系统预警不存在或无权查看")
    return flag


def describe(flag: SystemFlag) -> str:
    facts = "；".join(f"{k}：{v}" for k, v in flag.facts.items())
    return f"系统预警：{RULE_LABELS.get(flag.rule, flag.rule)}（{facts}）"


def _claim(
    session: Session, flag: SystemFlag, state: FlagState, *, scope: Scope, now: datetime, reason: str
) -> None:
    """Move the flag from open to ``state``, or refuse if someone decided it first."""
    claimed = session.execute(
        update(SystemFlag)
        .where(and_(SystemFlag.id == flag.id, SystemFlag.state == FlagState.OPEN))
        .values(state=state, decided_by=scope.account_id, decided_at=now, reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:
        session.rollback()
        raise DuplicateError("该系统预警已被处理，请刷新后查看")
    session.refresh(flag)


def confirm_flag(session: Session, flag: SystemFlag, *, scope: Scope, today: date, now: datetime) -> Hazard:
    """The flag becomes a major hazard citing its catalogue item (the regulator's own finding, dated today)."""
    if not is_authority_for(scope, flag.city):
        raise PermissionDenied("只有工程所在地或省级监管人员可以确认系统预警")
    if flag.state is not FlagState.OPEN:
        raise DuplicateError(f"该系统预警已{flag.state.label}")
    _claim(session, flag, FlagState.CONFIRMED, scope=scope, now=now, reason="")
    data = HazardInput(level=Level.MAJOR, description=describe(flag)[:1000], found_on=today,
                       source=Source.SYSTEM_FLAG, catalogue_key=flag.hazard_key)  # fmt: skip
    try:
        hazard = open_hazard(session, flag.work, data, actor_id=scope.account_id, flag=flag)
        audit.record(session, actor_id=scope.account_id, action="flag_confirm", obj=("system_flag", flag.id),
                     after={"hazard_id": hazard.id, "rule": flag.rule})  # fmt: skip
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise DuplicateError("该系统预警已被确认为隐患") from exc
    except Exception:
        session.rollback()
        raise
    return hazard


def dismiss_flag(
    session: Session, flag: SystemFlag, *, scope: Scope, reason: str, now: datetime
) -> SystemFlag:
    """Dismissed with a reason: it stays dismissed on the next scan unless its facts change."""
    if not is_authority_for(scope, flag.city):
        raise PermissionDenied("只有工程所在地或省级监管人员可以排除系统预警")
    reason = reason.strip()
    if not reason:
        raise ValidationError("排除系统预警须写明理由", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"理由不能超过{REASON_MAX}个字符", field="reason")
    if flag.state is not FlagState.OPEN:
        raise DuplicateError(f"该系统预警已{flag.state.label}")
    _claim(session, flag, FlagState.DISMISSED, scope=scope, now=now, reason=reason)
    audit.record(session, actor_id=scope.account_id, action="flag_dismiss", obj=("system_flag", flag.id),
                 after={"rule": flag.rule, "reason": reason})  # fmt: skip
    session.commit()
    return flag
