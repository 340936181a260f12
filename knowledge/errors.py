"""The registry domain's error family: each carries a stable code for the API and a Chinese message."""

from __future__ import annotations


class DomainError(Exception):
    """Root of every expected failure of a use case; ``str(exc)`` is the message a person reads."""

    code = "domain_error"
    status = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    code = "validation_error"


class DuplicateError(DomainError):
    code = "duplicate"
    status = 409


class NotFoundError(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403
