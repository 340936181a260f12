"""GB 32100-2015 credit codes: the check character and the structure."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.enterprises.creditcode import (
    CHARSET,
    CreditCodeError,
    check_character,
    is_valid,
    make_code,
    validate,
)

# Codes published on the national enterprise credit information system.
REAL_CODES = ["914403001922038216", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert validate(code) == code


def test_lower_case_and_spaces_are_normalised():
    assert validate(" 91110000802100433b ") == "91110000802100433B"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91110000802100433", "应为18位"),
        ("91110000802100433BB", "应为18位"),
        ("91110000802100433O", "不允许的字符"),  # O is not in the code's character set
        ("9111000080210043IB", "不允许的字符"),
        ("91AB0000802100433B", "行政区划代码"),
        ("91110000802100433C", "校验位不正确"),
    ],
)
def test_invalid_codes_say_what_is_wrong(code, message):
    with pytest.raises(CreditCodeError, match=message):
        validate(code)


def test_every_single_character_typo_in_the_body_is_caught():
    code = REAL_CODES[0]
    for pos in range(17):
        for ch in CHARSET:
            if ch == code[pos]:
                continue
            typo = code[:pos] + ch + code[pos + 1 :]
            if typo[2:8].isdigit():
                assert not is_valid(typo), typo


@given(st.text(alphabet=CHARSET, min_size=8, max_size=8), st.sampled_from(["320102", "320583", "321324"]))
def test_made_codes_validate(org8, division):
    code = make_code("91", division, org8)
    assert is_valid(code)
    assert code[17] == check_character(code[:17])
