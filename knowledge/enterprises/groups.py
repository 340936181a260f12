"""Group membership over time (DOMAIN 5, rule 3): an enterprise's links to its parent company, with the day
each began (the acquisition) and ended (its last day in the group). ``Enterprise.parent_id`` is kept as the
parent of the open link; the services change both together, in the caller's transaction."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from knowledge.enterprises.models import Enterprise, EnterpriseGroupLink
from knowledge.errors import ValidationError

EARLIEST = date(1900, 1, 1)
MAX_AHEAD_DAYS = 366  # an announced acquisition may be recorded up to a year ahead; later is a typo


def history(session: Session, enterprise_id: int) -> list[EnterpriseGroupLink]:
    """The enterprise's links, oldest first."""
    stmt = select(EnterpriseGroupLink).where(EnterpriseGroupLink.enterprise_id == enterprise_id)
    stmt = stmt.options(joinedload(EnterpriseGroupLink.parent))
    return list(session.scalars(stmt.order_by(EnterpriseGroupLink.start, EnterpriseGroupLink.id)))


def check_day(day: date, *, today: date, field: str, what: str) -> None:
    if day < EARLIEST:
        raise ValidationError(f"{what}不能早于{EARLIEST.isoformat()}", field=field)
    if day > today + timedelta(days=MAX_AHEAD_DAYS):
        raise ValidationError(f"{what}不能晚于一年以后（{today.isoformat()}起算）", field=field)


def parent_on(session: Session, enterprise_id: int, day: date) -> int | None:
    """The enterprise's parent on ``day`` by its links."""
    return session.scalar(
        select(EnterpriseGroupLink.parent_id).where(
            EnterpriseGroupLink.enterprise_id == enterprise_id,
            EnterpriseGroupLink.start <= day,
            (EnterpriseGroupLink.end_date.is_(None)) | (EnterpriseGroupLink.end_date >= day),
        )
    )


def _is_above_on(session: Session, enterprise_id: int, candidate: int, day: date) -> bool:
    """True if ``enterprise_id`` is ``candidate`` or one of its ancestors on ``day`` (a new link would close a
    cycle on that day)."""
    node: int | None = candidate
    seen: set[int] = set()
    while node is not None and node not in seen:
        if node == enterprise_id:
            return True
        seen.add(node)
        node = parent_on(session, node, day)
    return False


def _history_of(session: Session, enterprise: Enterprise) -> list[EnterpriseGroupLink]:
    """The history, with a parent set without one (a row written around the services) given its link from the
    day the enterprise was registered, as migration 0009 did for the rows before it."""
    links = history(session, enterprise.id)
    if enterprise.parent_id is not None and not (links and links[-1].end_date is None):
        start = enterprise.created_at.date() if enterprise.created_at else EARLIEST
        link = EnterpriseGroupLink(enterprise_id=enterprise.id, parent_id=enterprise.parent_id, start=start)
        session.add(link)
        links.append(link)
    return links


def join_group(
    session: Session,
    enterprise: Enterprise,
    parent: Enterprise,
    *,
    since: date,
    actor_id: int | None,
    today: date,
) -> EnterpriseGroupLink:
    """``enterprise`` becomes a subsidiary of ``parent`` from ``since``; a link still open ends the day before.

    :raises ValidationError: the day is out of range or not after the history already recorded, or the
        parent is the enterprise itself or below it (now or on ``since``).
    """
    check_day(since, today=today, field="parent_since", what="加入集团的日期")
    if parent.id == enterprise.id or _is_above_on(session, enterprise.id, parent.id, since):
        raise ValidationError("上级单位不能是本单位或其下属单位", field="parent_credit_code")
    if _is_above_on(session, enterprise.id, parent.id, today):
        raise ValidationError("上级单位不能是本单位或其下属单位", field="parent_credit_code")
    links = _history_of(session, enterprise)
    if links and links[-1].end_date is None:
        if since <= links[-1].start:
            raise ValidationError(
                f"加入新集团的日期须晚于现有集团关系的开始日期（{links[-1].start.isoformat()}）",
                field="parent_since",
            )
        links[-1].end_date = since - timedelta(days=1)
    elif links and links[-1].end_date is not None and since <= links[-1].end_date:
        raise ValidationError(
            f"加入集团的日期须晚于上一段集团关系的结束日期（{links[-1].end_date.isoformat()}）",
            field="parent_since",
        )
    link = EnterpriseGroupLink(
        enterprise_id=enterprise.id, parent_id=parent.id, start=since, created_by=actor_id
    )
    session.add(link)
    enterprise.parent_id = parent.id
    session.flush()
    return link


def leave_group(
    session: Session, enterprise: Enterprise, *, last_day: date, today: date
) -> EnterpriseGroupLink:
    """``enterprise`` leaves its group: its open link ends on ``last_day`` (its last day in the group).

    :raises ValidationError: it is in no group, or the day is before the link began or out of range.
    """
    check_day(last_day, today=today, field="parent_until", what="退出集团的日期")
    links = _history_of(session, enterprise)
    if not links or links[-1].end_date is not None:
        raise ValidationError("本单位目前不属于任何集团", field="parent_credit_code")
    if last_day < links[-1].start:
        raise ValidationError(
            f"退出集团的日期不能早于加入的日期（{links[-1].start.isoformat()}）", field="parent_until"
        )
    links[-1].end_date = last_day
    enterprise.parent_id = None
    session.flush()
    return links[-1]
