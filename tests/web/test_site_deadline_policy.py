"""The hazards' rectification deadlines are policy (DOMAIN.md section 8): the admin sets the days per level on the
policy page; hazards found afterwards take them, a hazard keeps the deadline it was given, bad values are refused."""

from datetime import date, timedelta

from knowledge.accounts.models import Role
from knowledge.registry.workflow import WorkStatus
from knowledge.site import hazards
from knowledge.site.deadlines import deadline_policy
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Source
from tests.factories import login, make_account
from tests.site_factories import make_site_world

FOUND = date(2026, 11, 2)


def open_one(session, world, level=Level.ORDINARY):
    data = hazards.HazardInput(level, "临边防护缺失", FOUND, Source.SELF_CHECK)
    hazard = hazards.open_hazard(session, world.work, data, actor_id=world.accounts["gc"].id)
    session.commit()
    return hazard


def test_the_admin_sets_the_days_and_new_hazards_take_them(app, client, session):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_PROGRESS)
    before = open_one(session, world)
    assert before.deadline == FOUND + timedelta(days=15)  # the default
    login(client, make_account(session, Role.ADMIN))
    page = client.get("/admin/policy").get_data(as_text=True)
    assert "隐患整改期限" in page and "一般事故隐患整改期限（天）" in page
    client.post("/admin/policy", data={"group": "site", "site.major_days": "5", "site.ordinary_days": "10"})
    session.expire_all()
    assert deadline_policy(session).days(Level.ORDINARY) == 10
    after = open_one(session, world)
    assert after.deadline == FOUND + timedelta(days=10)
    assert session.get(type(before), before.id).deadline == FOUND + timedelta(days=15)  # kept as given
    assert (
        hazards.loop_state(session.get(type(before), before.id)).is_overdue(FOUND + timedelta(days=12))
        is False
    )


def test_bad_deadlines_are_refused_with_a_message_and_nothing_changes(app, client, session):
    login(client, make_account(session, Role.ADMIN))
    for values, message in (
        ({"site.major_days": "0"}, "须在1到90之间"),
        ({"site.major_days": "30", "site.ordinary_days": "20"}, "不应长于"),
        ({"site.ordinary_days": "十五"}, "取值无效"),
    ):
        shown = client.post("/admin/policy", data={"group": "site", **values}, follow_redirects=True)
        assert message in shown.get_data(as_text=True)
    session.expire_all()
    assert deadline_policy(session).to_dict() == {"major_days": 7, "ordinary_days": 15}
