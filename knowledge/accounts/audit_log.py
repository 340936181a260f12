"""The audit administrator's use cases: read, filter, export and verify the audit log, each read itself audited.

GB/T 22239-2019 8.1.5.2: the audit administrator queries, stores and analyses the audit records, and a) his own
operations are audited; 8.1.4.3 c): the records are protected (knowledge/audit.py's guards and keyed chain).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.permissions import can_read_audit
from knowledge.accounts.services import acting
from knowledge.audit import AuditLog
from knowledge.pagination import DEFAULT_PER_PAGE, Page, paginate

EXPORT_MAX_ROWS = 100_000  # one export; narrower filters for more
REFUSAL = "只有审计管理员可以查看、导出和校验审计日志"


@dataclass(frozen=True)
class AuditFilter:
    object_type: str = ""
    action: str = ""
    actor_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in (("object_type", self.object_type), ("action", self.action),
                                  ("actor_id", self.actor_id)) if v}  # fmt: skip


def _filtered(criteria: AuditFilter) -> Select[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.seq.desc())
    if criteria.object_type:
        stmt = stmt.where(AuditLog.object_type == criteria.object_type)
    if criteria.action:
        stmt = stmt.where(AuditLog.action == criteria.action)
    if criteria.actor_id is not None:
        stmt = stmt.where(AuditLog.actor_id == criteria.actor_id)
    return stmt


def read(
    session: Session, criteria: AuditFilter, *, actor_id: int, page: int = 1, per_page: int = DEFAULT_PER_PAGE
) -> Page[AuditLog]:
    """One page of the log, newest first; the read is recorded (with its filter) before it is returned."""
    acting(session, actor_id, can_read_audit, REFUSAL)
    audit.record_read(session, actor_id=actor_id, action="audit_read", obj=("audit_log", "*"),
                      after={**criteria.as_dict(), "page": page})  # fmt: skip
    return paginate(session, _filtered(criteria), page, per_page)


EXPORT_HEADER = ["序号", "时间(UTC)", "操作人编号", "操作人", "来源地址", "操作", "结果", "对象类型", "对象编号",
                 "变更前", "变更后", "校验值"]  # fmt: skip


def export_csv(session: Session, criteria: AuditFilter, *, actor_id: int) -> str:
    """The filtered log as CSV (UTF-8 with BOM, for spreadsheet software), oldest first; the export is recorded
    with its filter and row count."""
    acting(session, actor_id, can_read_audit, REFUSAL)
    rows = list(
        session.scalars(_filtered(criteria).order_by(None).order_by(AuditLog.seq).limit(EXPORT_MAX_ROWS))
    )
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    for r in rows:
        writer.writerow([r.seq, r.at.isoformat(), r.actor_id or "", r.actor.username if r.actor else "系统",
                         r.address or "", r.action_label, r.outcome_label, r.object_type, r.object_id,
                         _json(r.before), _json(r.after), r.mac])  # fmt: skip
    audit.record_read(session, actor_id=actor_id, action="audit_export", obj=("audit_log", "*"),
                      after={**criteria.as_dict(), "rows": len(rows)})  # fmt: skip
    return out.getvalue()


def _json(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


# Problems of a chain check kept in its audit row (and shown): the first ones say where the chain broke.
SHOWN_PROBLEMS = 50


@dataclass(frozen=True)
class Verification:
    checked: int
    problems: list[str]  # the first SHOWN_PROBLEMS of them, as recorded
    at: datetime
    problem_count: int | None = None  # all of them, when more than listed

    @property
    def found(self) -> int:
        return self.problem_count if self.problem_count is not None else len(self.problems)

    @property
    def is_sound(self) -> bool:
        return not self.problems


def verify_chain(session: Session, *, actor_id: int, now: datetime) -> Verification:
    """Recompute the keyed chain (knowledge/audit.py verify); the check and its result are recorded after it,
    so the row it adds is not part of what it checked."""
    acting(session, actor_id, can_read_audit, REFUSAL)
    checked, problems = audit.verify(session)
    audit.record_read(session, actor_id=actor_id, action="audit_verify", obj=("audit_log", "*"),
                      after={"checked": checked, "problems": len(problems), "details": problems[:SHOWN_PROBLEMS]},
                      outcome="ok" if not problems else "failed")  # fmt: skip
    return Verification(checked, problems, now)


def last_verification(session: Session, *, actor_id: int) -> Verification | None:
    """The result of the account's latest chain check, as it recorded it (the page shows it after a redirect,
    so reloading the page does not check again); None when it never checked."""
    acting(session, actor_id, can_read_audit, REFUSAL)
    row = session.scalars(
        select(AuditLog)
        .where(AuditLog.action == "audit_verify", AuditLog.actor_id == actor_id)
        .order_by(AuditLog.id.desc())
        .limit(1)
    ).first()
    if row is None or not row.after:
        return None
    details = [str(p) for p in row.after.get("details", [])]
    return Verification(int(row.after.get("checked", 0)), details, row.at, int(row.after.get("problems", 0)))
