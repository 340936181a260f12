"""Use cases that change the registry's state: one session in, one commit, an audit row each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.enterprises import creditcode
from knowledge.enterprises.models import Enterprise, EnterpriseType
from knowledge.errors import DuplicateError, NotFoundError, ValidationError
from knowledge.regions import City

NAME_MAX = 200


@dataclass(frozen=True)
class EnterpriseInput:
    name: str
    credit_code: str
    type: EnterpriseType
    city: City
    parent_credit_code: str = ""


def _snapshot_enterprise(e: Enterprise) -> dict[str, Any]:
    return {
        "name": e.name,
        "credit_code": e.credit_code,
        "type": e.type.value,
        "city": e.city.value,
        "parent_id": e.parent_id,
    }


def _clean_enterprise(session: Session, data: EnterpriseInput, *, own_id: int | None) -> dict[str, Any]:
    name = data.name.strip()
    if not name:
        raise ValidationError("单位名称不能为空", field="name")
    if len(name) > NAME_MAX:
        raise ValidationError(f"单位名称不能超过{NAME_MAX}个字符", field="name")
    try:
        code = creditcode.validate(data.credit_code)
    except creditcode.CreditCodeError as exc:
        raise ValidationError(str(exc), field="credit_code") from exc
    clash = session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    if clash is not None and clash.id != own_id:
        raise DuplicateError(f"统一社会信用代码 {code} 已登记为“{clash.name}”", field="credit_code")
    parent_id = None
    if data.parent_credit_code.strip():
        parent = session.scalar(
            select(Enterprise).where(Enterprise.credit_code == creditcode.normalize(data.parent_credit_code))
        )
        if parent is None:
            raise ValidationError("上级单位（母公司）的统一社会信用代码未登记", field="parent_credit_code")
        if own_id is not None and _is_in_subtree(session, parent, own_id):
            raise ValidationError("上级单位不能是本单位或其下属单位", field="parent_credit_code")
        parent_id = parent.id
    return {"name": name, "credit_code": code, "type": data.type, "city": data.city, "parent_id": parent_id}


def _is_in_subtree(session: Session, candidate: Enterprise, root_id: int) -> bool:
    """True if ``candidate`` is ``root_id`` or one of its subsidiaries at any depth (no cycles)."""
    node: Enterprise | None = candidate
    seen: set[int] = set()
    while node is not None and node.id not in seen:
        if node.id == root_id:
            return True
        seen.add(node.id)
        node = node.parent
    return False


def create_enterprise(session: Session, data: EnterpriseInput, *, actor_id: int | None) -> Enterprise:
    enterprise = Enterprise(**_clean_enterprise(session, data, own_id=None))
    session.add(enterprise)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="enterprise_create",
        obj=("enterprise", enterprise.id),
        after=_snapshot_enterprise(enterprise),
    )
    session.commit()
    return enterprise


def update_enterprise(
    session: Session, enterprise_id: int, data: EnterpriseInput, *, actor_id: int | None
) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFoundError("单位不存在")
    before = _snapshot_enterprise(enterprise)
    for key, value in _clean_enterprise(session, data, own_id=enterprise.id).items():
        setattr(enterprise, key, value)
    after = _snapshot_enterprise(enterprise)
    if after != before:
        audit.record(
            session,
            actor_id=actor_id,
            action="enterprise_update",
            obj=("enterprise", enterprise.id),
            before=before,
            after=after,
        )
    session.commit()
    return enterprise
