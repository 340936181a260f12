"""The append-only audit log: who did what, when, to which object, with the state before and after."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from knowledge.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:  # accounts record audit rows: the actor's class is named for the type checker only
    from knowledge.accounts.models import Account


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped[Account | None] = relationship(lazy="joined")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


# What each recorded action means, for people reading the log. Later areas add their own.
ACTION_LABELS: dict[str, str] = {
    "login": "登录",
    "login_locked": "登录失败锁定",
    "login_failed": "登录失败",
    "sessions_end": "结束登录会话",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "token_create": "创建API令牌",
    "token_revoke": "撤销API令牌",
    "account_create": "创建账号",
    "enterprise_create": "登记单位",
    "enterprise_update": "修改单位",
    "work_register": "登记危大工程",
    "work_reclassify": "修改判定参数",
    "work_move": "状态变更",
    "work_import": "批量导入危大工程",
    "work_import_batch": "批量导入（汇总）",
    "plan_submit": "提交方案版本",
    "plan_sign": "方案签字",
    "expert_create": "专家入库",
    "expert_update": "修改专家信息",
    "expert_status": "专家状态变更",
    "expert_contact": "专家修改联系方式",
    "expert_import": "批量导入专家",
    "expert_import_batch": "批量导入专家（汇总）",
    "employment_add": "添加任职经历",
    "leave_add": "登记请假",
    "conflict_declare": "申报利害关系",
    "credit_event": "信用记录",
    "credit_reverse": "撤销信用记录",
    "credit_sanction": "信用处理",
    "credit_appeal": "信用申诉",
    "credit_appeal_decision": "申诉处理",
    "policy_update": "修改政策参数",
    "draw": "抽取专家",
    "draw_view_names": "查看专家名单",
    "seat_confirm": "专家确认参会",
    "seat_declined": "专家谢绝",
    "seat_expired": "邀请逾期",
    "seat_alternate": "候补递补",
    "seat_reminded": "答复提醒",
}


# The database itself refuses to change or remove an audit row, whatever client connects.
# The same statements are in the migration that creates the table.
SQLITE_GUARDS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]
POSTGRES_GUARDS = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]
for _stmt in SQLITE_GUARDS:
    event.listen(AuditLog.__table__, "after_create", DDL(_stmt).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]  # DDL() is unannotated
for _stmt in POSTGRES_GUARDS:
    event.listen(AuditLog.__table__, "after_create", DDL(_stmt).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]  # DDL() is unannotated


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    obj: tuple[str, object],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit row to the session; the caller's commit makes it part of the same change."""
    object_type, object_id = obj
    row = AuditLog(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
    )
    session.add(row)
    return row
