"""Audit rows as Chinese sentences (knowledge/accounts/audit_text.py): objects, names, changes, no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from knowledge.accounts.audit_text import TEXT_MAX, describe, references


@dataclass
class Row:
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


NAMES = {("seat", "293"): "专家5", ("draw", "37"): "3#楼深基坑工程", ("expert", "5"): "张三"}
STATUS = {"status": {"active": "在库", "suspended": "暂停"}}


def test_a_seat_reads_with_its_expert_and_its_draw() -> None:
    row = Row("seat_confirm", "seat", "293", after={"draw": 37})
    assert describe(row, NAMES) == "座位293（专家5）；抽取第37号记录（3#楼深基坑工程）"


def test_without_names_the_draw_still_reads_as_a_record_number() -> None:
    assert describe(Row("seat_confirm", "seat", "8", after={"draw": 37}), {}) == "座位8；抽取第37号记录"


def test_references_name_the_object_and_the_objects_its_details_point_at() -> None:
    row = Row("seat_alternate", "seat", "293", after={"draw": 37, "replaces": 5, "reason": "x"})
    assert references(row) == {("seat", "293"), ("draw", "37")}  # a panel's members are never named by a seat


def test_a_change_shows_old_and_new_in_chinese_and_skips_what_stayed() -> None:
    row = Row("expert_status", "expert", "5", before={"status": "active", "name": "张三"},
              after={"status": "suspended", "name": "张三", "reason": "信用分低于70"})  # fmt: skip
    assert describe(row, NAMES, STATUS) == "专家5（张三）；状态：在库 → 暂停，事由：信用分低于70"


def test_points_carry_their_sign() -> None:
    assert describe(Row("credit_event", "expert", "9", after={"points": 2}), {}) == "专家9；分值：+2分"


def test_typed_text_is_one_line_and_cut() -> None:
    text = describe(Row("credit_event", "expert", "9", after={"reason": "第一行\n第二行" + "长" * 200}), {})
    assert "\n" not in text and text.endswith("…") and len(text.split("事由：")[1]) == TEXT_MAX


def test_the_whole_log_and_exports_read_without_ids() -> None:
    assert describe(Row("audit_read", "audit_log", "*", after={"page": 2}), {}) == "审计日志；页码：2"


SENSITIVE = ("id_number", "phone", "email", "public_key", "seed_hash", "sha256", "password", "certificate")


@given(st.sampled_from(SENSITIVE), st.text(alphabet="0123456789*@abc", min_size=8, max_size=20))
def test_personal_data_and_secrets_never_reach_a_sentence(key: str, value: str) -> None:
    row = Row(
        "expert_update", "expert", "5", before={key: value + "0"}, after={key: value, "status": "active"}
    )
    text = describe(row, NAMES, STATUS)
    assert value not in text and text == "专家5（张三）；状态：在库"
