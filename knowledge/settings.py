"""Stored policy values (DOMAIN: every number marked **policy**): the table the admin edits, read by group (the
pool's and credit's in expert_pool.policy, the hazard deadlines in knowledge.site.deadlines)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from knowledge.db import Base, UTCDateTime, utcnow
from knowledge.errors import ValidationError


class PolicySetting(Base):
    """A policy value (DOMAIN: every number marked **policy**), editable by the admin, recorded with each draw."""

    __tablename__ = "policy_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


TRUE_WORDS = ("1", "true", "是", "yes", "on")


def coerce_value(cls: type[Any], key: str, raw: Any, label: str = "") -> Any:
    """A stored or submitted value as the type the policy dataclass ``cls`` declares for ``key``."""
    kind = {f.name: f.type for f in fields(cls)}[key]
    try:
        if kind in ("bool", bool):
            return raw if isinstance(raw, bool) else str(raw).strip().lower() in TRUE_WORDS
        if kind in ("float", float):
            value = float(raw)
            if not math.isfinite(value):
                raise ValueError(raw)
            return value
        return int(str(raw).strip()) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(f"“{label or key}”的取值无效：{str(raw)[:20]}，请填写数字", field=key) from None


def check_bounds(
    values: Mapping[str, Any], bounds: Mapping[str, tuple[float, float]], labels: Mapping[str, str]
) -> None:
    """Each bounded value within its (lowest, highest), else a message naming the setting and both ends."""
    for key, (low, high) in bounds.items():
        value = values.get(key)
        if isinstance(value, int | float) and not low <= value <= high:
            raise ValidationError(
                f"“{labels.get(key, key)}”须在{low:g}到{high:g}之间，收到{value:g}", field=key
            )


def stored_values(session: Session, prefix: str) -> dict[str, Any]:
    """The stored values of one group (``pool``, ``credit``), by key without the group's prefix."""
    rows = session.scalars(select(PolicySetting).where(PolicySetting.key.like(f"{prefix}.%")))
    return {row.key.split(".", 1)[1]: row.value for row in rows}
