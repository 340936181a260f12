"""The reviews list's filters (city, category, conclusion, period, expert, constructor), its numbered pages,
its CSV/XLSX export, the scope each role keeps, and bad input (issue 22 item 7)."""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from expert_pool.draws.models import Draw, Seat, SeatStatus
from expert_pool.reviews.listing import ReviewFilter, listed_reviews
from expert_pool.reviews.meetings import open_review
from expert_pool.reviews.models import Conclusion, Review, ReviewReport
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.enterprises.models import ParticipantRole
from knowledge.regions import City
from tests.factories import (
    login,
    make_account,
    make_draw_record,
    make_enterprise,
    make_expert,
    make_plan_version,
    make_project,
    make_work,
)
from tests.web.test_page_statements import add_reviews, statements_of

_seq = itertools.count(500)


@dataclass
class World:
    reviews: dict[str, Review]
    builder_a: Any
    builder_b: Any
    owner: Any
    zhang: Any
    li: Any


def add_review(app, session, builder, *, city: City, category: str, day: date, owner=None) -> Review:
    parties = [(builder, ParticipantRole.GENERAL_CONTRACTOR)] + (
        [(owner, ParticipantRole.OWNER)] if owner else []
    )
    district = "吴中区" if city is City.SUZHOU else "江宁区"
    project = make_project(session, parties, city=city, district=district)
    work = make_work(session, project)
    work.category = category
    version = make_plan_version(session, work, app.config["UPLOAD_DIR"])
    review = open_review(session, make_draw_record(session, work, version, seq=next(_seq)))
    review.meeting_day = day
    session.commit()
    return review


def conclude(session, review: Review, conclusion: Conclusion, by: int) -> None:
    n = next(_seq)
    session.add(ReviewReport(review_id=review.id, version=1, conclusion=conclusion, drafted_by=by,
                             verify_code=f"V{n:08d}", finalised_at=datetime(2026, 12, 2, tzinfo=UTC)))  # fmt: skip
    session.commit()


def seat(session, draw_id: int, expert_id: int, status: SeatStatus = SeatStatus.CONFIRMED) -> None:
    session.add(Seat(draw_id=draw_id, expert_id=expert_id, position=next(_seq), status=status))
    session.commit()


def top_up(app, session, review: Review) -> Draw:
    """A top-up draw of the review's meeting (its own plan version only to pass the one-root-per-round index)."""
    other = make_plan_version(session, review.work, app.config["UPLOAD_DIR"])
    draw = make_draw_record(session, review.work, other, seq=next(_seq))
    draw.top_up_of = review.draw_id
    session.commit()
    return draw


@pytest.fixture
def w(app, session) -> World:
    a = make_enterprise(session, name="苏州甲建设集团有限公司")
    b = make_enterprise(session, name="南京乙建筑工程有限公司", city=City.NANJING)
    owner = make_enterprise(session, name="苏州丙置业有限公司")
    zhang, li = make_expert(session, name="张立新"), make_expert(session, name="李华")
    r = {
        "sz_pit": add_review(app, session, a, city=City.SUZHOU, category="excavation", day=date(2026, 12, 1),
                             owner=owner),
        "sz_form": add_review(app, session, a, city=City.SUZHOU, category="formwork", day=date(2026, 11, 10)),
        "nj_pit": add_review(app, session, b, city=City.NANJING, category="excavation", day=date(2026, 10, 5)),
        "nj_lift": add_review(app, session, b, city=City.NANJING, category="lifting", day=date(2026, 12, 20)),
    }  # fmt: skip
    conclude(session, r["sz_pit"], Conclusion.PASS, zhang.id)
    conclude(session, r["sz_form"], Conclusion.FAIL, li.id)
    conclude(session, r["nj_pit"], Conclusion.PASS_AFTER_REVISION, li.id)
    seat(session, r["sz_pit"].draw_id, zhang.id)
    seat(session, r["sz_form"].draw_id, li.id)
    seat(session, r["sz_form"].draw_id, zhang.id, SeatStatus.DECLINED)
    seat(session, top_up(app, session, r["nj_pit"]).id, zhang.id)  # he sat on it through a top-up draw
    return World(r, a, b, owner, zhang, li)


def listed(session, w: World, scope: Scope | None = None, **f: Any) -> set[str]:
    scope = scope or Scope(0, Role.ADMIN)
    found = set(session.scalars(listed_reviews(scope, ReviewFilter(**f))))
    return {name for name, r in w.reviews.items() if r in found}


def names(w: World, html: str) -> set[str]:
    ids = set(re.findall(r'href="/reviews/(\d+)"', html))
    return {name for name, r in w.reviews.items() if str(r.id) in ids}


def test_each_filter_narrows_the_list(session, w):
    assert listed(session, w) == {"sz_pit", "sz_form", "nj_pit", "nj_lift"}
    assert listed(session, w, city=City.NANJING) == {"nj_pit", "nj_lift"}
    assert listed(session, w, category="excavation") == {"sz_pit", "nj_pit"}
    assert listed(session, w, conclusion=Conclusion.FAIL) == {"sz_form"}
    autumn = {"held_from": date(2026, 11, 10), "held_to": date(2026, 12, 1)}
    assert listed(session, w, **autumn) == {"sz_pit", "sz_form"}
    assert listed(session, w, held_from=date(2026, 12, 2)) == {"nj_lift"}
    together = {"city": City.SUZHOU, "category": "excavation", "conclusion": Conclusion.PASS}
    assert listed(session, w, **together) == {"sz_pit"}


def test_the_expert_filter_lists_the_meetings_he_sat_on_by_id_or_name(session, w):
    # A declined seat is not a meeting he sat on; a confirmed seat of a top-up draw is.
    assert listed(session, w, expert=str(w.zhang.id)) == {"sz_pit", "nj_pit"}
    assert listed(session, w, expert="张立") == {"sz_pit", "nj_pit"}
    assert listed(session, w, expert="李华") == {"sz_form"}
    assert listed(session, w, expert="99999999999999999999") == set()  # too long for an id: read as a name


def test_the_constructor_filter_takes_a_name_or_a_credit_code_and_not_the_owner(session, w):
    assert listed(session, w, constructor="甲建设") == {"sz_pit", "sz_form"}
    assert listed(session, w, constructor=w.builder_b.credit_code.lower()) == {"nj_pit", "nj_lift"}
    assert listed(session, w, constructor="丙置业") == set()  # the owner is no constructor
    assert listed(session, w, constructor="100%") == set()


def test_a_city_regulator_stays_in_his_city_whatever_city_he_asks_for(client, session, w):
    login(client, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    html = client.get("/reviews?city=nanjing").get_data(as_text=True)
    assert names(w, html) == {"sz_pit", "sz_form"}
    assert 'name="city"' not in html and 'name="expert"' in html
    assert names(w, client.get(f"/reviews?expert={w.zhang.id}").get_data(as_text=True)) == {"sz_pit"}


def test_a_province_office_filters_by_city_and_expert(client, session, w):
    login(client, make_account(session, Role.DRAW_OFFICE))
    html = client.get(f"/reviews?city=nanjing&expert={w.zhang.name}").get_data(as_text=True)
    assert names(w, html) == {"nj_pit"}
    assert 'name="city"' in html


def test_a_team_keeps_to_its_projects_and_cannot_list_by_expert(client, session, w):
    login(client, make_account(session, Role.PROJECT_TEAM, enterprise_id=w.builder_a.id))
    html = client.get(f"/reviews?expert={w.li.id}&constructor=乙建筑").get_data(as_text=True)
    assert names(w, html) == set() and 'name="expert"' not in html
    html = client.get(f"/reviews?expert={w.li.id}").get_data(as_text=True)
    assert names(w, html) == {"sz_pit", "sz_form"}  # the expert filter is not his: ignored


def test_an_expert_still_gets_his_own_reviews_page_and_no_export(client, session, w):
    login(client, make_account(session, Role.EXPERT, expert_id=w.li.id))
    html = client.get("/reviews?city=nanjing").get_data(as_text=True)
    assert names(w, html) == {"sz_form"}
    assert client.get("/reviews/export.csv").status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("category=bridge", "未知的工程类别"),
        ("conclusion=maybe", "未知的论证结论"),
        ("city=paris", "未知的城市"),
        ("held_from=2026-02-30", "日期无效"),
        ("held_to=abc", "日期无效"),
        ("held_from=2026-12-02&held_to=2026-12-01", "起始日不能晚于截止日"),
    ],
)
def test_bad_filters_get_a_chinese_message_and_are_ignored(client, session, w, query, message):
    login(client, make_account(session, Role.ADMIN))
    response = client.get(f"/reviews?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    if "held_to=2026-12-01" not in query:
        assert names(w, html) == set(w.reviews)


@pytest.mark.parametrize("page", ["-1", "abc", "0", "²", "99999999999", "400"])
def test_an_unreadable_or_distant_page_is_never_an_error(client, session, w, page):
    login(client, make_account(session, Role.ADMIN))
    response = client.get(f"/reviews?page={page}&expert=%E2%91%A0")
    assert response.status_code == 200


def test_numbered_page_links_keep_the_filters(client, session, w, monkeypatch):
    import webapp.reviews

    monkeypatch.setattr(webapp.reviews, "PER_PAGE", 1)
    login(client, make_account(session, Role.ADMIN))
    html = client.get("/reviews?category=excavation&held_from=2026-01-01&page=2").get_data(as_text=True)
    assert names(w, html) == {"nj_pit"}  # newest first: sz_pit on page 1
    links = re.findall(r'class="page-link" href="([^"]+)">(\w+)</a>', html)
    assert ("/reviews?category=excavation&amp;held_from=2026-01-01&amp;page=1", "1") in links
    assert ("/reviews?category=excavation&amp;held_from=2026-01-01&amp;page=1", "上一页") in links
    assert re.search(r'aria-current="page"><a class="page-link" href="[^"]+page=2">2</a>', html)
    assert "共 2 条，第 2 / 2 页" in html
    past = client.get("/reviews?category=excavation&conclusion=&page=9").get_data(as_text=True)
    assert names(w, past) == {"nj_pit"} and "第 2 / 2 页" in past  # past the end: the last page
    assert "conclusion=&" not in past and "conclusion=&amp;" not in past  # empty fields leave the links


def test_the_export_holds_the_filtered_rows_the_page_would_show(client, session, w):
    login(client, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    body = client.get("/reviews/export.csv?city=nanjing&category=excavation").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:2] == ["论证编号", "危大工程名称"]
    assert [int(r[0]) for r in rows[1:]] == [w.reviews["sz_pit"].id]  # his city only, whatever he asks
    assert rows[1][9] == "通过" and rows[1][3] == "苏州市"

    client.post("/auth/logout")
    login(client, make_account(session, Role.ADMIN))
    response = client.get("/reviews/export.xlsx?conclusion=pass_after_revision")
    assert response.headers["Content-Disposition"] == "attachment; filename=weida-reviews.xlsx"
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [r[0] for r in values[1:]] == [w.reviews["nj_pit"].id] and values[1][9] == "修改后通过"
    assert client.get("/reviews/export.pdf").status_code == 404
    logged = session.scalars(select(AuditLog).where(AuditLog.action == "reviews_export")).all()
    assert len(logged) == 2


def test_the_filtered_list_sends_as_many_statements_for_twelve_rows_as_for_two(app, client, session):
    contractor = make_enterprise(session, name="苏州丁建设有限公司")
    url = f"/reviews?city=suzhou&category=excavation&held_from=2026-01-01&held_to=2026-12-31&constructor={contractor.credit_code}"  # noqa: E501
    add_reviews(app, session, contractor, 2, seq_from=1)
    login(client, make_account(session, Role.REGULATOR))
    few, page = statements_of(app, client, url)
    assert page.count("进行中") == 2
    add_reviews(app, session, contractor, 10, seq_from=3)
    many, page = statements_of(app, client, url)
    assert page.count("进行中") == 12
    assert many <= few, (few, many)
