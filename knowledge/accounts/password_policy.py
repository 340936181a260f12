"""What a password must be (GB/T 22239-2019 level 3, 8.1.4.1 a: identity authentication with complex
passwords changed periodically): its complexity, its history and its age, as data and small pure rules."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 128
CLASSES_REQUIRED = 3  # of: lower-case letters, upper-case letters, digits, other characters
HISTORY_SIZE = 5  # a new password may not be any of the last five
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@dataclass(frozen=True)
class PasswordPolicy:
    """Policy values with the defaults of issue 18 (expiry 90 days)."""

    expiry: timedelta = timedelta(days=90)


def _common() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


COMMON_PASSWORDS = _common()


def character_classes(password: str) -> int:
    kinds = (
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    )
    return sum(kinds)


def password_problem(password: str, username: str) -> str | None:
    """Why this password may not be set (in Chinese), or None when it may."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"密码长度须为{MIN_LENGTH}至{MAX_LENGTH}位"
    if character_classes(password) < CLASSES_REQUIRED:
        return "密码须包含大写字母、小写字母、数字、其他符号中的至少三类"
    if password.lower() in COMMON_PASSWORDS:
        return "该密码过于常见，容易被猜中，请换一个"
    name = username.strip().lower()
    if name and len(name) >= 3 and name in password.lower():
        return "密码不能包含用户名"
    return None


def rules_text(policy: PasswordPolicy) -> str:
    """The rules in one sentence, for the page where a password is set."""
    return (f"新密码{MIN_LENGTH}至{MAX_LENGTH}位，包含大写字母、小写字母、数字、其他符号中的至少{CLASSES_REQUIRED}类，"
            f"不能包含用户名，不能是常见密码，也不能与最近{HISTORY_SIZE}次使用过的密码相同；"
            f"密码有效期{policy.expiry.days}天。")  # fmt: skip


def is_expired(set_at: datetime, now: datetime, policy: PasswordPolicy) -> bool:
    """``set_at``: when the password was set (the account's creation for its first password)."""
    return now - set_at > policy.expiry
