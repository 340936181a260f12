"""Issue 22 item 4: the rating form on a concluded review's page, for regulators only; its refusals in Chinese."""

import pytest

from expert_pool.reviews import ratings
from knowledge.accounts.models import Role
from tests.factories import login, make_account
from tests.review_fixtures import concluded, ready_meeting


@pytest.fixture
def m(app, session):
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    concluded(session, meeting)
    return meeting


def test_regulator_rates_the_review_from_its_page(client, session, m):
    login(client, make_account(session, Role.REGULATOR, city=m.work.city))
    page = client.get(f"/reviews/{m.review.id}").get_data(as_text=True)
    assert 'id="rating-form"' in page
    done = client.post(f"/reviews/{m.review.id}/rating", data={"grade": "excellent", "note": "意见准确"},
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "已将该论证报告评价为“优秀”" in done and 'id="rating-result"' in done
    again = client.post(f"/reviews/{m.review.id}/rating", data={"grade": "careless", "points": "-12", "note": "x"},
                        follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "已评价" in again
    session.expire_all()
    assert ratings.rating_of(session, m.review.id).grade.value == "excellent"


def test_bad_input_is_refused_in_chinese_and_saves_nothing(client, session, m):
    login(client, make_account(session, Role.REGULATOR))
    for data, message in (({}, "请选择评价等级"), ({"grade": "careless", "points": "abc"}, "请选择评价等级"),
                          ({"grade": "careless", "points": "-50", "note": "x"}, "扣分须在"),
                          ({"grade": "excellent"}, "请写明理由")):  # fmt: skip
        page = client.post(f"/reviews/{m.review.id}/rating", data=data, follow_redirects=True)
        assert page.status_code == 200 and message in page.get_data(as_text=True)
    assert ratings.rating_of(session, m.review.id) is None


def test_the_panel_and_the_team_see_no_rating_form_and_cannot_post(app, session, m):
    for account in (m.accounts[m.panel[0].id], m.team):
        client = app.test_client()
        login(client, account)
        assert 'id="rating-form"' not in client.get(f"/reviews/{m.review.id}").get_data(as_text=True)
        assert client.post(f"/reviews/{m.review.id}/rating", data={"grade": "excellent"}).status_code == 403
