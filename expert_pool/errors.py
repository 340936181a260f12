"""The expert pool's error family (DomainError subclasses with Chinese messages and API codes)."""

from __future__ import annotations

from knowledge.errors import DomainError, ValidationError


class ExpertError(ValidationError):
    code = "expert_error"


class DrawError(DomainError):
    code = "draw_error"
    status = 409


class ReviewError(DomainError):
    code = "review_error"
    status = 409
