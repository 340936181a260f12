"""The append-only audit log: who did what, when, from which address, with what outcome, to which object, with
the state before and after.

The rows form a keyed chain (issue 18): each row's ``mac`` is HMAC-SHA256 under AUDIT_CHAIN_KEY (configuration,
never the database) of its content and the previous row's ``mac``, in the order of its unique ``seq``. The head
of the chain is one row (``audit_chain_head``) that every writer updates in its own transaction before it
appends: PostgreSQL locks that row until the commit, SQLite takes its single write lock, so parallel writers
queue and the chain never forks. ``verify`` recomputes it and names a changed, inserted or deleted row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    ScalarSelect,
    String,
    Table,
    event,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from knowledge import keyed_chain
from knowledge.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:  # accounts record audit rows: the actor's class is named for the type checker only
    from knowledge.accounts.models import Account


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id"),
        # The last row of an action in one index step: caches keyed by the last audited change read it per use.
        Index("ix_audit_log_action", "action", "id"),
        CheckConstraint("outcome IN ('ok', 'denied', 'failed')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # position in the chain; unique: no forks
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))  # the source address, "cli" for commands
    outcome: Mapped[str] = mapped_column(String(16), default="ok")  # ok / denied / failed
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))

    actor: Mapped[Account | None] = relationship(lazy="joined")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)


class AuditChainHead(Base):
    """The chain's last position and MAC: one row (id 1), updated with every append, in the same transaction."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    mac: Mapped[str] = mapped_column(String(64))


OUTCOMES = ("ok", "denied", "failed")
OUTCOME_LABELS = {"ok": "成功", "denied": "拒绝", "failed": "失败"}
GENESIS_MAC = keyed_chain.GENESIS_MAC
ADDRESS_MAX = 64


# What each recorded action means, for people reading the log. Later areas add their own.
ACTION_LABELS: dict[str, str] = {
    "login": "登录",
    "login_locked": "登录失败锁定",
    "login_failed": "登录失败",
    "sessions_end": "结束登录会话",
    "login_password_ok": "登录：密码正确，待第二因素",
    "two_factor_start": "开始设置双因素认证",
    "two_factor_enrol": "启用双因素认证",
    "two_factor_ok": "双因素验证通过",
    "two_factor_failed": "双因素验证失败",
    "recovery_code_used": "使用恢复码",
    "recovery_codes_new": "重新生成恢复码",
    "two_factor_disable": "停用双因素认证",
    "two_factor_reset": "重置双因素认证",
    "two_factor_waive": "演示账号免除双因素要求",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "token_create": "创建API令牌",
    "token_revoke": "撤销API令牌",
    "account_create": "创建账号",
    "account_update": "修改账号",
    "account_role": "变更账号角色",
    "account_disable": "停用账号",
    "account_enable": "启用账号",
    "sign_in_unlock": "解除登录锁定",
    "audit_read": "查看审计日志",
    "audit_export": "导出审计日志",
    "audit_verify": "校验审计日志链",
    "key_status_view": "查看密钥状态",
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
    "expert_id_view": "查看专家完整身份证号码",
    "expert_contact_view": "查看受邀专家完整联系方式",
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
    "logout": "退出登录",
    "access_denied": "拒绝访问",
    "works_export": "导出危大工程清单",
    "plan_download": "下载方案文件",
    "revision_download": "下载修改后方案文件",
    "report_pdf": "下载论证报告PDF",
    # Site control (issue 20).
    "site_briefing": "记录交底",
    "site_monitoring": "登记第三方监测",
    "site_alarm": "记录监测报警",
    "site_alarm_handling": "记录报警处置",
    "site_acceptance": "记录验收",
    "site_acceptance_sign": "验收签字",
    "inspection_record": "监督检查",
    "hazard_open": "登记隐患",
    "hazard_submit": "提交整改",
    "hazard_send_back": "退回整改",
    "hazard_close": "隐患销号",
    "hazard_supervise": "挂牌督办",
    "hazard_stop": "责令停工",
    "hazard_lift_stop": "解除停工",
    "hazards_export": "导出隐患清单",
    "hazards_register_export": "导出重大隐患报送数据",
    "hazard_evidence_download": "下载整改证明材料",
    "sweep_open": "开启排查轮次",
    "flag_confirm": "系统预警确认为隐患",
    "flag_dismiss": "排除系统预警",
    # Construction cranes (issue 21).
    "crane_register": "起重机械产权备案",
    "crane_owner_change": "起重机械产权变更",
    "crane_certificate_revoke": "撤销起重机械证书",
    "crane_certificate_pdf": "下载起重机械证书PDF",
    "crane_machine_import_batch": "批量导入起重机械（汇总）",
    "crane_machines_export": "导出起重机械清单",
    "crane_qualification": "登记安装单位资质",
    "crane_install_notice": "起重机械安装告知",
    "crane_acceptance_open": "发起起重机械联合验收",
    "crane_acceptance_sign": "起重机械联合验收签字",
    "crane_use_register": "起重机械使用登记",
    "crane_dismantle_notice": "起重机械拆卸告知",
    "crane_machine_record": "记录起重机械维护保养或故障",
    "crane_body_register": "登记检验检测机构",
    "crane_report_start": "开始起重机械检验",
    "crane_report_items": "填写起重机械检验项目",
    "crane_report_publish": "出具起重机械检验报告",
    "crane_report_pdf": "下载起重机械检验报告PDF",
    "crane_spot_check_order": "下达检验机构抽查",
    "crane_spot_check_result": "记录检验机构抽查结果",
    "crane_bulletin_pdf": "下载起重机械安全通报",
    # The review meeting and its report (issues 16, 19).
    "meeting_arrangement": "修改论证会安排",
    "review_meeting": "登记论证会",
    "review_check_in": "专家签到",
    "review_absence_report": "报告专家缺席",
    "review_absence_decision": "处理缺席报告",
    "review_leader": "确定专家组组长",
    "review_leader_vote": "推选专家组组长",
    "review_opinion": "专家提交论证意见",
    "review_draft": "起草论证报告",
    "review_draft_withdrawn": "撤回论证报告草稿",
    "review_final": "论证报告定稿",
    "review_sign": "专家签署论证报告",
    "review_refuse": "专家拒绝签署论证报告",
    "review_refusal_answer": "答复专家拒签",
    "revision_submit": "提交修改后方案",
    "revision_confirm": "确认方案修改",
    "reviews_export": "导出论证清单",
    "signing_key_created": "生成专家签名密钥",
    "review_rated": "评价论证报告质量",
    "integrity_examined": "核查诚信分析发现",
    "supervision_report_pdf": "下载安全监督报告",
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


# The request's source address, set at the edge (a web request's hook, "cli" for commands), so services record
# it without knowing where they are called from.
current_address: ContextVar[str | None] = ContextVar("audit_current_address", default=None)
_KEY = keyed_chain.KeySlot("AUDIT_CHAIN_KEY")
_HEAD = cast(Table, AuditChainHead.__table__)
_PENDING = "audit_pending"  # session.info: the rows recorded and not yet flushed, in order


def use_key(key: bytes) -> None:
    """Set once by the application from its configuration (never from the database)."""
    _KEY.set(key)


def chain_key() -> bytes:
    """:raises keyed_chain.KeyMissing: (a RuntimeError) naming AUDIT_CHAIN_KEY while it is not configured."""
    return _KEY.get()


def _canonical(value: Any) -> Any:
    """A JSON value as the database gives it back (integer keys become strings, tuples lists)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def row_mac(key: bytes, row: AuditLog) -> str:
    body = {
        "seq": row.seq, "at": keyed_chain.utc_text(row.at), "actor_id": row.actor_id, "action": row.action,
        "object_type": row.object_type, "object_id": row.object_id, "before": _canonical(row.before),
        "after": _canonical(row.after), "address": row.address, "outcome": row.outcome, "prev_mac": row.prev_mac,
    }  # fmt: skip
    return keyed_chain.mac_of(key, body)


def _advance(conn: Connection, count: int) -> tuple[int, str]:
    """Take ``count`` positions: (the first, the MAC before it). The UPDATE holds the head (a row lock on
    PostgreSQL, the write lock on SQLite) until the commit, so parallel writers queue instead of forking."""
    step = (
        update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(seq=_HEAD.c.seq + count)
        .returning(_HEAD.c.seq, _HEAD.c.mac)
    )
    got = conn.execute(step).first()
    if got is None:  # an empty database: the head starts at the genesis, once, whoever comes first
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(_HEAD).values(id=1, seq=0, mac=GENESIS_MAC).on_conflict_do_nothing())
        got = conn.execute(step).one()
    return int(got.seq) - count + 1, str(got.mac)


@event.listens_for(Session, "before_flush")
def _chain_new_rows(session: Session, flush_context: Any, instances: Any) -> None:
    """The rows this flush inserts take their positions in the order they were recorded: two statements on the
    head per flush, whatever the number of rows, and the head is held only from the flush to the commit."""
    queued = [r for r in session.info.pop(_PENDING, []) if r in session.new]
    others = sorted(
        (o for o in session.new if isinstance(o, AuditLog) and o.mac is None and o not in queued),
        key=lambda o: o.at or utcnow(),
    )
    rows = queued + others
    if not rows:
        return
    key = chain_key()
    conn = session.connection()
    seq, prev = _advance(conn, len(rows))
    for row in rows:
        row.at = row.at or utcnow()
        row.outcome = row.outcome or "ok"
        row.seq, row.prev_mac = seq, prev
        row.mac = prev = row_mac(key, row)
        seq += 1
    conn.execute(update(_HEAD).where(_HEAD.c.id == 1).values(mac=prev))


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    obj: tuple[str, object],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    outcome: str = "ok",
    address: str | None = None,
) -> AuditLog:
    """Add an audit row to the session; the caller's commit makes it part of the same change. Its place in the
    chain (``seq``, ``prev_mac``, ``mac``) is given when the session flushes it."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    chain_key()  # refused at once, not at the commit, when the key is missing
    object_type, object_id = obj
    address = address or current_address.get() or None
    row = AuditLog(
        at=utcnow(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        address=address[:ADDRESS_MAX] if address else None,
        outcome=outcome,
    )
    session.add(row)
    session.info.setdefault(_PENDING, []).append(row)
    return row


def record_read(
    session: Session, *, actor_id: int | None, action: str, obj: tuple[str, object],
    after: dict[str, Any] | None = None, outcome: str = "ok",
) -> None:  # fmt: skip
    """A sensitive read or a refusal, which changes nothing else: recorded and committed on its own."""
    record(session, actor_id=actor_id, action=action, obj=obj, after=after, outcome=outcome)
    session.commit()


def last_ids(actions: Sequence[str]) -> list[ScalarSelect[int | None]]:
    """The id of the last row of each action, as scalar subqueries: one step down ``ix_audit_log_action`` each,
    where one maximum over ``action IN (...)`` walks back through every later row of the log."""
    return [select(func.max(AuditLog.id)).where(AuditLog.action == a).scalar_subquery() for a in actions]


def _rows(session: Session) -> Iterator[AuditLog]:
    yield from session.scalars(select(AuditLog).order_by(AuditLog.seq).execution_options(yield_per=500))


def verify(session: Session, key: bytes | None = None) -> tuple[int, list[str]]:
    """Recompute the chain: (rows checked, problems in Chinese). Empty problems: nothing changed, inserted or
    deleted since each row was written."""
    key = key or chain_key()
    problems: list[str] = []
    expected, prev, count = 1, GENESIS_MAC, 0
    for row in _rows(session):
        count += 1
        if row.seq != expected:
            if row.seq > expected:
                problems.append(f"审计记录第{expected}条至第{row.seq - 1}条缺失（被删除）")
            else:
                problems.append(f"审计记录第{row.seq}条位置重复（被插入）")
        if row.prev_mac != prev:
            problems.append(f"审计记录第{row.seq}条（编号{row.id}）与前一条不衔接（记录被删除、插入或修改）")
        if not keyed_chain.same(row_mac(key, row), row.mac):
            problems.append(f"审计记录第{row.seq}条（编号{row.id}）的内容与其密钥签名不符：记录被修改或伪造")
        prev, expected = row.mac, max(expected, row.seq + 1)
    head = session.get(AuditChainHead, 1)
    last = expected - 1
    if head is not None and (head.seq != last or head.mac != prev):
        problems.append(f"审计链头记到第{head.seq}条，现存记录只到第{last}条：末尾的记录被删除或链头被改动")
    if head is None and count:
        problems.append("审计链头缺失")
    return count, problems
