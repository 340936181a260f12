"""Expert pool pages: the office adds and edits, IDs masked except for the admin, an expert keeps his profile."""

from sqlalchemy import select

from expert_pool.experts.identity import IdentityVault, check_character
from expert_pool.experts.models import Expert
from knowledge.accounts.models import Role
from tests.factories import login, make_account, make_enterprise

BODY = "32050619750315002"
ID = BODY + check_character(BODY)


def expert_form(**overrides):
    data = {"name": "王工", "id_number": ID, "city": "suzhou", "title": "正高级工程师", "title_level": "full_senior",
            "phone": "13912345678", "email": "wang@example.com", "specialties": ["excavation", "formwork"],
            "annual_cap": "20"}  # fmt: skip
    data.update(overrides)
    return data


def test_office_adds_an_expert_and_sees_only_the_mask(client, session):
    login(client, make_account(session, Role.DRAW_OFFICE))
    response = client.post("/experts/new", data=expert_form(), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "专家已入库" in page and ID not in page and ID[:3] + "***********" + ID[-4:] in page
    assert "基坑工程、模板工程及支撑体系" in page
    listing = client.get("/experts/?specialty=formwork&city=suzhou").get_data(as_text=True)
    assert "王工" in listing and "王工" not in client.get("/experts/?specialty=lifting").get_data(
        as_text=True
    )


def test_admin_sees_the_full_number(client, session):
    login(client, make_account(session, Role.DRAW_OFFICE))
    client.post("/experts/new", data=expert_form())
    expert_id = session.scalar(select(Expert.id))
    client.post("/auth/logout")
    login(client, make_account(session, Role.ADMIN))
    assert ID in client.get(f"/experts/{expert_id}").get_data(as_text=True)


def test_bad_id_and_duplicate_are_shown_beside_the_field(client, session):
    login(client, make_account(session, Role.DRAW_OFFICE))
    page = client.post(
        "/experts/new", data=expert_form(id_number=BODY + "0" if ID[-1] != "0" else BODY + "1")
    )
    assert "校验位不正确" in page.get_data(as_text=True)
    client.post("/experts/new", data=expert_form())
    page = client.post("/experts/new", data=expert_form(name="李工")).get_data(as_text=True)
    assert "已登记为专家“王工”" in page
    other = "32050619750315003"
    page = client.post(
        "/experts/new", data=expert_form(specialties=[], id_number=other + check_character(other))
    )
    page = page.get_data(as_text=True)
    assert "至少选择一个专业" in page


def test_status_change_and_employment_through_the_page(client, session):
    group = make_enterprise(session, name="南通某建设集团有限公司")
    login(client, make_account(session, Role.DRAW_OFFICE))
    client.post("/experts/new", data=expert_form())
    expert_id = session.scalar(select(Expert.id))
    response = client.post(f"/experts/{expert_id}/status", data={"status": "suspended", "reason": "信用分低于70"},
                           follow_redirects=True)  # fmt: skip
    assert "暂停须注明截止日期" in response.get_data(as_text=True)
    response = client.post(f"/experts/{expert_id}/status", data={"status": "suspended", "until": "2027-05-24",
                                                                  "reason": "信用分低于70"}, follow_redirects=True)  # fmt: skip
    assert "（至2027-05-24）" in response.get_data(as_text=True)
    response = client.post(f"/experts/{expert_id}/employments", data={
        "enterprise_credit_code": group.credit_code, "position": "总工", "start": "2019-03-01", "end_date": "2022-06-30"},
        follow_redirects=True)  # fmt: skip
    assert "南通某建设集团有限公司" in response.get_data(as_text=True)


def test_expert_edits_only_his_own_profile(client, session):
    account = make_account(session, Role.EXPERT)
    login(client, account)
    page = client.get("/experts/me").get_data(as_text=True)
    assert "我的专家信息" in page
    assert "联系方式已更新" in client.post("/experts/me/contact", data={"phone": "13800001111", "email": ""},
                                          follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "电话号码格式不正确" in client.post("/experts/me/contact", data={"phone": "999"},
                                             follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "结束日期不能早于" in client.post("/experts/me/leave", data={"start": "2026-12-10", "end_date": "2026-12-01"},
                                           follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "期间不会被抽取" in client.post("/experts/me/leave", data={"start": "2026-12-01", "end_date": "2026-12-10"},
                                          follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert client.get(f"/experts/{account.expert_id}").status_code == 403
    expert = session.get(Expert, account.expert_id)
    session.refresh(expert)
    assert expert.phone_masked == "138****1111" and len(expert.leaves) == 1
    vault = IdentityVault(client.application.config["EXPERT_ID_KEY"].encode())
    assert vault.decrypt(expert.phone_encrypted or "") == "13800001111"
    assert "13800001111" in client.get("/experts/me").get_data(as_text=True)  # his own, in full
