"""The audit administrator's use cases: read, filter, export and verify the audit log, each read itself audited.

GB/T 22239-2019 8.1.5.2: the audit administrator queries, stores and analyses the audit records, and a) his own
operations are audited; 8.1.4.3 c): the records are protected (knowledge/audit.py's guards and keyed chain).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from openpyxl import Workbook
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts import audit_text
from knowledge.accounts.audit_text import Vocabulary
from knowledge.accounts.models import Account
from knowledge.accounts.permissions import can_read_audit
from knowledge.accounts.services import acting
from knowledge.audit import AuditLog
from knowledge.audit_labels import ACTION_LABELS
from knowledge.clock import CST
from knowledge.errors import ValidationError
from knowledge.pagination import DEFAULT_PER_PAGE, Page, paginate
from knowledge.spreadsheets.writing import safe_cell

EXPORT_MAX_ROWS = 100_000  # one export; narrower filters for more
REFUSAL = "只有审计管理员可以查看、导出和校验审计日志"


@dataclass(frozen=True)
class AuditFilter:
    object_type: str = ""
    action: str = ""
    actor_id: int | None = None
    username: str = ""
    date_from: date | None = None  # days in China Standard Time, both ends included
    date_to: date | None = None

    def as_dict(self) -> dict[str, object]:
        """The filter as its audit row records it: only the criteria set."""
        pairs = (("object_type", self.object_type), ("action", self.action), ("actor_id", self.actor_id),
                 ("username", self.username), ("date_from", self.date_from and self.date_from.isoformat()),
                 ("date_to", self.date_to and self.date_to.isoformat()))  # fmt: skip
        return {k: v for k, v in pairs if v}


FILTER_FIELDS = ("object_type", "action", "actor_id", "username", "date_from", "date_to")


def parse_filter(args: Mapping[str, str]) -> AuditFilter:
    """The filter typed on the page (or in an export link).

    :raises ValidationError: in Chinese, for a date that is no date, dates in the wrong order or an unknown action.
    """
    action = args.get("action", "").strip()[:64]
    if action and action not in ACTION_LABELS:
        raise ValidationError(f"未知的操作“{action}”：请从列表中选择", field="action")
    actor = args.get("actor_id", "").strip()
    if actor and not (actor.isdigit() and len(actor) < 10):
        raise ValidationError("操作人编号须为数字", field="actor_id")
    start, end = _day(args, "date_from", "起始日期"), _day(args, "date_to", "截止日期")
    if start and end and start > end:
        raise ValidationError("起始日期不能晚于截止日期", field="date_from")
    return AuditFilter(object_type=args.get("object_type", "").strip()[:32], action=action,
                       actor_id=int(actor) if actor else None, username=args.get("username", "").strip()[:64],
                       date_from=start, date_to=end)  # fmt: skip


def _day(args: Mapping[str, str], key: str, label: str) -> date | None:
    text = args.get(key, "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise ValidationError(f"{label}“{text[:20]}”无效：请按YYYY-MM-DD填写", field=key) from None


def _filtered(criteria: AuditFilter) -> Select[AuditLog]:
    """The criteria as SQL: the database filters, sorts and counts, never Python."""
    stmt = select(AuditLog).order_by(AuditLog.seq.desc())
    if criteria.object_type:
        stmt = stmt.where(AuditLog.object_type == criteria.object_type)
    if criteria.action:
        stmt = stmt.where(AuditLog.action == criteria.action)
    if criteria.actor_id is not None:
        stmt = stmt.where(AuditLog.actor_id == criteria.actor_id)
    if criteria.username:
        stmt = stmt.where(
            AuditLog.actor_id.in_(select(Account.id).where(Account.username == criteria.username))
        )
    if criteria.date_from:
        stmt = stmt.where(AuditLog.at >= datetime.combine(criteria.date_from, time(), CST))
    if criteria.date_to:
        stmt = stmt.where(AuditLog.at < datetime.combine(criteria.date_to + timedelta(days=1), time(), CST))
    return stmt


def read(
    session: Session, criteria: AuditFilter, *, actor_id: int, page: int = 1, per_page: int = DEFAULT_PER_PAGE
) -> Page[AuditLog]:
    """One page of the log, newest first; the read is recorded (with its filter) before it is returned."""
    acting(session, actor_id, can_read_audit, REFUSAL)
    audit.record_read(session, actor_id=actor_id, action="audit_read", obj=("audit_log", "*"),
                      after={**criteria.as_dict(), "page": page})  # fmt: skip
    return paginate(session, _filtered(criteria), page, per_page)


EXPORT_HEADER = ["序号", "时间(UTC)", "操作人编号", "操作人", "来源地址", "操作", "说明", "结果", "对象类型", "对象编号",
                 "变更前", "变更后", "校验值"]  # fmt: skip
EXPORT_FORMATS = ("csv", "xlsx")


def export_csv(
    session: Session, criteria: AuditFilter, *, actor_id: int, vocabulary: Vocabulary | None = None
) -> str:
    """The filtered log as CSV (UTF-8 with BOM, for spreadsheet software), oldest first, each row with its
    readable description; the export is recorded with its filter and row count."""
    rows = _export_rows(session, criteria, actor_id=actor_id, vocabulary=vocabulary)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    writer.writerows(rows)
    _record_export(session, criteria, actor_id=actor_id, rows=len(rows), fmt="csv")
    return out.getvalue()


def export_xlsx(
    session: Session, criteria: AuditFilter, *, actor_id: int, vocabulary: Vocabulary | None = None
) -> bytes:
    """The same rows as ``export_csv``, as an XLSX workbook; recorded the same way."""
    rows = _export_rows(session, criteria, actor_id=actor_id, vocabulary=vocabulary)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("审计日志")
    sheet.append(EXPORT_HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    _record_export(session, criteria, actor_id=actor_id, rows=len(rows), fmt="xlsx")
    return out.getvalue()


def _export_rows(
    session: Session, criteria: AuditFilter, *, actor_id: int, vocabulary: Vocabulary | None
) -> list[list[object]]:
    acting(session, actor_id, can_read_audit, REFUSAL)
    rows = list(
        session.scalars(_filtered(criteria).order_by(None).order_by(AuditLog.seq).limit(EXPORT_MAX_ROWS))
    )
    texts = audit_text.describe_all(session, rows, vocabulary)
    return [
        [safe_cell(c) for c in (r.seq, r.at.isoformat(), r.actor_id or "", r.actor.username if r.actor else "系统",
                            r.address or "", r.action_label, text, r.outcome_label, r.object_type, r.object_id,
                            _json(r.before), _json(r.after), r.mac)]
        for r, text in zip(rows, texts, strict=True)
    ]  # fmt: skip


def _record_export(session: Session, criteria: AuditFilter, *, actor_id: int, rows: int, fmt: str) -> None:
    after: dict[str, object] = {**criteria.as_dict(), "rows": rows}
    if fmt != "csv":
        after["format"] = fmt
    audit.record_read(session, actor_id=actor_id, action="audit_export", obj=("audit_log", "*"), after=after)


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
