"""The statements a list page sends do not grow with its rows (issue 22: /reviews loaded each row's work, project
and reports lazily, 93 statements a page on PostgreSQL)."""

from sqlalchemy import event, select

from expert_pool.reviews.meetings import open_review
from expert_pool.reviews.models import Review
from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.regions import City
from tests.factories import (
    login,
    make_account,
    make_draw_record,
    make_enterprise,
    make_plan_version,
    make_project,
    make_work,
)
from webapp.extensions import db


def add_reviews(app, session, contractor, n: int, seq_from: int) -> None:
    for i in range(n):
        project = make_project(session, [(contractor, ParticipantRole.GENERAL_CONTRACTOR)], city=City.SUZHOU)
        work = make_work(session, project)
        version = make_plan_version(session, work, app.config["UPLOAD_DIR"])
        draw = make_draw_record(session, work, version, seq=seq_from + i)
        open_review(session, draw)
        session.commit()


def statements_of(app, client, url: str) -> tuple[int, str]:
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def count(*args):
        sent.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(sent), response.get_data(as_text=True)


def test_the_reviews_list_sends_as_many_statements_for_twelve_rows_as_for_two(app, client, session):
    contractor = make_enterprise(session)
    add_reviews(app, session, contractor, 2, seq_from=1)
    for account in (make_account(session, Role.REGULATOR), make_account(session, Role.PROJECT_TEAM,
                                                                          enterprise_id=contractor.id)):  # fmt: skip
        login(client, account)
        few, page = statements_of(app, client, "/reviews")
        assert page.count("/reviews/") >= 2
        client.post("/auth/logout")
    add_reviews(app, session, contractor, 10, seq_from=3)
    for account in (make_account(session, Role.REGULATOR), make_account(session, Role.PROJECT_TEAM,
                                                                          enterprise_id=contractor.id)):  # fmt: skip
        login(client, account)
        many, page = statements_of(app, client, "/reviews")
        assert page.count("进行中") >= 12
        assert many <= few, (few, many)
        client.post("/auth/logout")


def test_a_review_page_reads_its_meetings_draws_once(app, client, session):
    """Issue 22 item 8: the panel, who is present, who may read and the report each asked for the meeting's draws
    (four reads of the draw table per review page); now one read per request."""
    contractor = make_enterprise(session)
    add_reviews(app, session, contractor, 1, seq_from=1)
    login(client, make_account(session, Role.REGULATOR))
    review_id = session.scalars(select(Review.id)).one()
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def count(*args):
        sent.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(f"/reviews/{review_id}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    meeting_reads = [s for s in sent if "OR draw.top_up_of" in s]
    assert len(meeting_reads) == 1, meeting_reads
