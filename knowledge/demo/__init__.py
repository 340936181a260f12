"""Deterministic demo data, small or province-scale: ``seed_demo`` fills an empty database in one commit."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.demo.generator import SCALES, generate
from knowledge.demo.loader import ProgressCallback, first_free_ids, load
from knowledge.errors import ValidationError
from knowledge.models import Enterprise

__all__ = ["SCALES", "SeedSummary", "seed_demo"]

GENERATED_LABEL = "生成演示数据"


@dataclass(frozen=True)
class SeedSummary:
    """What one seeding run wrote: rows per table, and how long it took."""

    scale: str
    seed: int
    enterprises: int
    projects: int
    participants: int
    experts: int
    elapsed_seconds: float

    @property
    def counts(self) -> dict[str, int]:
        """Rows written, keyed by table name."""
        return {
            "enterprise": self.enterprises,
            "project": self.projects,
            "project_participant": self.participants,
            "expert": self.experts,
        }


def seed_demo(
    session: Session, scale: str, *, seed: int = 2024, on_progress: ProgressCallback | None = None
) -> SeedSummary:
    """Fill an empty database with demo enterprises, projects, participants and experts.

    ``scale`` is ``"small"`` (about 200 enterprises, for a first look and for tests) or ``"province"``
    (30,000 enterprises, 50,000 projects, 3,000 experts). The same seed always writes the same rows.
    Everything goes in one transaction: the database holds either all of it or none.

    :raises ValidationError: for an unknown scale, or when the enterprise table already holds rows.
    """
    spec = SCALES.get(scale)
    if spec is None:
        known = "、".join(SCALES)
        raise ValidationError(f"未知的演示数据规模“{scale}”，可选：{known}", field="scale")
    if session.scalar(select(Enterprise.id).limit(1)) is not None:
        raise ValidationError("数据库中已有企业数据，演示数据只能写入空库，以免重复")
    started = time.perf_counter()
    try:
        rows = generate(spec, seed=seed, first_ids=first_free_ids(session))
        if on_progress is not None:
            on_progress(GENERATED_LABEL, 1, 1)
        load(session, rows, on_progress)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return SeedSummary(
        scale=scale,
        seed=seed,
        enterprises=len(rows.enterprises),
        projects=len(rows.projects),
        participants=len(rows.participants),
        experts=len(rows.experts),
        elapsed_seconds=time.perf_counter() - started,
    )
