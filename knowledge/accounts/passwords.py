"""Password hashing: scrypt (memory-hard), through Werkzeug's well-kept implementation."""

from __future__ import annotations

from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

# scrypt with N=2^15, r=8, p=1 needs 32 MiB per guess (RFC 7914 section 2 recommends N>=2^14 for logins).
DEFAULT_METHOD = "scrypt:32768:8:1"


def hash_password(password: str, method: str = DEFAULT_METHOD) -> str:
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


@cache
def dummy_hash(method: str = DEFAULT_METHOD) -> str:
    """A hash checked against when the user name is unknown, so a wrong name costs as long as
    a wrong password and the timing does not reveal which names exist."""
    return generate_password_hash("not-a-real-password-3f9c", method=method)
