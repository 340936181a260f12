"""Draws refused for lack of eligible experts (issue 22 item 2): the first draw and the top-up each keep one
``DrawFailure`` (and no draw), other refusals keep nothing, and the dashboard and the supervision report count
them by city and category within the reader's area."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from expert_pool.analytics import dashboard as figures
from expert_pool.analytics.periods import Period, Span
from expert_pool.analytics.tables import to_csv
from expert_pool.draws import invitations
from expert_pool.draws import services as draws
from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.models import Draw, DrawFailure, FailureKind, Notification
from expert_pool.errors import DrawError
from expert_pool.experts.models import Leave
from expert_pool.policy import set_policy
from expert_pool.supervision_report import figures as report_figures
from expert_pool.supervision_report import report_pdf
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.errors import ValidationError
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from tests.factories import make_account, make_project, make_work
from tests.integration import draws_helpers
from tests.integration.draws_helpers import DAY, NOW, run_draw
from tests.integration.test_supervision_report import pdf_text

site = draws_helpers.site  # the fixture, bound here by its name
Q3 = Period(Span.QUARTER, 2026, 3)


def failures(session) -> list[DrawFailure]:
    return list(session.scalars(select(DrawFailure).order_by(DrawFailure.id)))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_draw_refused_for_lack_of_experts_keeps_one_failure_and_no_draw(session, site):
    for e in site["experts"][4:]:
        e.specialties.clear()  # four experts of the work's category left, eight needed
    session.commit()
    work, office = site["ready_work"](), make_account(session, Role.DRAW_OFFICE)
    with pytest.raises(DrawInfeasible, match="需要8名") as refused:
        draws.request_draw(session, work, DAY, draws.HalfDay.AM, actor_id=office.id, now=NOW, seed="s")
    session.rollback()  # as the view does on the error: the failure row was committed on its own
    [row] = failures(session)
    assert (row.work_id, row.city, row.category) == (work.id, City.SUZHOU, "excavation")
    assert row.kind is FailureKind.DRAW
    assert (row.seats_requested, row.alternates_requested, row.eligible) == (5, 3, 4)
    assert (row.constraint, row.message, row.account_id) == ("pool_size", str(refused.value), office.id)
    assert row.occurred_at == NOW
    assert count(session, Draw) == 0
    assert session.get(type(work), work.id).status is WorkStatus.REVIEW_REQUESTED
    audited = session.scalars(select(AuditLog).where(AuditLog.outcome == "failed")).all()
    assert [(a.action, a.object_type, a.object_id, a.after["draw_failure"]) for a in audited] == [
        ("draw", "work", str(work.id), row.id)
    ]


def test_a_top_up_refused_for_lack_of_experts_keeps_one_failure_and_no_new_draw(session, site):
    set_policy(session, "pool", {"alternates": 0}, actor_id=None)
    draw = run_draw(session, site["ready_work"]())
    for e in site["experts"]:
        if e.id not in draw.seated:  # everyone else is on leave that day: nobody to draw
            session.add(Leave(expert_id=e.id, start=DAY, end_date=DAY))
    session.commit()
    leaving = next(s for s in draw.seats if s.position == 1)
    later = NOW + timedelta(hours=1)
    assert invitations.decline(session, leaving, "身体原因", now=later, actor_id=None) is None
    session.rollback()
    [row] = failures(session)
    assert (row.work_id, row.city, row.category) == (draw.work_id, City.SUZHOU, "excavation")
    assert row.kind is FailureKind.TOP_UP and row.constraint == "pool_size"
    assert (row.seats_requested, row.alternates_requested, row.eligible) == (1, 0, 0)
    assert row.message.startswith("补充抽取：可用专家仅0名") and row.account_id is None
    assert count(session, Draw) == 1
    notice = session.scalar(select(Notification).where(Notification.recipient == "draw-office"))
    assert notice is not None and row.message in notice.body


def test_other_draw_errors_keep_nothing(session, site):
    drafted = make_work(session, site["project"], status=WorkStatus.PLAN_DRAFTED)
    with pytest.raises(DrawError, match="申请论证后"):
        run_draw(session, drafted)
    session.rollback()
    work = site["ready_work"]()
    with pytest.raises(DrawError, match="晚于今天"):
        run_draw(session, work, day=NOW.date())
    session.rollback()
    draw = run_draw(session, work)
    with pytest.raises(DrawError, match="申请论证后"):  # drawn already: the work is under review
        run_draw(session, work, seed="again")
    session.rollback()
    twice = [draw.seated[0], draw.seated[0], draw.seated[1], draw.seated[2]]
    with pytest.raises(ValidationError, match="重复出现"):
        draws.top_up(session, draw, twice, now=NOW, actor_id=None)
    session.rollback()
    assert failures(session) == [] and count(session, Draw) == 1


@pytest.fixture
def refused(session):
    """Refusals in Q3: Suzhou twice for one excavation work (a first draw, then a top-up) and once for formwork;
    Nanjing once for lifting; one Nanjing refusal on 1 October (China time), outside Q3."""
    suzhou, nanjing = make_project(session), make_project(session, city=City.NANJING, district="玄武区")
    works = {City.SUZHOU: make_work(session, suzhou), City.NANJING: make_work(session, nanjing)}
    second = make_work(session, suzhou)

    def add(city, category, kind, at, work=None):
        session.add(DrawFailure(work_id=(work or works[city]).id, city=city, category=category, kind=kind,
                                seats_requested=5, alternates_requested=3, eligible=4, constraint="pool_size",
                                message="可用专家仅4名，需要8名", occurred_at=at))  # fmt: skip

    add(City.SUZHOU, "excavation", FailureKind.DRAW, datetime(2026, 7, 1, 0, 30, tzinfo=UTC))
    add(City.SUZHOU, "excavation", FailureKind.TOP_UP, datetime(2026, 8, 2, tzinfo=UTC))
    add(City.SUZHOU, "formwork", FailureKind.DRAW, datetime(2026, 9, 3, tzinfo=UTC), work=second)
    add(City.NANJING, "lifting", FailureKind.DRAW, datetime(2026, 9, 30, 15, 0, tzinfo=UTC))
    october = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # 1 October 00:00 in China
    add(City.NANJING, "lifting", FailureKind.DRAW, october)
    session.commit()


def query(session, city: City | None, area: City | None) -> figures.Query:
    scope = Scope.of(make_account(session, Role.REGULATOR, city=city))
    return figures.make_query(scope, Q3, area, asked=True, measure="", today=date(2026, 10, 15))


def rows(session, q: figures.Query, key: str) -> dict[str, tuple]:
    return {str(r[0]): tuple(r[1:]) for r in figures.table(session, q, key).rows}


def test_the_dashboard_counts_refusals_by_city_and_category_in_the_readers_area(session, refused):
    province = query(session, None, None)
    assert rows(session, province, "failed_draws_by_city") == {"南京市": (1, 0, 1), "苏州市": (2, 1, 2)}
    assert rows(session, province, "failed_draws_by_category") == {
        "基坑工程": (1, 1, 1), "模板工程及支撑体系": (1, 0, 1), "起重吊装及起重机械安装拆卸工程": (1, 0, 1),
    }  # fmt: skip
    nanjing = query(session, City.NANJING, City.NANJING)
    assert rows(session, nanjing, "failed_draws_by_city") == {"南京市": (1, 0, 1)}
    assert rows(session, nanjing, "failed_draws_by_category") == {"起重吊装及起重机械安装拆卸工程": (1, 0, 1)}
    chart = figures.table(session, province, "failed_draws_by_city").chart_data()
    assert chart["series"] == [{"name": "首次抽取", "values": [1, 2]}, {"name": "补充抽取", "values": [0, 1]}]
    text = to_csv(figures.table(session, province, "failed_draws_by_city")).decode("utf-8-sig")
    assert text.splitlines() == ["设区市,首次抽取,补充抽取,涉及工程（项）", "南京市,1,0,1", "苏州市,2,1,2"]


def test_the_supervision_report_lists_the_refusals_among_its_thin_spots(session, refused, tmp_path):
    got = report_figures.gather(session, Q3, City.SUZHOU)
    pool = next(s for s in got.board.sections if s.title == "专家库")
    by = {t.key: t.rows for t in pool.tables}
    assert by["failed_draws_by_city"] == (("苏州市", 2, 1, 2),)
    first = report_pdf.supervision_report_pdf(got)  # the same figures, the same bytes
    assert first == report_pdf.supervision_report_pdf(report_figures.gather(session, Q3, City.SUZHOU))
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    body = pdf_text(first, tmp_path)
    thin = body[body.index("专家库薄弱环节") :]
    for title in (
        "因可抽专家不足未能完成的抽取（按工程所在市）",
        "因可抽专家不足未能完成的抽取（按工程类别）",
    ):
        assert title in thin
    assert re.search(r"苏州市\s+2\s+1\s+2\n", thin)
