"""Read side of accounts and the audit log: the lists the admin pages and the API share."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.accounts.models import Account
from knowledge.accounts.permissions import Scope, can_read_audit
from knowledge.audit import AuditLog
from knowledge.errors import PermissionDenied
from knowledge.pagination import DEFAULT_PER_PAGE, Page, paginate


def accounts(session: Session, *, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> Page[Account]:
    return paginate(session, select(Account).order_by(Account.id), page, per_page)


def audit_entries(
    session: Session, scope: Scope, *, object_type: str = "", page: int = 1, per_page: int = DEFAULT_PER_PAGE
) -> Page[AuditLog]:
    if not can_read_audit(scope):
        raise PermissionDenied("无权查看审计日志")
    stmt = select(AuditLog).order_by(AuditLog.id.desc())
    if object_type:
        stmt = stmt.where(AuditLog.object_type == object_type)
    return paginate(session, stmt, page, per_page)


def history(session: Session, object_type: str, object_id: int, limit: int = 200) -> list[AuditLog]:
    """The audit rows of one object, oldest first: its history as a person reads it."""
    stmt = (
        select(AuditLog)
        .where(AuditLog.object_type == object_type, AuditLog.object_id == str(object_id))
        .order_by(AuditLog.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
