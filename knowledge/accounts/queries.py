"""Read side of accounts and the audit log: the account list and one object's history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.accounts.models import Account
from knowledge.accounts.permissions import Scope, can_list_accounts
from knowledge.audit import AuditLog
from knowledge.errors import PermissionDenied
from knowledge.pagination import DEFAULT_PER_PAGE, Page, paginate


def accounts(
    session: Session, scope: Scope, *, page: int = 1, per_page: int = DEFAULT_PER_PAGE
) -> Page[Account]:
    if not can_list_accounts(scope):
        raise PermissionDenied("无权查看账号列表")
    return paginate(session, select(Account).order_by(Account.id), page, per_page)


def history(session: Session, object_type: str, object_id: int, limit: int = 200) -> list[AuditLog]:
    """The audit rows of one object, oldest first: its history as a person reads it on the object's own page
    (whoever may see the object; the whole log is the audit administrator's, knowledge/accounts/audit_log.py)."""
    stmt = (
        select(AuditLog)
        .where(AuditLog.object_type == object_type, AuditLog.object_id == str(object_id))
        .order_by(AuditLog.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
