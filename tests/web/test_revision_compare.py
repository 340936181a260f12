"""The revised plan in front of the confirmer (issue 17, item 7): the revised version and its file, each
required change beside the team's response, a section-by-section comparison, and the confirmation step."""

import pytest
from sqlalchemy import select

from expert_pool.reviews.models import Conclusion, Revision, RevisionResponse
from knowledge.accounts.models import Role
from knowledge.db import utcnow
from knowledge.registry.workflow import WorkStatus
from tests.factories import SAMPLE_PLAN, login, make_account, make_plan_version
from tests.review_fixtures import AT_MEETING, concluded, ready_meeting

OLD_LINE = "支护结构内力计算书、基坑平面布置图。"
NEW_LINE = "支护结构内力计算书、坑底抗隆起验算书、基坑平面布置图。"
RESPONSES = ("已在计算书中补充坑底抗隆起验算。", "监测点间距加密至20m，报警值见第五章。")


@pytest.fixture
def m(app, session):
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    app.config["CLOCK_OFFSET_HOURS"] = (AT_MEETING - utcnow()).total_seconds() / 3600
    report = concluded(session, meeting, Conclusion.PASS_AFTER_REVISION)
    # The revised version as the revision loop leaves it: stored, answered point by point, signed again.
    version = make_plan_version(session, meeting.work, app.config["UPLOAD_DIR"],
                                text=SAMPLE_PLAN.replace(OLD_LINE, NEW_LINE), title="深基坑方案（修改稿）")  # fmt: skip
    revision = Revision(report_id=report.id, plan_version_id=version.id, submitted_by=meeting.team.id)
    session.add(revision)
    session.flush()
    session.add_all(RevisionResponse(revision_id=revision.id, change_id=c.id, text=text)
                    for c, text in zip(report.changes, RESPONSES, strict=True))  # fmt: skip
    meeting.work.status = WorkStatus.SUPERVISOR_SIGNED
    session.commit()
    return meeting


def compare_url(m):
    return f"/reviews/{m.review.id}/revision/compare"


def status_of(session, m):
    session.expire_all()
    return session.get(type(m.work), m.work.id).status


def test_leader_sees_the_revised_version_each_response_and_what_changed(client, session, m):
    login(client, m.accounts[m.panel[0].id])  # the panel's leader confirms (default policy)
    assert f'href="{compare_url(m)}"' in client.get(f"/reviews/{m.review.id}").get_data(as_text=True)
    page = client.get(compare_url(m)).get_data(as_text=True)
    assert "第2版" in page and "深基坑方案（修改稿）" in page and "待确认" in page
    assert (
        '<td>补充坑底抗隆起验算。</td><td class="text-success">已在计算书中补充坑底抗隆起验算。</td>' in page
    )
    assert (
        '加密基坑周边监测点，明确报警值。</td><td class="text-success">监测点间距加密至20m，报警值见第五章。'
        in page
    )
    assert f"-{OLD_LINE}" in page and f"+{NEW_LINE}" in page
    section_1 = page[page.index('id="section-1"') : page.index('id="section-2"')]
    section_9 = page[page.index('id="section-9"') : page.index('id="revised-text"')]
    assert "未修改" in section_1 and "已修改" in section_9 and "未修改" not in section_9
    assert f'action="/reviews/{m.review.id}/revision/confirm"' in page
    download = client.get(f"/reviews/{m.review.id}/revision/download")
    assert download.status_code == 200 and NEW_LINE in download.get_data().decode()


def test_confirm_without_confirmation_asks_and_changes_nothing(client, session, m):
    login(client, m.accounts[m.panel[0].id])
    url = f"/reviews/{m.review.id}/revision/confirm"
    asked = client.post(url, data={})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "确认修改回复" in page and "第2版方案" in page and "不能撤回" in page
    assert 'name="confirmed" value="1"' in page
    assert status_of(session, m) is WorkStatus.SUPERVISOR_SIGNED
    assert session.scalars(select(Revision)).one().confirmed_at is None
    done = client.post(url, data={"confirmed": "1"})
    assert done.status_code == 302 and status_of(session, m) is WorkStatus.IN_FORCE
    after = client.get(compare_url(m)).get_data(as_text=True)
    assert "已确认" in after and f'action="/reviews/{m.review.id}/revision/confirm"' not in after


def test_project_team_reads_the_comparison_but_cannot_confirm(client, session, m):
    login(client, m.team)
    page = client.get(compare_url(m)).get_data(as_text=True)
    assert f"+{NEW_LINE}" in page and "确认已按论证意见修改，方案生效" not in page
    url = f"/reviews/{m.review.id}/revision/confirm"
    assert client.post(url, data={"confirmed": "1"}).status_code == 403
    assert status_of(session, m) is WorkStatus.SUPERVISOR_SIGNED


def test_other_panel_experts_and_the_office_under_the_leader_policy_cannot_confirm(client, session, m):
    login(client, m.accounts[m.panel[1].id])
    assert client.get(compare_url(m)).status_code == 403
    assert client.get(f"/reviews/{m.review.id}/revision/download").status_code == 403
    assert client.post(f"/reviews/{m.review.id}/revision/confirm", data={"confirmed": "1"}).status_code == 403
    client.post("/auth/logout")
    login(client, make_account(session, Role.DRAW_OFFICE, city=m.work.city))
    refused = client.post(f"/reviews/{m.review.id}/revision/confirm", data={}, follow_redirects=True)
    assert "修改回复由专家组组长确认" in refused.get_data(as_text=True)
    assert status_of(session, m) is WorkStatus.SUPERVISOR_SIGNED


def test_regulator_reads_it_and_a_review_without_revision_has_no_page(client, session, m, tmp_path):
    login(client, make_account(session, Role.REGULATOR, city=m.work.city))
    page = client.get(compare_url(m)).get_data(as_text=True)
    assert f"+{NEW_LINE}" in page and "确认已按论证意见修改，方案生效" not in page
    other = ready_meeting(session, str(tmp_path / "o"), seed="other")
    assert client.get(f"/reviews/{other.review.id}/revision/compare").status_code == 404
