"""Issue 22 item 3: an expert's portrait counts what the records hold, and only the right accounts read it."""

import pytest

from expert_pool.portraits import expert as portraits
from expert_pool.reviews.models import Conclusion
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import PermissionDenied
from knowledge.regions import City
from tests.factories import make_account
from tests.review_fixtures import MEETING_DAY, draft, opinion, ready_meeting, record, sign_all

REGULATOR = Scope(0, Role.REGULATOR)


@pytest.fixture
def m(session, tmp_path):
    meeting = ready_meeting(session, str(tmp_path / "up"))
    record(session, meeting)
    dissenter = meeting.panel[1]
    for expert in meeting.panel:
        opinion(
            session,
            meeting,
            expert,
            Conclusion.FAIL if expert is dissenter else Conclusion.PASS_AFTER_REVISION,
        )
    sign_all(session, meeting, draft(session, meeting))
    return meeting


def test_portrait_counts_reviews_dissent_signing_time_and_companions(session, m):
    dissenter, agreeing = m.panel[1], m.panel[2]
    p = portraits.portrait(session, REGULATOR, dissenter, today=MEETING_DAY)
    assert p.reviews == 1 and p.by_year_category[0][0] == MEETING_DAY.year
    assert (p.opinions, p.differed, p.compared) == (1, 1, 1)
    assert {c.label: c.count for c in p.proposed}["不通过"] == 1
    assert p.median_sign_hours == 1.0  # drafted at the meeting, signed an hour later
    assert {c.ref_id for c in p.companions} == {e.id for e in m.panel} - {dissenter.id}
    assert [c.ref_id for c in p.constructors] == [m.gc.id]
    assert {c.label: c.count for c in p.seats}["已确认"] == 1
    other = portraits.portrait(session, REGULATOR, agreeing, today=MEETING_DAY)
    assert (other.differed, other.compared) == (0, 1)


def test_an_absent_expert_is_counted_absent_not_as_a_review(session, tmp_path):
    meeting = ready_meeting(session, str(tmp_path / "up"), seed="seed-absent")
    absent = meeting.panel[-1]
    record(session, meeting, absent=[absent.id])
    p = portraits.portrait(session, REGULATOR, absent, today=MEETING_DAY)
    assert (p.reviews, p.absences) == (0, 1)


def test_only_regulators_of_his_city_and_the_expert_himself_read_the_portrait(session, m):
    expert = m.panel[0]
    assert portraits.portrait(session, m.scope_of(expert), expert, today=MEETING_DAY).reviews == 1
    other_city = next(c for c in City if c != expert.city)
    for scope in (
        Scope.of(make_account(session, Role.REGULATOR, city=other_city)),
        Scope.of(make_account(session, Role.DRAW_OFFICE)),
        m.scope_of(m.panel[1]),
        Scope.of(m.team),
    ):
        with pytest.raises(PermissionDenied):
            portraits.portrait(session, scope, expert, today=MEETING_DAY)
    city_regulator = Scope.of(make_account(session, Role.REGULATOR, city=expert.city))
    assert portraits.portrait(session, city_regulator, expert, today=MEETING_DAY).reviews == 1
