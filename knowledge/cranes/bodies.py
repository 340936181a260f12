"""Inspection bodies (检验检测机构): their registration by an administrator, who sees them, and the body an
inspector acts for.

建设部令第166号 第十六条: a crane is inspected before its acceptance by an inspection body qualified for it
(有相应资质的检验检测机构); 《建设工程安全生产管理条例》第三十五条: the body answers for the result it issues. So a
body is an enterprise (by credit code) with its qualification number and the date it is valid until, and only an
inspector of a body whose qualification is valid on the day may start or publish a report. Inspectors are ordinary
accounts of role ``inspection_body`` bound to the body's enterprise (created on the administrator's account page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes.errors import CraneError
from knowledge.cranes.inspection_models import InspectionBody
from knowledge.enterprises.models import Enterprise
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from knowledge.pagination import Page, paginate

QUALIFICATION_MAX = 64


class InspectionBodyError(CraneError):
    """An inspector whose enterprise is not a registered body, or whose body's qualification has lapsed."""

    code = "inspection_body"


@dataclass(frozen=True)
class BodyInput:
    credit_code: str
    qualification_number: str
    valid_until: date | None


def register_body(session: Session, data: BodyInput, *, scope: Scope, today: date) -> InspectionBody:
    """Register an enterprise as an inspection body with its qualification; administrators only; one commit.

    :raises PermissionDenied: for anyone but an administrator; :raises ValidationError: for an unknown credit code,
        a missing qualification number or a qualification already expired; :raises DuplicateError: for an
        enterprise registered before.
    """
    if scope.role is not Role.ADMIN:
        raise PermissionDenied("只有系统管理员可以登记检验机构")
    code = (data.credit_code or "").strip().upper()
    enterprise = session.scalar(select(Enterprise).where(Enterprise.credit_code == code)) if code else None
    if enterprise is None:
        raise ValidationError(f"统一社会信用代码为“{code[:40]}”的单位未登记", field="credit_code")
    number = (data.qualification_number or "").strip()
    if not number:
        raise ValidationError("请填写检验检测机构资质证书编号", field="qualification_number")
    if len(number) > QUALIFICATION_MAX:
        raise ValidationError(f"资质证书编号不能超过{QUALIFICATION_MAX}个字符", field="qualification_number")
    if data.valid_until is None or data.valid_until < today:
        raise ValidationError("资质证书有效期须不早于今天：过期的资质不能登记", field="valid_until")
    if _body_of_enterprise(session, enterprise.id) is not None:
        raise _duplicate(enterprise)
    body = InspectionBody(enterprise_id=enterprise.id, qualification_number=number, valid_until=data.valid_until,
                          city=enterprise.city)  # fmt: skip
    session.add(body)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _duplicate(enterprise) from None
    audit.record(session, actor_id=scope.account_id, action="crane_body_register", obj=("crane_inspection_body", body.id),
                 after={"enterprise": enterprise.credit_code, "qualification": number,
                        "valid_until": data.valid_until.isoformat()})  # fmt: skip
    session.commit()
    return body


def _duplicate(enterprise: Enterprise) -> DuplicateError:
    return DuplicateError(f"“{enterprise.name}”已登记为检验机构", field="credit_code")


def _body_of_enterprise(session: Session, enterprise_id: int) -> InspectionBody | None:
    return session.scalar(select(InspectionBody).where(InspectionBody.enterprise_id == enterprise_id))


def body_of(session: Session, scope: Scope) -> InspectionBody | None:
    """The body an inspector's account acts for, if its enterprise is registered as one."""
    if scope.role is not Role.INSPECTION_BODY or scope.enterprise_id is None:
        return None
    return _body_of_enterprise(session, scope.enterprise_id)


def acting_body(session: Session, scope: Scope, today: date) -> InspectionBody:
    """The body an inspector inspects for today.

    :raises PermissionDenied: for any other role; :raises InspectionBodyError: when the account's enterprise is
        not a registered body or its qualification expired before ``today`` (166号令 第十六条: 相应资质).
    """
    if scope.role is not Role.INSPECTION_BODY:
        raise PermissionDenied("只有检验机构的检验人员可以填写检验报告")
    body = body_of(session, scope)
    if body is None:
        raise InspectionBodyError("本账号所属单位尚未登记为检验机构，不能开展检验；请联系系统管理员登记资质")
    if body.valid_until < today:
        raise InspectionBodyError(
            f"本机构的检验检测资质（{body.qualification_number}）已于{body.valid_until.isoformat()}到期，不能开展检验"
        )
    return body


def visible_bodies(scope: Scope) -> ColumnElement[bool]:
    """Administrators and province regulators see every body, a city's regulators the bodies of their city, an
    inspector his own."""
    if scope.role is Role.ADMIN or (scope.role is Role.REGULATOR and scope.city is None):
        return true()
    if scope.role is Role.REGULATOR:
        return InspectionBody.city == scope.city
    if scope.role is Role.INSPECTION_BODY and scope.enterprise_id is not None:
        return InspectionBody.enterprise_id == scope.enterprise_id
    return false()


def bodies_stmt(scope: Scope) -> Select[InspectionBody]:
    return (
        select(InspectionBody)
        .where(visible_bodies(scope))
        .options(joinedload(InspectionBody.enterprise))
        .order_by(InspectionBody.city, InspectionBody.id)
    )


def bodies_page(session: Session, scope: Scope, *, page: int = 1, per_page: int = 20) -> Page[InspectionBody]:
    return paginate(session, bodies_stmt(scope), page, per_page)


def get_body_for(session: Session, scope: Scope, body_id: int) -> InspectionBody:
    """:raises NotFoundError: for a body that does not exist or that the scope may not see."""
    body = session.scalar(select(InspectionBody).where(InspectionBody.id == body_id, visible_bodies(scope)))
    if body is None:
        raise NotFoundError("检验机构不存在或无权查看")
    return body
