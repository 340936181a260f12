"""Issue 22 item 4: a regulator rates a concluded review once; 优秀 and 不认真 become each signing expert's credit
event (DOMAIN 6) exactly once, even from parallel requests; nothing is written when a rating is refused."""

import pytest
from sqlalchemy import func, select

from expert_pool.errors import ReviewError
from expert_pool.experts.models import CreditEventRow
from expert_pool.reviews import ratings
from expert_pool.reviews.rating_models import Grade, ReviewRating
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import DuplicateError, PermissionDenied, ValidationError
from knowledge.regions import City
from tests.factories import make_account
from tests.integration.test_crane_sites import parallel
from tests.review_fixtures import MEETING_DAY, concluded, ready_meeting, record

NOTE = "风险辨识全面，修改意见针对性强"


@pytest.fixture
def m(session, tmp_path):
    meeting = ready_meeting(session, str(tmp_path / "up"))
    concluded(session, meeting)
    return meeting


def regulator(session, city=None):
    return Scope.of(make_account(session, Role.REGULATOR, city=city))


def events(session, kind):
    return session.scalars(select(CreditEventRow).where(CreditEventRow.kind == kind)).all()


def test_excellent_gives_each_signing_expert_the_bonus_once(session, m):
    ratings.rate_review(session, regulator(session, m.work.city), m.review.id, Grade.EXCELLENT, note=NOTE,
                        points=None, today=MEETING_DAY)  # fmt: skip
    bonus = events(session, "excellent_review")
    assert sorted(e.expert_id for e in bonus) == sorted(e.id for e in m.panel)
    assert {e.points for e in bonus} == {2} and "评价为优秀" in bonus[0].reason
    with pytest.raises(DuplicateError):
        ratings.rate_review(session, regulator(session), m.review.id, Grade.CARELESS, note=NOTE, points=-15,
                            today=MEETING_DAY)  # fmt: skip
    assert events(session, "careless_review") == []


def test_careless_takes_the_chosen_penalty_within_the_policy_range(session, m):
    scope = regulator(session)
    for points in (None, -9, -21):
        with pytest.raises(ValidationError):
            ratings.rate_review(session, scope, m.review.id, Grade.CARELESS, note=NOTE, points=points,
                                today=MEETING_DAY)  # fmt: skip
    with pytest.raises(ValidationError):
        ratings.rate_review(
            session, scope, m.review.id, Grade.CARELESS, note=" ", points=-12, today=MEETING_DAY
        )
    assert session.scalar(select(func.count()).select_from(ReviewRating)) == 0
    ratings.rate_review(session, scope, m.review.id, Grade.CARELESS, note=NOTE, points=-12, today=MEETING_DAY)
    assert {e.points for e in events(session, "careless_review")} == {-12}


def test_adequate_records_the_rating_and_no_credit_event(session, m):
    ratings.rate_review(session, regulator(session), m.review.id, Grade.ADEQUATE, note="", points=None,
                        today=MEETING_DAY)  # fmt: skip
    assert ratings.rating_of(session, m.review.id).grade is Grade.ADEQUATE
    assert session.scalar(select(func.count()).select_from(CreditEventRow)) == 0


def test_only_a_regulator_of_the_city_or_province_rates(session, m):
    other = next(c for c in City if c != m.work.city)
    for scope in (regulator(session, other), Scope.of(make_account(session, Role.DRAW_OFFICE)), Scope.of(m.team),
                  m.scope_of(m.panel[0])):  # fmt: skip
        with pytest.raises(PermissionDenied):
            ratings.rate_review(session, scope, m.review.id, Grade.EXCELLENT, note=NOTE, points=None,
                                today=MEETING_DAY)  # fmt: skip


def test_a_review_without_a_report_in_force_cannot_be_rated(session, tmp_path):
    meeting = ready_meeting(session, str(tmp_path / "up"))
    record(session, meeting)
    with pytest.raises(ReviewError):
        ratings.rate_review(session, regulator(session), meeting.review.id, Grade.EXCELLENT, note=NOTE,
                            points=None, today=MEETING_DAY)  # fmt: skip
    assert ratings.rating_of(session, meeting.review.id) is None


def test_parallel_ratings_of_one_review_record_one_rating_and_one_event_per_expert(app, session, m):
    scopes = [regulator(session) for _ in range(4)]

    def rate(own, i):
        return ratings.rate_review(own, scopes[i], m.review.id, Grade.EXCELLENT, note=NOTE, points=None,
                                   today=MEETING_DAY)  # fmt: skip

    results = parallel(app, 4, rate)
    assert sum(isinstance(r, ReviewRating) for r in results) == 1
    assert all(isinstance(r, (ReviewRating, DuplicateError)) for r in results), results
    assert session.scalar(select(func.count()).select_from(ReviewRating)) == 1
    assert len(events(session, "excellent_review")) == len(m.panel)
