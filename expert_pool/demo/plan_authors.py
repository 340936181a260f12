"""Demo plan authors (DOMAIN 5, rule 4): each seeded version's 编制人、审核人、审批人 as its title page names them,
and on a few over-scale works waiting for their draw an expert of the pool as the 审核人 (a consultant who
checked the plan), matched by his ID hash, so the office's next draw for them leaves him out and says why."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.demo.review_world import HEADER, HEADER_CHARS
from expert_pool.experts.models import Expert, ExpertSpecialty, ExpertStatus
from knowledge.demo.loader import ProgressCallback, insert_in_chunks
from knowledge.errors import ValidationError
from knowledge.plans.models import AuthorKind, PlanAuthor, PlanVersion
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import WorkStatus

EXPERT_AUTHORED_WORKS = 3  # over-scale works awaiting a draw whose latest version a pool expert checked
UNIT = re.compile(r"编制单位[:：]\s*(\S+)")
KINDS = (AuthorKind.COMPILER, AuthorKind.CHECKER, AuthorKind.APPROVER)  # the title page's order


@dataclass(frozen=True)
class AuthorSeedSummary:
    authors: int
    expert_authored: list[tuple[int, int]]  # (work id, expert id)

    @property
    def label(self) -> str:
        return (
            f"方案编制人员 {self.authors}（其中 {len(self.expert_authored)} 个待抽取工程的审核人是库内专家）"
        )


def seed_plan_authors(
    session: Session, *, seed: int = 2024, on_progress: ProgressCallback | None = None
) -> AuthorSeedSummary:
    """Write the authors of every seeded version that names them, in the session's transaction; commits.

    :raises ValidationError: when plan authors exist already.
    """
    if session.scalar(select(PlanAuthor.id).limit(1)) is not None:
        raise ValidationError("已有方案编制人员记录，演示数据只能写入尚无编制人员的数据库")
    rows: dict[int, list[dict[str, Any]]] = {}
    header = func.substr(PlanVersion.text, 1, HEADER_CHARS)
    for version_id, text in session.execute(select(PlanVersion.id, header).order_by(PlanVersion.id)):
        names, unit = HEADER.search(text or ""), UNIT.search(text or "")
        if names is not None:
            rows[version_id] = [_row(version_id, kind, name, unit.group(1) if unit else "")
                                for kind, name in zip(KINDS, names.groups(), strict=True)]  # fmt: skip
    authored = _expert_checkers(session, rows, random.Random(f"{seed}/plan-authors"))
    flat = [row for version_rows in rows.values() for row in version_rows]
    insert_in_chunks(session, PlanAuthor.__table__, flat, "写入方案编制人员", on_progress)
    session.commit()
    return AuthorSeedSummary(len(flat), authored)


def _row(version_id: int, kind: AuthorKind, name: str, unit: str) -> dict[str, Any]:
    return {"plan_version_id": version_id, "kind": kind, "name": name[:64], "unit_name": unit[:200],
            "unit_credit_code": "", "id_hash": None, "id_masked": ""}  # fmt: skip


def _expert_checkers(
    session: Session, rows: dict[int, list[dict[str, Any]]], rng: random.Random
) -> list[tuple[int, int]]:
    """Make an active expert of the work's specialty the 审核人 of the latest version of a few waiting works."""
    latest = (select(PlanVersion.work_id, func.max(PlanVersion.id).label("version_id"))
              .group_by(PlanVersion.work_id).subquery())  # fmt: skip
    waiting = session.execute(
        select(Work.id, Work.category, latest.c.version_id)
        .join(latest, latest.c.work_id == Work.id)
        .where(Work.status == WorkStatus.REVIEW_REQUESTED, Work.verdict == Verdict.OVER_SCALE)
        .order_by(Work.id)
        .limit(EXPERT_AUTHORED_WORKS)
    ).all()
    authored = []
    for work_id, category, version_id in waiting:
        experts = session.execute(
            select(Expert.id, Expert.name, Expert.id_number_hash, Expert.id_number_masked)
            .join(ExpertSpecialty, ExpertSpecialty.expert_id == Expert.id)
            .where(ExpertSpecialty.category == category, Expert.status == ExpertStatus.ACTIVE,
                   Expert.id_number_hash.is_not(None))
            .order_by(Expert.id)
        ).all()  # fmt: skip
        if not experts or version_id not in rows:
            continue
        expert_id, name, id_hash, masked = rng.choice(experts)
        checker = rows[version_id][1]
        checker.update(name=name, id_hash=id_hash, id_masked=masked, unit_name="某工程技术咨询有限公司")
        authored.append((work_id, expert_id))
    return authored
