"""The unified social credit code (统一社会信用代码) of GB 32100-2015: structure and check character."""

from __future__ import annotations

# GB 32100-2015 section 4.2: the code's character set, 0-9 and capital letters except I, O, Z, S, V.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(CHARSET)}
# GB 32100-2015 section 5: weight of position i (1-based) is 3^(i-1) mod 31.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
LENGTH = 18


class CreditCodeError(ValueError):
    """A code that is not a valid 统一社会信用代码; the message is for a person to read."""


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (GB 32100-2015 section 5, formula C18 = 31 - MOD(Σ Ci×Wi, 31))."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    """Trim spaces and upper-case: what a person types is forgiven only that much."""
    return code.strip().replace(" ", "").upper()


def validate(code: str) -> str:
    """Return the normalized code, or raise CreditCodeError saying what is wrong, in Chinese."""
    code = normalize(code)
    if len(code) != LENGTH:
        raise CreditCodeError(f"统一社会信用代码应为18位，当前为{len(code)}位")
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        raise CreditCodeError(f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用I、O、Z、S、V）")
    if not code[2:8].isdigit():
        raise CreditCodeError("统一社会信用代码第3至8位应为行政区划代码（6位数字）")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError("统一社会信用代码校验位不正确，请核对是否录入有误")
    return code


def is_valid(code: str) -> bool:
    try:
        validate(code)
    except CreditCodeError:
        return False
    return True


def org_code_check(first8: str) -> str:
    """The 9th character of the embedded organisation code (GB 11714-1997): weights 3,7,9,10,5,8,4,2."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(_VALUE[ch] * w for ch, w in zip(first8, weights, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else ("0" if c9 == 11 else str(c9))


def make_code(registration: str, division: str, org8: str) -> str:
    """Build a complete code from the 2-character registration authority/type, division and org body."""
    body = registration + division + org8 + org_code_check(org8)
    return body + check_character(body)
