"""Factories for test data, each with unique codes and names; overrides as keyword arguments."""

from __future__ import annotations

import itertools
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from expert_pool.models import Expert
from knowledge.accounts import Account, Role
from knowledge.creditcode import make_code
from knowledge.models import Enterprise, EnterpriseType, ParticipantRole, Project, ProjectParticipant
from knowledge.passwords import hash_password
from knowledge.regions import City

PASSWORD = "Secret@123"
TEST_HASH_METHOD = "scrypt:1024:8:1"
_seq = itertools.count(1)


def credit_code(division: str = "320506") -> str:
    return make_code("91", division, f"{next(_seq):08d}")


def make_enterprise(session: Session, **overrides: Any) -> Enterprise:
    n = next(_seq)
    fields: dict[str, Any] = {
        "name": f"苏州测试建设工程有限公司{n}",
        "credit_code": credit_code(),
        "type": EnterpriseType.CONSTRUCTOR,
        "city": City.SUZHOU,
    }
    fields.update(overrides)
    enterprise = Enterprise(**fields)
    session.add(enterprise)
    session.commit()
    return enterprise


def make_project(
    session: Session,
    participants: list[tuple[Enterprise, ParticipantRole]] = (),
    **overrides: Any,  # type: ignore[assignment]
) -> Project:
    n = next(_seq)
    fields: dict[str, Any] = {
        "name": f"苏州市吴中区测试地块住宅项目{n}",
        "city": City.SUZHOU,
        "district": "吴中区",
        "address": f"吴中区东吴北路{n}号",
    }
    fields.update(overrides)
    project = Project(**fields)
    for enterprise, role in participants:
        project.participants.append(ProjectParticipant(enterprise_id=enterprise.id, role=role))
    session.add(project)
    session.commit()
    return project


def make_expert(session: Session, **overrides: Any) -> Expert:
    fields: dict[str, Any] = {"name": f"专家{next(_seq)}", "city": City.NANJING, "title": "高级工程师"}
    fields.update(overrides)
    expert = Expert(**fields)
    session.add(expert)
    session.commit()
    return expert


def make_account(session: Session, role: Role = Role.ADMIN, **overrides: Any) -> Account:
    n = next(_seq)
    fields: dict[str, Any] = {
        "username": f"user{n}",
        "display_name": f"用户{n}",
        "password_hash": hash_password(overrides.pop("password", PASSWORD), TEST_HASH_METHOD),
        "role": role,
    }
    if role is Role.PROJECT_TEAM and "enterprise_id" not in overrides:
        fields["enterprise_id"] = make_enterprise(session).id
    if role is Role.EXPERT and "expert_id" not in overrides:
        fields["expert_id"] = make_expert(session).id
    fields.update(overrides)
    account = Account(**fields)
    session.add(account)
    session.commit()
    return account


def login(client: FlaskClient, account: Account, password: str = PASSWORD) -> Any:
    return client.post(
        "/auth/login", data={"username": account.username, "password": password}, follow_redirects=False
    )
