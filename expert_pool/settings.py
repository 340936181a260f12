"""Stored policy values (DOMAIN: every number marked **policy**): the table the admin edits, read by group."""

from __future__ import annotations

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


def coerce_value(cls: type[Any], key: str, raw: Any) -> Any:
    """A stored or submitted value as the type the policy dataclass ``cls`` declares for ``key``."""
    kind = {f.name: f.type for f in fields(cls)}[key]
    try:
        if kind in ("bool", bool):
            return (
                raw if isinstance(raw, bool) else str(raw).strip().lower() in ("1", "true", "是", "yes", "on")
            )
        return float(raw) if kind in ("float", float) else int(raw)
    except (TypeError, ValueError):
        raise ValidationError(f"“{key}”的取值无效：{raw}", field=key) from None


def stored_values(session: Session, prefix: str) -> dict[str, Any]:
    """The stored values of one group (``pool``, ``credit``), by key without the group's prefix."""
    rows = session.scalars(select(PolicySetting).where(PolicySetting.key.like(f"{prefix}.%")))
    return {row.key.split(".", 1)[1]: row.value for row in rows}
