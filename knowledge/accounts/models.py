"""Accounts, their roles and scope, API tokens and the login throttle."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.enterprises.models import Enterprise
from knowledge.regions import City


class Role(StrEnum):
    PROJECT_TEAM = "project_team"
    DRAW_OFFICE = "draw_office"
    EXPERT = "expert"
    REGULATOR = "regulator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "project_team": "项目团队",
            "draw_office": "抽取办公室",
            "expert": "评审专家",
            "regulator": "监管人员",
            "admin": "系统管理员",
        }[self.value]

    @property
    def has_city_scope(self) -> bool:
        """Roles that belong to the province (city NULL) or to one city."""
        return self in (Role.DRAW_OFFICE, Role.REGULATOR)


class Account(Base):
    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("role <> 'project_team' OR enterprise_id IS NOT NULL", name="team_has_enterprise"),
        CheckConstraint("role <> 'expert' OR expert_id IS NOT NULL", name="expert_has_record"),
        CheckConstraint(
            "city IS NULL OR role IN ('draw_office', 'regulator')", name="city_only_for_scoped_roles"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    city: Mapped[City | None] = mapped_column(enum_column(City, "city"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id"), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Every signed-in session carries the generation it began in; raising it (sign-out, a new password,
    # disabling the account) ends every session at once, copied cookies included.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the password was last set (None: at creation), and whether it must change at the next sign-in
    # (a reset by the security administrator, a demo account, an expired password).
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    enterprise: Mapped[Enterprise | None] = relationship()

    @property
    def scope_label(self) -> str:
        if self.role.has_city_scope:
            return self.city.label if self.city else "省级"
        if self.enterprise is not None:
            return self.enterprise.name
        if self.expert_id is not None:
            return f"专家编号 {self.expert_id}"
        return ""


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[Account] = relationship()


class SignInCounter(Base):
    """Sign-in attempts counted per user name and source address (``pair``), and per user name from any
    address (``name``, a slower lock). Known or unknown names alike, so a lock never tells which names
    exist. Rows are only ever changed by one atomic upsert (knowledge/accounts/throttle.py)."""

    __tablename__ = "sign_in_counter"
    __table_args__ = (CheckConstraint("kind IN ('pair', 'name')", name="kind_known"),)

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PasswordHistory(Base):
    """Hashes of an account's earlier passwords (the last HISTORY_SIZE are refused as a new one)."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
