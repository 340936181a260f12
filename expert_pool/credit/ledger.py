"""The credit ledger in the database: record events (once per source), appeals, standings and sanctions applied."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import extract, select
from sqlalchemy.orm import Session

from expert_pool.credit import rules as credit
from expert_pool.experts.models import CreditAppeal, CreditEventRow, Expert, ExpertStatus
from expert_pool.experts.scopes import CREDIT_ROLES, check_manage
from knowledge import audit
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.settings import stored_values


def events_of(session: Session, expert_id: int) -> list[credit.CreditEvent]:
    rows = list(session.scalars(select(CreditEventRow).where(CreditEventRow.expert_id == expert_id)
                                .order_by(CreditEventRow.day, CreditEventRow.id)))  # fmt: skip
    return _as_events(rows)


def _as_events(rows: list[CreditEventRow]) -> list[credit.CreditEvent]:
    reversed_ids = {r.reversal_of for r in rows if r.reversal_of is not None}
    return [
        credit.CreditEvent(r.id, r.expert_id, r.day, credit.EventKind(r.kind), r.points, r.reason,
                           str(r.recorded_by or "系统"), reversed=r.id in reversed_ids, reversal_of=r.reversal_of)
        for r in rows
    ]  # fmt: skip


def standing(session: Session, expert_id: int, *, today: date) -> credit.Standing:
    return credit.standing(events_of(session, expert_id), policy=credit_policy(session), today=today)


def record(
    session: Session, expert_id: int, kind: credit.EventKind, *, day: date, reason: str, actor_id: int | None,
    points: int | None = None, source: str = "",
) -> CreditEventRow | None:  # fmt: skip
    """Add an event and apply the sanction it brings; a system event with a source is recorded only once.

    The system's own events (late decline, late report, confirmed no-show) come through here from the
    services that checked their own permissions; a regulator's hand-recorded event goes through record_by.
    """
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise NotFoundError("专家不存在")
    if (
        source
        and session.scalar(select(CreditEventRow.id).where(CreditEventRow.source == source)) is not None
    ):
        return None
    policy = credit_policy(session)
    value = credit.points_for(kind, policy, points)
    if not reason.strip():
        raise ValidationError("请写明事由", field="reason")
    row = CreditEventRow(expert_id=expert_id, day=day, kind=kind.value, points=value, reason=reason.strip()[:500],
                         recorded_by=actor_id, source=source)  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor_id, action="credit_event", obj=("expert", expert_id),
                 after={"kind": kind.value, "points": value, "day": day.isoformat(), "reason": row.reason})  # fmt: skip
    apply_sanction(session, expert, today=day, actor_id=actor_id)
    session.commit()
    return row


def record_by(
    session: Session, scope: Scope, expert_id: int, kind: credit.EventKind, *, day: date, reason: str,
    points: int | None = None,
) -> CreditEventRow | None:  # fmt: skip
    """A regulator (or the admin) records an event by hand on an expert within his scope (DOMAIN 6)."""
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise NotFoundError("专家不存在")
    check_manage(scope, expert, CREDIT_ROLES, "登记该专家的信用记录")
    if kind not in RECORDED_BY_REGULATORS:
        raise PermissionDenied(f"“{kind.label}”由系统自动登记，不能手工登记")
    return record(session, expert_id, kind, day=day, reason=reason, actor_id=scope.account_id, points=points)


def appeal_upheld(session: Session, event_id: int, *, day: date, reason: str, scope: Scope) -> CreditEventRow:
    """A regulator (or the admin) of the expert's city or the province reverses an event, appeal or not."""
    original = session.get(CreditEventRow, event_id)
    if original is None:
        raise NotFoundError("信用记录不存在")
    expert = session.get(Expert, original.expert_id)
    assert expert is not None
    check_manage(scope, expert, CREDIT_ROLES, "撤销该专家的信用记录")
    row = _reverse(session, original, day=day, reason=reason, actor_id=scope.account_id)
    session.commit()
    return row


def _reverse(
    session: Session, original: CreditEventRow, *, day: date, reason: str, actor_id: int | None
) -> CreditEventRow:
    event_id = original.id
    if original.kind == credit.EventKind.REVERSAL.value:
        raise ValidationError("撤销记录不能再撤销")
    if session.scalar(select(CreditEventRow.id).where(CreditEventRow.reversal_of == event_id)) is not None:
        raise ValidationError("该记录已被撤销")
    row = CreditEventRow(expert_id=original.expert_id, day=day, kind=credit.EventKind.REVERSAL.value, points=0,
                         reason=reason.strip()[:500] or "申诉成立", recorded_by=actor_id, reversal_of=event_id)  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor_id, action="credit_reverse", obj=("expert", original.expert_id),
                 after={"reversed": event_id, "reason": row.reason})  # fmt: skip
    expert = session.get(Expert, original.expert_id)
    assert expert is not None
    apply_sanction(session, expert, today=day, actor_id=actor_id)
    return row


def apply_sanction(session: Session, expert: Expert, *, today: date, actor_id: int | None) -> None:
    """Sanctions take effect automatically (DOMAIN 6) and are logged with the status they replace; a removal
    the ledger no longer supports (its misconduct event reversed) gives back the status held before it."""
    now = standing(session, expert.id, today=today)
    before = (expert.status, expert.suspended_until)
    if expert.status is ExpertStatus.REMOVED and now.sanction is not credit.Sanction.REMOVED:
        prior = status_before_removal(session, expert.id)
        if prior is not None:
            expert.status, expert.suspended_until = prior
    if now.sanction is credit.Sanction.REMOVED:
        expert.status, expert.suspended_until = ExpertStatus.REMOVED, None
    elif now.sanction is credit.Sanction.SUSPENDED and expert.status is not ExpertStatus.REMOVED:
        expert.status, expert.suspended_until = ExpertStatus.SUSPENDED, now.until
    elif expert.status is ExpertStatus.SUSPENDED and now.sanction.rank < credit.Sanction.SUSPENDED.rank:
        expert.status, expert.suspended_until = ExpertStatus.ACTIVE, None
    if (expert.status, expert.suspended_until) != before:
        audit.record(session, actor_id=actor_id, action="credit_sanction", obj=("expert", expert.id),
                     before={"status": before[0].value, "until": before[1].isoformat() if before[1] else None},
                     after={"status": expert.status.value, "sanction":
                     now.sanction.value, "score": now.score,
                     "until": now.until.isoformat() if now.until else None})  # fmt: skip


def status_before_removal(session: Session, expert_id: int) -> tuple[ExpertStatus, date | None] | None:
    """The status a credit removal replaced, from the sanction's own log row, if the expert's last status
    change was that removal (a removal by the office, or a later change, is not the ledger's to undo)."""
    last = session.scalar(
        select(AuditLog)
        .where(AuditLog.object_type == "expert", AuditLog.object_id == str(expert_id),
               AuditLog.action.in_(("credit_sanction", "expert_status")))
        .order_by(AuditLog.id.desc())
        .limit(1)
    )  # fmt: skip
    if last is None or last.action != "credit_sanction" or (last.after or {}).get("status") != "removed":
        return None
    prior = last.before or {}
    try:
        status = ExpertStatus(prior.get("status", ""))
    except ValueError:
        return None
    until = prior.get("until")
    return status, date.fromisoformat(until) if until else None


# Kinds a regulator records by hand (DOMAIN 6); the others come from the system itself, once per source.
RECORDED_BY_REGULATORS = (credit.EventKind.CARELESS_REVIEW, credit.EventKind.HAZARD_LINKED,
                          credit.EventKind.MISCONDUCT, credit.EventKind.EXCELLENT_REVIEW, credit.EventKind.TRAINING,
                          credit.EventKind.NO_SHOW)  # fmt: skip


def ledger_rows(session: Session, expert_id: int) -> list[CreditEventRow]:
    return list(session.scalars(select(CreditEventRow).where(CreditEventRow.expert_id == expert_id)
                                .order_by(CreditEventRow.day.desc(), CreditEventRow.id.desc())))  # fmt: skip


@dataclass(frozen=True)
class RankingRow:
    """One line of the ranking: the period's score, and the sanction in force on the period's last day seen."""

    expert: Expert
    score: int
    sanction: credit.Sanction
    until: date | None


def ranking(session: Session, *, period: credit.Period, today: date, limit: int = 200) -> list[RankingRow]:
    """Experts with an event in ``period`` or a sanction in force at its end (or today, if sooner), lowest
    score first: where regulators look (DOMAIN 6). The ledgers are read in one query, not one per expert."""
    as_of = min(period.end, today)
    rows = session.scalars(select(CreditEventRow).where(CreditEventRow.day <= as_of)
                           .order_by(CreditEventRow.expert_id, CreditEventRow.day, CreditEventRow.id))  # fmt: skip
    by_expert: dict[int, list[CreditEventRow]] = defaultdict(list)
    for row in rows:
        by_expert[row.expert_id].append(row)
    policy = credit_policy(session)
    found: list[tuple[int, int, credit.Sanction, date | None]] = []
    for expert_id, own in by_expert.items():
        events = _as_events(own)
        now = credit.standing(events, policy=policy, today=as_of)
        if now.sanction is credit.Sanction.NONE and not any(e.day in period for e in events):
            continue
        found.append(
            (expert_id, credit.period_score(events, period=period, policy=policy), now.sanction, now.until)
        )
    found.sort(key=lambda f: (f[1], f[0]))
    found = found[:limit]
    experts = {e.id: e for e in session.scalars(select(Expert).where(Expert.id.in_([f[0] for f in found])))}
    return [
        RankingRow(experts[i], score, sanction, until) for i, score, sanction, until in found if i in experts
    ]


def ranking_years(session: Session, *, today: date) -> list[int]:
    """The years the ledger has events in, newest first, with ``today``'s year always offered."""
    years = session.scalars(select(extract("year", CreditEventRow.day)).distinct())
    return sorted({int(y) for y in years if y is not None} | {today.year}, reverse=True)


def file_appeal(
    session: Session, expert_id: int, event_id: int, reason: str, *, actor_id: int
) -> CreditAppeal:
    """An expert appeals one of his own penalties, once while it is pending."""
    event = session.get(CreditEventRow, event_id)
    if event is None or event.expert_id != expert_id:
        raise NotFoundError("信用记录不存在")
    if event.kind == credit.EventKind.REVERSAL.value or (event.points >= 0 and event.kind != "misconduct"):
        raise ValidationError("只能对扣分或除名记录提出申诉")
    if session.scalar(select(CreditEventRow.id).where(CreditEventRow.reversal_of == event_id)) is not None:
        raise ValidationError("该记录已被撤销")
    if session.scalar(select(CreditAppeal.id).where(CreditAppeal.event_id == event_id,
                                                    CreditAppeal.status == "pending")) is not None:  # fmt: skip
        raise ValidationError("该记录已有待处理的申诉")
    if not reason.strip():
        raise ValidationError("请写明申诉理由", field="reason")
    appeal = CreditAppeal(event_id=event_id, expert_id=expert_id, reason=reason.strip()[:1000])
    session.add(appeal)
    session.flush()
    audit.record(session, actor_id=actor_id, action="credit_appeal", obj=("expert", expert_id),
                 after={"event": event_id, "appeal": appeal.id, "reason": appeal.reason})  # fmt: skip
    session.commit()
    return appeal


def decide_appeal(
    session: Session, appeal_id: int, *, upheld: bool, note: str, day: date, scope: Scope
) -> CreditAppeal:  # fmt: skip
    """A regulator (or the admin) of the expert's city or the province decides an appeal."""
    appeal = session.get(CreditAppeal, appeal_id)
    if appeal is None:
        raise NotFoundError("申诉不存在")
    expert = session.get(Expert, appeal.expert_id)
    assert expert is not None
    check_manage(scope, expert, CREDIT_ROLES, "处理该专家的申诉")
    actor_id = scope.account_id
    if appeal.status != "pending":
        raise ValidationError("该申诉已处理")
    appeal.status, appeal.decided_by, appeal.decision_note = (
        ("upheld" if upheld else "rejected"),
        actor_id,
        note[:500],
    )
    appeal.decided_at = datetime.now(UTC)
    audit.record(session, actor_id=actor_id, action="credit_appeal_decision", obj=("expert", appeal.expert_id),
                 after={"appeal": appeal.id, "status": appeal.status, "note": appeal.decision_note})  # fmt: skip
    if upheld:
        original = session.get(CreditEventRow, appeal.event_id)
        assert original is not None
        _reverse(session, original, day=day, reason=note or "申诉成立", actor_id=actor_id)
    session.commit()
    return appeal


def pending_appeals(session: Session, expert_id: int | None = None) -> list[CreditAppeal]:
    stmt = select(CreditAppeal).where(CreditAppeal.status == "pending").order_by(CreditAppeal.id)
    if expert_id is not None:
        stmt = stmt.where(CreditAppeal.expert_id == expert_id)
    return list(session.scalars(stmt))


def appeals_of(session: Session, expert_id: int) -> list[CreditAppeal]:
    return list(session.scalars(select(CreditAppeal).where(CreditAppeal.expert_id == expert_id)
                                .order_by(CreditAppeal.id.desc())))  # fmt: skip


def credit_policy(session: Session) -> credit.CreditPolicy:
    """The credit rules in force: the defaults of DOMAIN.md §6 with the admin's stored values over them."""
    known = set(credit.CreditPolicy.__dataclass_fields__)
    return credit.CreditPolicy.from_dict(
        {k: v for k, v in stored_values(session, "credit").items() if k in known}
    )
