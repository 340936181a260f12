"""Use cases that change the registry's state: one session in, one commit, an audit row each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.db import utcnow
from knowledge.enterprises import creditcode, groups
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
    parent_since: date | None = (
        None  # the day it joined that group (acquisition): needed when the parent changes
    )
    parent_until: date | None = None  # its last day in its group: needed when the parent is removed


def _snapshot_enterprise(session: Session, e: Enterprise) -> dict[str, Any]:
    return {
        "name": e.name,
        "credit_code": e.credit_code,
        "type": e.type.value,
        "city": e.city.value,
        "parent_id": e.parent_id,
        "group_links": [
            [k.parent_id, k.start.isoformat(), k.end_date.isoformat() if k.end_date else None]
            for k in groups.history(session, e.id)
        ],
    }


def _clean_enterprise(session: Session, data: EnterpriseInput, *, own_id: int | None) -> dict[str, Any]:
    """The enterprise's own fields, checked, and ``parent``: the Enterprise its parent code names, or None."""
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
    parent: Enterprise | None = None
    if data.parent_credit_code.strip():
        parent = session.scalar(
            select(Enterprise).where(Enterprise.credit_code == creditcode.normalize(data.parent_credit_code))
        )
        if parent is None:
            raise ValidationError("上级单位（母公司）的统一社会信用代码未登记", field="parent_credit_code")
        if own_id is not None and _is_in_subtree(session, parent, own_id):
            raise ValidationError("上级单位不能是本单位或其下属单位", field="parent_credit_code")
    return {"name": name, "credit_code": code, "type": data.type, "city": data.city, "parent": parent}


def _change_group(
    session: Session,
    enterprise: Enterprise,
    parent: Enterprise | None,
    data: EnterpriseInput,
    actor_id: int | None,
) -> None:
    """Join, move or leave a group on the dates given (DOMAIN 5, rule 3: the link's history is kept)."""
    if (parent.id if parent else None) == enterprise.parent_id:
        return
    today = utcnow().date()
    if parent is None:
        if data.parent_until is None:
            raise ValidationError("请填写退出原集团的日期（在集团内的最后一天）", field="parent_until")
        groups.leave_group(session, enterprise, last_day=data.parent_until, today=today)
        return
    if data.parent_since is None:
        raise ValidationError("请填写加入该集团的日期（被收购或设立之日）", field="parent_since")
    groups.join_group(session, enterprise, parent, since=data.parent_since, actor_id=actor_id, today=today)


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
    fields = _clean_enterprise(session, data, own_id=None)
    parent = fields.pop("parent")
    enterprise = Enterprise(**fields)
    session.add(enterprise)
    session.flush()
    _change_group(session, enterprise, parent, data, actor_id)
    audit.record(
        session,
        actor_id=actor_id,
        action="enterprise_create",
        obj=("enterprise", enterprise.id),
        after=_snapshot_enterprise(session, enterprise),
    )
    session.commit()
    return enterprise


def update_enterprise(
    session: Session, enterprise_id: int, data: EnterpriseInput, *, actor_id: int | None
) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFoundError("单位不存在")
    before = _snapshot_enterprise(session, enterprise)
    fields = _clean_enterprise(session, data, own_id=enterprise.id)
    parent = fields.pop("parent")
    for key, value in fields.items():
        setattr(enterprise, key, value)
    _change_group(session, enterprise, parent, data, actor_id)
    after = _snapshot_enterprise(session, enterprise)
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
