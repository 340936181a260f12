"""Masks of experts' contact details (issue 18): what lists, pages, the API and logs show instead of them."""

import pytest

from expert_pool.experts.contacts import masked_address
from knowledge.identity import mask_email, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 13812345678 ", "138****5678"),
        ("025-12345678", "025****5678"),
        ("12345678", "123****5678"),
        ("1234567", "1******"),
        ("5", "5"),
        ("", ""),
        ("一二三四五六七八九", "一二三****六七八九"),
    ],
)
def test_a_phone_keeps_its_first_three_and_last_four_characters_only(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhangsan@example.com", "z***@example.com"),
        ("z@example.com", "z***@example.com"),
        ("张三@例子.中国", "张***@例子.中国"),
        ("@example.com", "****@example.com"),
        ("a@b@example.com", "a***@example.com"),
        ("no-at-sign", "n***"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_an_email_keeps_the_first_character_and_the_domain_only(email, masked):
    assert mask_email(email) == masked


def test_a_mask_never_holds_the_middle_of_the_number():
    assert "1234" not in mask_phone("13812345678") and "angsan" not in mask_email("zhangsan@example.com")


def test_a_logged_recipient_is_masked_unless_it_is_a_queue_name():
    assert masked_address("zhangsan@example.com") == "z***@example.com"
    assert masked_address("13812345678") == "138****5678"
    assert masked_address("expert:12") == "expert:12"
