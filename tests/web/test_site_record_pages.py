"""Site record pages and API: briefing, start, monitoring, alarm, acceptance and signatures, as each party."""

import io

from sqlalchemy import func, select

from knowledge.accounts import signin
from knowledge.db import utcnow
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus
from knowledge.site.models import Acceptance, Briefing, Monitoring, MonitoringAlarm
from tests.factories import login
from tests.site_factories import make_site_world, png_bytes


def as_(client, world, name):
    client.post("/auth/logout")
    login(client, world.accounts[name])


def test_the_site_flow_through_the_pages(app, client, session):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_FORCE)
    wid = world.work.id
    as_(client, world, "gc")
    detail = client.get(f"/works/{wid}").get_data(as_text=True)
    assert (
        "记录方案交底" not in detail and f"/site/works/{wid}/records" in detail
    )  # no one-click briefing any more
    page = client.get(f"/site/works/{wid}/briefings/new").get_data(as_text=True)
    assert f"第{world.version.number}版" in page
    form = {"kind": "plan", "plan_version_id": str(world.version.id), "briefed_on": "2026-11-30", "briefer": "李技术",
            "audience": "项目部管理人员", "attendees": "张三，李四\n王五"}  # fmt: skip
    bad = client.post(f"/site/works/{wid}/briefings/new", data={**form, "attachments": (io.BytesIO(b"MZ exe"), "a.png")},
                      content_type="multipart/form-data")  # fmt: skip
    assert bad.status_code == 200 and "不是图片或PDF" in bad.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Briefing)) == 0
    ok = client.post(f"/site/works/{wid}/briefings/new", data={**form, "attachments": (io.BytesIO(png_bytes()), "签到.png")},
                     content_type="multipart/form-data")  # fmt: skip
    assert ok.status_code == 302
    records = client.get(f"/site/works/{wid}/records").get_data(as_text=True)
    assert "张三、李四、王五" in records and "签到.png" in records and "记录开始施工" in records
    assert client.post(f"/site/works/{wid}/start", data={}).status_code == 302
    session.expire_all()
    assert session.get(Work, wid).status is WorkStatus.IN_PROGRESS
    attachment = session.scalars(select(Briefing)).one().attachments[0]
    assert client.get(f"/site/briefing-attachments/{attachment.id}").data == png_bytes()


def test_monitoring_alarm_and_handling_pages(app, client, session):
    world = make_site_world(session, app.config["UPLOAD_DIR"])
    wid = world.work.id
    as_(client, world, "owner")
    bad = client.post(f"/site/works/{wid}/monitoring/new", data={
        "credit_code": world.enterprises["outsider"].credit_code, "starts_on": "2026-11-01"})  # fmt: skip
    assert "须是本项目登记的第三方监测单位" in bad.get_data(as_text=True)
    client.post(f"/site/works/{wid}/monitoring/new", data={
        "credit_code": world.enterprises["monitor"].credit_code, "starts_on": "2026-11-01", "scheme": "监测方案A"})  # fmt: skip
    monitoring = session.scalars(select(Monitoring)).one()
    as_(client, world, "monitor")
    client.post(f"/site/monitoring/{monitoring.id}/alarms", data={
        "raised_at": "2026-11-20T08:30", "quantity": "地表沉降", "level": "red", "value": "41.2", "unit": "mm"})  # fmt: skip
    alarm = session.scalars(select(MonitoringAlarm)).one()
    assert alarm.raised_at.hour == 0 and alarm.raised_at.minute == 30  # 08:30 in China is 00:30 UTC
    as_(client, world, "supervisor")
    client.post(
        f"/site/alarms/{alarm.id}/handling", data={"handled_on": "2026-11-20", "measures": "停止坑边堆载"}
    )
    page = client.get(f"/site/works/{wid}/records").get_data(as_text=True)
    assert "红色报警" in page and "停止坑边堆载" in page
    as_(client, world, "outsider")
    assert client.get(f"/site/works/{wid}/records").status_code == 404


def test_acceptance_is_signed_by_each_party_in_its_own_account(app, client, session):
    world = make_site_world(session, app.config["UPLOAD_DIR"])
    wid = world.work.id
    as_(client, world, "gc")
    client.post(f"/site/works/{wid}/acceptances/new", data={"accepted_on": "2026-11-30", "participants": "李技术、赵总监",
                                                           "result": "passed"})  # fmt: skip
    acceptance = session.scalars(select(Acceptance)).one()
    page = client.get(f"/site/works/{wid}/records").get_data(as_text=True)
    assert "以项目技术负责人身份签字" in page and "以总监理工程师身份签字" not in page
    refused = client.post(f"/site/acceptances/{acceptance.id}/sign", data={"kind": "chief_supervisor", "signer_name": "冒签"},
                          follow_redirects=True)  # fmt: skip
    assert refused.status_code == 403
    client.post(
        f"/site/acceptances/{acceptance.id}/sign", data={"kind": "technical_lead", "signer_name": "李技术"}
    )
    as_(client, world, "supervisor")
    client.post(
        f"/site/acceptances/{acceptance.id}/sign", data={"kind": "chief_supervisor", "signer_name": "赵总监"}
    )
    session.expire_all()
    assert session.get(Work, wid).status is WorkStatus.ACCEPTED


def test_regulators_read_but_do_not_record(app, client, session):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_FORCE)
    as_(client, world, "regulator")
    assert client.get(f"/site/works/{world.work.id}/records").status_code == 200
    assert client.get(f"/site/works/{world.work.id}/briefings/new").status_code == 403
    as_(client, world, "other_city")
    assert client.get(f"/site/works/{world.work.id}/records").status_code == 404


def token(session, account):
    return {
        "Authorization": f"Bearer {signin.create_token(session, account, 'site', now=utcnow(), valid_for=None)[1]}"
    }


def test_the_api_records_and_refuses_like_the_pages(app, client, session):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_FORCE)
    wid, gc = world.work.id, token(session, world.accounts["gc"])
    body = {"kind": "plan", "plan_version_id": world.version.id, "briefed_on": "2026-11-30", "briefer": "李技术",
            "audience": "项目部", "attendees": ["张三"]}  # fmt: skip
    stale = client.post(f"/api/v1/works/{wid}/briefings", json={**body, "plan_version_id": world.version.id + 999},
                        headers=gc)  # fmt: skip
    assert stale.status_code == 422 and "现行有效的方案版本" in stale.json["error"]["message"]
    assert client.post(f"/api/v1/works/{wid}/briefings", json=body, headers=gc).status_code == 201
    assert client.post(f"/api/v1/works/{wid}/start", headers=gc).json["status"] == "in_progress"
    sup = token(session, world.accounts["supervisor"])
    assert client.post(f"/api/v1/works/{wid}/briefings", json=body, headers=sup).status_code == 403
    other = token(session, world.accounts["other_city"])
    assert client.get(f"/api/v1/works/{wid}/site-records", headers=other).status_code == 404
    got = client.get(
        f"/api/v1/works/{wid}/site-records", headers=token(session, world.accounts["regulator"])
    ).json
    assert got["status"] == "in_progress" and got["briefings"][0]["attendees"] == ["张三"]
