"""The admin's policy page (政策参数): every setting under its Chinese label, booleans as a choice, and the
message for a value out of range names the setting and both ends."""

import re

import pytest

from expert_pool.credit.rules import CREDIT_POLICY_LABELS, CreditPolicy
from expert_pool.policy import POLICY_LABELS, PoolPolicy, pool_policy
from knowledge.accounts.models import Role
from tests.factories import login, make_account


@pytest.fixture
def admin(client, session):
    login(client, make_account(session, Role.ADMIN))


def test_every_setting_has_a_chinese_label_from_its_domain():
    for policy, labels in ((PoolPolicy(), POLICY_LABELS), (CreditPolicy(), CREDIT_POLICY_LABELS)):
        assert set(labels) == set(policy.__dataclass_fields__)
        assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels.values())


def test_the_page_shows_no_english_keys_and_booleans_as_a_choice(client, admin):
    page = client.get("/admin/policy").get_data(as_text=True)
    labels = re.findall(r"<label[^>]*>([^<]*)</label>", page)
    assert labels and not any(re.fullmatch(r"[a-z_]+", label.strip()) for label in labels)
    for shown in ("基础分", "会前临时谢绝扣分", "无故缺席扣分", "不通过后原专家回避"):
        assert shown in labels
    assert re.search(r'<select[^>]*name="pool.exclude_failed_panel"', page)
    assert 'value="True"' not in page and 'value="False"' not in page


def test_a_boolean_is_saved_from_the_choice(client, session, admin):
    client.post("/admin/policy", data={"group": "pool", "pool.exclude_failed_panel": "false"})
    session.expire_all()
    assert pool_policy(session).exclude_failed_panel is False
    client.post("/admin/policy", data={"group": "pool", "pool.exclude_failed_panel": "true"})
    session.expire_all()
    assert pool_policy(session).exclude_failed_panel is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pool.panel_size", "999", "“论证专家人数”须在5到25之间，收到999"),
        ("pool.panel_size", "4", "论证专家不得少于5名"),
        ("pool.alternates", "-1", "“候补人数”须在0到20之间，收到-1"),
        ("pool.reply_hours", "100000", "“邀请答复时限（小时）”须在1到720之间"),
        ("pool.max_local", "abc", "“本地专家上限”的取值无效"),
        ("credit.base_score", "100000", "“基础分”须在1到1000之间"),
        ("credit.no_show", "-1000", "“无故缺席扣分”须在-100到0之间"),
        ("credit.training", "x", "“完成年度培训加分”的取值无效"),
    ],
)
def test_out_of_range_values_get_the_right_message_on_both_ends(
    client, session, admin, field, value, message
):
    group = field.split(".")[0]
    page = client.post("/admin/policy", data={"group": group, field: value}, follow_redirects=True)
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    session.expire_all()
    assert pool_policy(session) == PoolPolicy()  # nothing was stored
