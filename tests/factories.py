"""Factories for test data, each with unique codes and names; overrides as keyword arguments."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from expert_pool.experts.models import Expert
from knowledge.accounts.models import Account, Role
from knowledge.accounts.passwords import hash_password
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.creditcode import make_code
from knowledge.enterprises.models import (
    Enterprise,
    EnterpriseType,
    ParticipantRole,
    Project,
    ProjectParticipant,
)
from knowledge.identity import IdentityVault
from knowledge.plans.authors import AuthorInput
from knowledge.plans.models import PlanVersion
from knowledge.regions import City
from knowledge.registry.models import Work

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
    """``phone``/``email`` are stored as the services store them, encrypted with ``vault`` (the app's key for
    pages that decrypt them; ``TEST_VAULT`` by default)."""
    from expert_pool.experts.contacts import contact_fields

    fields: dict[str, Any] = {"name": f"专家{next(_seq)}", "city": City.NANJING, "title": "高级工程师"}
    vault = overrides.pop("vault", None) or TEST_VAULT
    phone, email = overrides.pop("phone", ""), overrides.pop("email", "")
    if phone or email:
        fields.update(contact_fields(vault, phone, email))
    fields.update(overrides)
    expert = Expert(**fields)
    session.add(expert)
    session.commit()
    return expert


def make_account(session: Session, role: Role = Role.ADMIN, **overrides: Any) -> Account:
    """An account that signs in with its password alone: the two-factor requirement of its role is waived
    (``two_factor_waived=False`` to have it, as tests/*/test_two_factor*.py do)."""
    n = next(_seq)
    fields: dict[str, Any] = {
        "username": f"user{n}",
        "display_name": f"用户{n}",
        "password_hash": hash_password(overrides.pop("password", PASSWORD), TEST_HASH_METHOD),
        "role": role,
        "two_factor_waived": True,
    }
    if role.binds_enterprise and "enterprise_id" not in overrides:
        fields["enterprise_id"] = make_enterprise(session).id
    if role is Role.EXPERT and "expert_id" not in overrides:
        fields["expert_id"] = make_expert(session).id
    fields.update(overrides)
    account = Account(**fields)
    session.add(account)
    session.commit()
    return account


def admin_scope(session: Session) -> Scope:
    """The scope of a new admin account (whoever may add an expert of any city)."""
    return Scope.of(make_account(session, Role.ADMIN))


def login(client: FlaskClient, account: Account, password: str = PASSWORD) -> Any:
    return client.post(
        "/auth/login", data={"username": account.username, "password": password}, follow_redirects=False
    )


SAMPLE_PLAN = """第一章 工程概况
本工程基坑开挖深度6.50m，采用钻孔灌注桩加一道钢筋混凝土内支撑的支护形式。
第二章 编制依据
《建筑基坑支护技术规程》JGJ 120-2012；《建筑基坑工程监测技术标准》GB 50497-2019。
第三章 施工计划
施工进度计划、材料与设备计划。
第四章 施工工艺技术
工艺流程：测量放线→支护桩施工→冠梁及支撑施工→分层开挖。
第五章 施工安全保证措施
组织保障措施、技术措施、监测监控措施。
第六章 施工管理及作业人员配备和分工
项目经理、技术负责人、专职安全员及作业人员职责分工。
第七章 验收要求
验收标准、验收程序、验收内容、验收人员。
第八章 应急处置措施
应急救援组织、应急物资、基坑坍塌应急处置。
第九章 计算书及相关施工图纸
支护结构内力计算书、基坑平面布置图。
"""
# Who a test plan version names: one compiler (a new version needs one), as PlanUpload rows and as form fields.
PLAN_AUTHORS = (AuthorInput("compiler", "王编制", "苏州某建设有限公司"),)
PLAN_AUTHOR_FORM = {
    "authors-0-kind": "compiler",
    "authors-0-name": "王编制",
    "authors-0-unit": "苏州某建设有限公司",
}
PLAN_AUTHOR_JSON = '[{"kind": "compiler", "name": "王编制", "unit": "苏州某建设有限公司"}]'
TEST_VAULT = IdentityVault(IdentityVault.new_key())


def make_work(session: Session, project: Project, **overrides: Any) -> Work:
    """A registered deep excavation of 6 m (over scale by 附件2 一), unless overridden."""
    from knowledge.registry.rules import classify
    from knowledge.registry.services import build_work, classification_fields

    category = overrides.pop("category", "excavation")
    sub_type = overrides.pop("sub_type", "foundation_pit")
    parameters = overrides.pop("parameters", {"excavation_depth": "6", "complex_conditions": False,
                                               "affects_adjacent_structures": False})  # fmt: skip
    fields: dict[str, Any] = {
        "project": project,
        "name": f"1#楼基坑支护及土方开挖工程{next(_seq)}",
        **classification_fields(classify(category, parameters, sub_type)),
    }
    fields.update(overrides)
    status = fields.pop("status", None)
    work = build_work(fields, actor_id=None)
    if status is not None:
        work.status = status
    session.add(work)
    session.commit()
    return work


def make_plan_version(
    session: Session, work: Work, upload_dir: str, text: str = SAMPLE_PLAN, authors: Sequence[Any] = (),
    **overrides: Any,
) -> PlanVersion:  # fmt: skip
    """A stored TXT plan version of ``work`` (the file really exists under ``upload_dir``), with ``authors``
    (``PlanAuthor`` rows, not yet tied to a version) when given."""
    import hashlib

    from sqlalchemy import func, select

    from knowledge.plans.files import store

    data = text.encode("utf-8")
    number = (
        session.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.work_id == work.id)) or 0
    ) + 1
    fields: dict[str, Any] = {
        "work_id": work.id, "number": number, "title": f"{work.name}专项施工方案", "original_name": "方案.txt",
        "stored_name": store(data, upload_dir, "txt"), "content_type": "text/plain", "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(), "text": text, "sections_found": list(range(1, 10)),
    }  # fmt: skip
    fields.update(overrides)
    version = PlanVersion(**fields)
    version.authors = list(authors)
    session.add(version)
    session.commit()
    return version


def make_draw_record(session: Session, work: Work, version: PlanVersion, seq: int = 1) -> Any:
    """A stored draw record with no seats (for pages that only need one to exist)."""
    from datetime import UTC, date, datetime

    from expert_pool.draws.models import Draw, HalfDay
    from expert_pool.draws.panel import PanelPolicy
    from expert_pool.draws.services import GENESIS, record_hash

    draw = Draw(seq=seq, work_id=work.id, plan_version_id=version.id, meeting_day=date(2026, 12, 1), half_day=HalfDay.AM,
                requested_at=datetime(2026, 11, 1, tzinfo=UTC), reveal_at=datetime(2026, 11, 30, tzinfo=UTC),
                seed_hash="0" * 64, seed="s", algorithm="weighted-sample/1",
                policy={"panel": PanelPolicy(home_city=work.city).to_dict(), "pool": {}},
                funnel={"pool": 0, "eligible": 0, "excluded": [], "excluded_by_reason": {}}, candidates=[], seated=[],
                alternates=[], prev_hash=GENESIS, record_hash="")  # fmt: skip
    draw.record_hash = record_hash(draw)
    session.add(draw)
    session.commit()
    return draw
