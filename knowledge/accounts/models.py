"""Accounts, their roles and scope, API tokens and the login throttle."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DDL, BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.enterprises.models import Enterprise
from knowledge.regions import City


class Role(StrEnum):
    PROJECT_TEAM = "project_team"
    DRAW_OFFICE = "draw_office"
    EXPERT = "expert"
    REGULATOR = "regulator"
    # An inspector of a crane inspection body (检验检测机构), bound to the body's enterprise.
    INSPECTION_BODY = "inspection_body"
    # Separation of duties (GB/T 22239-2019 8.1.4.2 d, 8.1.5.1-8.1.5.3): the system administrator keeps the
    # stored value "admin"; the security and the audit administrator each do their own work and nothing else.
    ADMIN = "admin"
    SECURITY_ADMIN = "security_admin"
    AUDIT_ADMIN = "audit_admin"

    @property
    def label(self) -> str:
        return {
            "project_team": "项目团队",
            "draw_office": "抽取办公室",
            "expert": "评审专家",
            "regulator": "监管人员",
            "inspection_body": "检验机构",
            "admin": "系统管理员",
            "security_admin": "安全管理员",
            "audit_admin": "审计管理员",
        }[self.value]

    @property
    def has_city_scope(self) -> bool:
        """Roles that belong to the province (city NULL) or to one city."""
        return self in (Role.DRAW_OFFICE, Role.REGULATOR)

    @property
    def binds_enterprise(self) -> bool:
        """Roles that act for one enterprise: a project team, an inspection body's inspector."""
        return self in (Role.PROJECT_TEAM, Role.INSPECTION_BODY)

    @property
    def is_business(self) -> bool:
        """Roles that work on the registry and the pool (the system administrator keeps that reach too)."""
        return self not in (Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


class Account(Base):
    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("role <> 'project_team' OR enterprise_id IS NOT NULL", name="team_has_enterprise"),
        CheckConstraint("role <> 'expert' OR expert_id IS NOT NULL", name="expert_has_record"),
        CheckConstraint(
            "role <> 'inspection_body' OR enterprise_id IS NOT NULL", name="inspector_has_enterprise"
        ),
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
    # Two-factor sign-in (knowledge/accounts/two_factor.py): the TOTP secret, encrypted with TOTP_KEY; when it
    # was activated (None with a secret: an enrolment under way); the last time step accepted (a code is never
    # accepted twice); and the demo waiver of the requirement, set only by `flask seed-demo --demo`.
    totp_secret: Mapped[str | None] = mapped_column(String(256))
    two_factor_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    two_factor_waived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

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


# Accounts are disabled, never deleted (GB/T 22239-2019 8.1.4.2 c: 停用; the audit log names its actors): the
# database refuses a DELETE whatever client connects. The same statements are in migration 0019.
ACCOUNT_SQLITE_GUARDS = [
    "CREATE TRIGGER account_no_delete BEFORE DELETE ON account "
    "BEGIN SELECT RAISE(ABORT, 'accounts are disabled, never deleted'); END",
]
ACCOUNT_POSTGRES_GUARDS = [
    "CREATE OR REPLACE FUNCTION account_never_deleted() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'accounts are disabled, never deleted'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER account_no_delete BEFORE DELETE ON account FOR EACH ROW EXECUTE FUNCTION account_never_deleted()",
]
for _stmt in ACCOUNT_SQLITE_GUARDS:
    event.listen(Account.__table__, "after_create", DDL(_stmt).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]  # DDL() is unannotated
for _stmt in ACCOUNT_POSTGRES_GUARDS:
    event.listen(Account.__table__, "after_create", DDL(_stmt).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]  # DDL() is unannotated


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


class RecoveryCode(Base):
    """A two-factor recovery code: shown once, stored as a salted SHA-256, used at most once."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
