"""Spot checks of inspection bodies (issue 21 item 6): who sees the list's flags, a regulator orders a spot check
from a flag and records its result once, and the result stays on the body's record.

Who sees what: the province's regulators and the admin see every body; a city's regulator sees the bodies whose
registered place (``InspectionBody.city``) is his city, with their flags, and orders and records spot checks for
them only (the body's city is the regulator's tie to it: a body works across the province, but it is supervised
where it is registered). An inspection body sees its own record (spot checks and results), never another's, and
never the list itself. The admin reads but does not order: a spot check is a regulator's act.

One spot check per flag, held by the database (``crane_spot_check.flag_id`` unique); a result is written once,
by a conditional update, so two regulators recording at the same moment leave one result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, false, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes.errors import CraneError
from knowledge.cranes.inspection_models import (
    InspectionBody,
    SpotCheck,
    SpotCheckFlag,
    SpotCheckResult,
    SpotCheckRun,
)
from knowledge.cranes.machines import MachineType
from knowledge.cranes.spot_checks import FlagKind, percentile
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied

INSTRUCTIONS_MAX = 500
NOTE_MAX = 1000


@dataclass(frozen=True, slots=True)
class Figure:
    key: str  # the key in the run's distributions and the flag's figures
    label: str
    unit: str  # "%" for a share (shown ×100), else the unit's name


FIGURES: dict[FlagKind, Figure] = {
    FlagKind.ZERO_SHARE: Figure("zero_share", "零不合格项报告占比", "%"),
    FlagKind.LOW_MEAN: Figure("mean_nonconformities", "平均每份报告不合格项数", "项"),
    FlagKind.SHORT_DURATION: Figure("median_minutes", "检验用时中位数", "分钟"),
    FlagKind.INSPECTOR_DAY: Figure("max_reports_per_inspector_day", "单名检验员单日最多报告数", "份"),
}


def visible_bodies(scope: Scope) -> ColumnElement[bool]:
    """The bodies a scope may see on the list and on a record (see the module docstring)."""
    if scope.role is Role.ADMIN or (scope.role is Role.REGULATOR and scope.city is None):
        return true()
    if scope.role is Role.REGULATOR:
        return InspectionBody.city == scope.city
    if scope.role is Role.INSPECTION_BODY and scope.enterprise_id is not None:
        return InspectionBody.enterprise_id == scope.enterprise_id
    return false()


def sees_list(scope: Scope) -> bool:
    return scope.role in (Role.REGULATOR, Role.ADMIN)


def may_order(scope: Scope, body: InspectionBody) -> bool:
    """A regulator of the province, or of the body's city."""
    return scope.role is Role.REGULATOR and scope.city in (None, body.city)


def run_flags(
    session: Session, scope: Scope, run: SpotCheckRun, *, machine_type: MachineType | None = None,
    kind: FlagKind | None = None,
) -> list[tuple[SpotCheckFlag, SpotCheck | None]]:  # fmt: skip
    """A run's flags the scope may see, each with its spot check when one was ordered."""
    if not sees_list(scope):
        raise PermissionDenied("只有监管人员和系统管理员可以查看抽查名单")
    stmt = (
        select(SpotCheckFlag, SpotCheck)
        .join(InspectionBody, InspectionBody.id == SpotCheckFlag.body_id)
        .outerjoin(SpotCheck, SpotCheck.flag_id == SpotCheckFlag.id)
        .where(SpotCheckFlag.run_id == run.id, visible_bodies(scope))
        .options(selectinload(SpotCheckFlag.body).selectinload(InspectionBody.enterprise))
        .order_by(SpotCheckFlag.body_id, SpotCheckFlag.machine_type, SpotCheckFlag.kind)
    )
    if machine_type is not None:
        stmt = stmt.where(SpotCheckFlag.machine_type == machine_type)
    if kind is not None:
        stmt = stmt.where(SpotCheckFlag.kind == kind.value)
    return [(flag, check) for flag, check in session.execute(stmt)]


def get_flag_for(session: Session, scope: Scope, flag_id: int) -> SpotCheckFlag:
    """A flag the scope may see; else NotFoundError (its existence is not told)."""
    flag = session.scalar(
        select(SpotCheckFlag)
        .join(InspectionBody, InspectionBody.id == SpotCheckFlag.body_id)
        .where(SpotCheckFlag.id == flag_id, visible_bodies(scope))
    )
    if flag is None or not sees_list(scope):
        raise NotFoundError("抽查预警不存在或无权查看")
    return flag


def spot_check_of(session: Session, flag: SpotCheckFlag) -> SpotCheck | None:
    return session.scalar(select(SpotCheck).where(SpotCheck.flag_id == flag.id))


@dataclass(frozen=True, slots=True)
class Placement:
    """A flagged body's figure among the province's values of the same machine type."""

    figure: Figure
    values: tuple[float, ...]  # sorted
    value: float
    threshold: float

    @property
    def below(self) -> int:
        """How many bodies' values lie below the body's."""
        return sum(1 for v in self.values if v < self.value)

    def at(self, pct: float) -> float | None:
        return percentile(self.values, pct) if self.values else None

    @property
    def marked_index(self) -> int | None:
        """The body's bar among the sorted values (the last of equal ones), or None when it is not among them."""
        matches = [i for i, v in enumerate(self.values) if abs(v - self.value) < 1e-4]
        return matches[-1] if matches else None

    def shown(self, number: float | None) -> str:
        if number is None:
            return "—"
        if self.figure.unit == "%":
            return f"{number * 100:.1f}%"
        return f"{number:.2f}{self.figure.unit}" if number % 1 else f"{number:.0f}{self.figure.unit}"


def placement(run: SpotCheckRun, flag: SpotCheckFlag) -> Placement:
    """The figure the flag is about, the province's values of it and the body's place (the run's stored spreads)."""
    figure = FIGURES[FlagKind(flag.kind)]
    spread: dict[str, Any] = run.distributions.get(flag.machine_type.value, {})
    values = tuple(float(v) for v in spread.get(figure.key, []))
    return Placement(figure, values, float(flag.figures.get(figure.key, 0.0)), float(flag.threshold))


def order_spot_check(
    session: Session, flag: SpotCheckFlag, *, scope: Scope, today: date, instructions: str = ""
) -> SpotCheck:
    """A regulator orders a spot check of the flagged body; one per flag.

    :raises PermissionDenied: for anyone but a regulator of the province or of the body's city.
    :raises DuplicateError: when a spot check was already ordered from the flag (also under a parallel order).
    """
    if not may_order(scope, flag.body):
        raise PermissionDenied("只有本省或检验机构所在市的监管人员可以下达抽查")
    instructions = instructions.strip()
    if len(instructions) > INSTRUCTIONS_MAX:
        raise CraneError(f"抽查要求不能超过{INSTRUCTIONS_MAX}字", field="instructions")
    if spot_check_of(session, flag) is not None:
        raise _ordered_twice()
    check = SpotCheck(flag_id=flag.id, body_id=flag.body_id, ordered_on=today, ordered_by=scope.account_id,
                      instructions=instructions)  # fmt: skip
    session.add(check)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _ordered_twice() from None
    audit.record(session, actor_id=scope.account_id, action="crane_spot_check_order", obj=("crane_spot_check", check.id),
                 after={"flag_id": flag.id, "body_id": flag.body_id, "kind": flag.kind})  # fmt: skip
    session.commit()
    return check


def _ordered_twice() -> DuplicateError:
    return DuplicateError("已根据该预警下达过抽查，不能重复下达")


def record_result(
    session: Session, check: SpotCheck, *, scope: Scope, result: SpotCheckResult, note: str, today: date
) -> SpotCheck:
    """Record a spot check's result once: rough inspection confirmed or not, with what was found.

    :raises PermissionDenied: for anyone but a regulator of the province or of the body's city.
    :raises CraneError: without a note, or one too long.
    :raises DuplicateError: when the result was already recorded (also under a parallel recording).
    """
    if not may_order(scope, check.body):
        raise PermissionDenied("只有本省或检验机构所在市的监管人员可以记录抽查结果")
    note = note.strip()
    if not note:
        raise CraneError("请写明抽查发现的情况", field="note")
    if len(note) > NOTE_MAX:
        raise CraneError(f"抽查情况不能超过{NOTE_MAX}字", field="note")
    written = session.execute(
        update(SpotCheck)
        .where(SpotCheck.id == check.id, SpotCheck.result.is_(None))
        .values(result=result, result_note=note, result_on=today, result_by=scope.account_id)
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise DuplicateError("该抽查的结果已记录，不能更改")
    audit.record(session, actor_id=scope.account_id, action="crane_spot_check_result",
                 obj=("crane_spot_check", check.id), after={"result": result.value})  # fmt: skip
    session.commit()
    session.refresh(check)
    return check


def get_body_for(session: Session, scope: Scope, body_id: int) -> InspectionBody:
    """A body whose record the scope may see; else NotFoundError."""
    body = session.scalar(select(InspectionBody).where(InspectionBody.id == body_id, visible_bodies(scope)))
    if body is None or scope.role not in (Role.REGULATOR, Role.ADMIN, Role.INSPECTION_BODY):
        raise NotFoundError("检验机构不存在或无权查看")
    return body


def own_body(session: Session, scope: Scope) -> InspectionBody | None:
    """The inspection body an inspector's account is bound to (through its enterprise), if any."""
    if scope.role is not Role.INSPECTION_BODY or scope.enterprise_id is None:
        return None
    return session.scalar(select(InspectionBody).where(InspectionBody.enterprise_id == scope.enterprise_id))


def body_record(session: Session, body: InspectionBody) -> list[SpotCheck]:
    """The body's spot checks, newest first, with the flags they came from and their results."""
    return list(
        session.scalars(
            select(SpotCheck)
            .where(SpotCheck.body_id == body.id)
            .options(selectinload(SpotCheck.flag))
            .order_by(SpotCheck.ordered_on.desc(), SpotCheck.id.desc())
        )
    )


def get_check_for(session: Session, scope: Scope, check_id: int) -> SpotCheck:
    check = session.get(SpotCheck, check_id)
    if check is None:
        raise NotFoundError("抽查记录不存在或无权查看")
    get_body_for(session, scope, check.body_id)
    return check
