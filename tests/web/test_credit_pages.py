"""Credit ledger pages: regulators record events, sanctions follow automatically, appeals reverse, experts read."""

from datetime import UTC, datetime

from expert_pool.experts.models import Expert, ExpertStatus
from knowledge.accounts.models import Role
from tests.factories import login, make_account, make_expert

TODAY = datetime.now(UTC).date().isoformat()


def record(client, expert_id, kind, reason="评审中未发现明显计算错误", points=""):
    return client.post(f"/experts/{expert_id}/credit", data={"kind": kind, "day": TODAY, "points": points,
                                                             "reason": reason}, follow_redirects=True)  # fmt: skip


def test_events_sanctions_and_appeals(client, session):
    expert = make_expert(session)
    login(client, make_account(session, Role.REGULATOR))
    page = record(client, expert.id, "careless_review", points="-25").get_data(as_text=True)
    assert "-20" in page and "-10" in page  # the policy's range is explained
    record(client, expert.id, "careless_review", points="-15")
    page = record(client, expert.id, "careless_review", points="-20").get_data(as_text=True)
    assert 'id="score">65<' in page and "暂停抽取" in page
    session.expire_all()
    assert session.get(Expert, expert.id).status is ExpertStatus.SUSPENDED
    from sqlalchemy import select

    from expert_pool.experts.models import CreditEventRow

    last = session.scalar(select(CreditEventRow).order_by(CreditEventRow.id.desc()))
    page = client.post(f"/experts/credit/{last.id}/reverse", data={"reason": "复核后认定结论无误"},
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "申诉成立" in page and 'id="score">85<' in page
    session.expire_all()
    assert session.get(Expert, expert.id).status is ExpertStatus.ACTIVE
    assert "85" in client.get("/experts/credit/ranking").get_data(as_text=True)


def test_bad_credit_input_and_roles(client, session):
    expert = make_expert(session)
    login(client, make_account(session, Role.REGULATOR))
    assert "请选择记录类型" in record(client, expert.id, "late_decline").get_data(as_text=True)
    assert "请写明事由" in record(client, expert.id, "training", reason=" ").get_data(as_text=True)
    client.post("/auth/logout")
    login(client, make_account(session, Role.DRAW_OFFICE))
    assert client.post(f"/experts/{expert.id}/credit", data={"kind": "training"}).status_code == 403


def test_expert_reads_his_own_ledger_only(client, session):
    account = make_account(session, Role.EXPERT)
    other = make_expert(session)
    login(client, account)
    assert 'id="score">100<' in client.get("/experts/me/credit").get_data(as_text=True)
    assert client.get(f"/experts/{other.id}/credit").status_code == 403


def test_expert_appeals_and_a_regulator_decides(client, session):
    from sqlalchemy import select

    from expert_pool.credit import ledger
    from expert_pool.credit.rules import EventKind
    from expert_pool.experts.models import CreditEventRow

    account = make_account(session, Role.EXPERT)
    today = datetime.now(UTC).date()
    ledger.record(session, account.expert_id, EventKind.NO_SHOW, day=today, reason="未到会", actor_id=None)
    event_id = session.scalar(select(CreditEventRow.id))
    login(client, account)
    assert "请写明申诉理由" in client.post(f"/experts/me/credit/{event_id}/appeal", data={"reason": ""},
                                          follow_redirects=True).get_data(as_text=True)  # fmt: skip
    page = client.post(f"/experts/me/credit/{event_id}/appeal", data={"reason": "当日因暴雨航班取消，已提前电话告知"},
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "申诉已提交" in page and "待处理" in page
    assert "已有待处理的申诉" in client.post(f"/experts/me/credit/{event_id}/appeal", data={"reason": "再次"},
                                            follow_redirects=True).get_data(as_text=True)  # fmt: skip
    other = make_account(session, Role.EXPERT)
    client.post("/auth/logout")
    login(client, other)
    assert client.post(f"/experts/me/credit/{event_id}/appeal", data={"reason": "x"}).status_code == 404
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR))
    assert "待处理的申诉 1 件" in client.get("/experts/credit/ranking").get_data(as_text=True)
    appeal_id = ledger.pending_appeals(session)[0].id
    page = client.post(f"/experts/appeals/{appeal_id}/decide", data={"decision": "upheld", "note": "情况属实"},
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "申诉成立" in page and 'id="score">100<' in page
