"""The periodic crane-safety bulletin's rows and job (定期通报, issue 21 item 7): who may request and read one, and
the job that gathers its figures (``bulletin_figures``) and stores the PDF built by the caller's ``render``
(reportlab stays out of the domain) with its SHA-256 and progress.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session, defer

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes.bulletin_figures import SECTIONS, BulletinFigures, Step, gather, parse_period
from knowledge.cranes.inspection_models import Bulletin
from knowledge.db import utcnow
from knowledge.errors import NotFoundError, PermissionDenied
from knowledge.job_runs import keep_failure
from knowledge.regions import City


def visible_bulletins(scope: Scope) -> ColumnElement[bool]:
    """The province's regulators and the admin see every bulletin, a city's regulator his city's."""
    if scope.role is Role.ADMIN or (scope.role is Role.REGULATOR and scope.city is None):
        return true()
    if scope.role is Role.REGULATOR:
        return Bulletin.city == scope.city
    raise PermissionDenied("只有监管人员和系统管理员可以查看起重机械安全通报")


def request_bulletin(
    session: Session, *, scope: Scope | None, period: str, city: City | None, now: datetime
) -> Bulletin:
    """A bulletin row for the job to build (``scope`` None: the command line). A city's regulator gets his city's.

    :raises CraneError: for a period that cannot be read.
    :raises PermissionDenied: for other roles, or a city regulator asking for another city or the province.
    """
    if scope is not None:
        visible_bulletins(scope)
        if scope.role is Role.REGULATOR and scope.city is not None:
            if city not in (None, scope.city):
                raise PermissionDenied("市级监管人员只能生成本市的起重机械安全通报")
            city = scope.city
    parsed = parse_period(period)
    bulletin = Bulletin(period=parsed.label, city=city, requested_by=scope.account_id if scope else None,
                        requested_at=now, total=len(SECTIONS) + 1, done=0)  # fmt: skip
    session.add(bulletin)
    session.commit()
    return bulletin


def build_bulletin(
    session: Session,
    bulletin_id: int,
    *,
    render: Callable[[BulletinFigures], bytes],
    step: Step | None = None,
) -> Bulletin:
    """Gather the figures, build the PDF, store it with its SHA-256; progress committed after each section."""
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise NotFoundError("通报不存在")
    if bulletin.finished_at is not None:
        return bulletin

    def advance(name: str) -> None:
        bulletin.done += 1
        session.commit()
        if step is not None:
            step(name)

    try:
        bulletin.total, bulletin.done = len(SECTIONS) + 1, 0
        session.commit()
        figures = gather(session, parse_period(bulletin.period), bulletin.city, advance)
        pdf = render(figures)
        bulletin.pdf, bulletin.sha256 = pdf, hashlib.sha256(pdf).hexdigest()
        bulletin.done, bulletin.finished_at = bulletin.total, utcnow()
        session.commit()
        if step is not None:
            step("pdf")
    except Exception as exc:
        keep_failure(session, bulletin, exc)
        raise
    return bulletin


def bulletins(session: Session, scope: Scope, *, limit: int = 100) -> list[Bulletin]:
    """The newest bulletins the scope may see, without their PDFs' bytes."""
    stmt = (
        select(Bulletin).where(visible_bulletins(scope)).options(defer(Bulletin.pdf))
        .order_by(Bulletin.id.desc()).limit(limit)
    )  # fmt: skip
    return list(session.scalars(stmt))


def get_bulletin_for(session: Session, scope: Scope, bulletin_id: int) -> Bulletin:
    """A bulletin the scope may see; else NotFoundError."""
    found = session.scalar(select(Bulletin).where(Bulletin.id == bulletin_id, visible_bulletins(scope)))
    if found is None:
        raise NotFoundError("通报不存在或无权查看")
    return found
