"""Seeding the demo registry: ``seed_demo`` fills an empty database in one commit."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.demo.generator import SCALES, generate
from knowledge.demo.loader import ProgressCallback, first_free_ids, load
from knowledge.enterprises.models import Enterprise
from knowledge.errors import ValidationError
from knowledge.plans.models import SignoffKind

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
    works: int
    plan_versions: int
    signoffs: int
    elapsed_seconds: float

    @property
    def counts(self) -> dict[str, int]:
        """Rows written, keyed by table name."""
        return {
            "enterprise": self.enterprises,
            "project": self.projects,
            "project_participant": self.participants,
            "expert": self.experts,
            "work": self.works,
            "plan_version": self.plan_versions,
            "plan_signoff": self.signoffs,
        }


def seed_demo(
    session: Session,
    scale: str,
    *,
    seed: int = 2024,
    on_progress: ProgressCallback | None = None,
    upload_dir: str | Path | None = None,
    signer_account_ids: Mapping[str, int] | None = None,
) -> SeedSummary:
    """Fill an empty database with demo enterprises, projects, participants, experts and 危大工程.

    ``scale`` is ``"small"`` (about 200 enterprises and 400 works, for a first look and for tests) or
    ``"province"`` (30,000 enterprises, 50,000 projects, 3,000 experts, 100,000 works). The same seed and
    options always write the same rows and files. Everything goes in one transaction: the database holds
    either all of it or none (and the plan files written are removed again when it fails).

    Every work is 危大 or over scale by ``knowledge.registry.rules.classify`` of its own parameters. How far along
    the workflow works stand depends on what the caller provides:

    - ``upload_dir``: where plan versions' files go (``<stored_name>``, UTF-8 text). Without it no plan
      version is written and every work stays ``registered``.
    - ``signer_account_ids``: existing account ids by sign-off kind (``constructor`` and ``supervisor``
      required, ``subcontractor`` optional), since a sign-off must name an account and the seed creates
      none. Without it no sign-off is written and no work is past ``plan_drafted``. Without a
      ``subcontractor`` id, subcontracted works (whose plans the subcontractor's technical lead signs
      too, Art. 11) stay at ``plan_drafted`` unsigned.

    :raises ValidationError: for an unknown scale or signer kind, or when the enterprise table holds rows.
    """
    spec = SCALES.get(scale)
    if spec is None:
        known = "、".join(SCALES)
        raise ValidationError(f"未知的演示数据规模“{scale}”，可选：{known}", field="scale")
    signers = _checked_signers(signer_account_ids)
    if session.scalar(select(Enterprise.id).limit(1)) is not None:
        raise ValidationError("数据库中已有企业数据，演示数据只能写入空库，以免重复")
    started = time.perf_counter()
    written: list[Path] = []
    try:
        rows = generate(
            spec,
            seed=seed,
            first_ids=first_free_ids(session),
            with_plans=upload_dir is not None,
            signers=signers,
        )
        if on_progress is not None:
            on_progress(GENERATED_LABEL, 1, 1)
        directory = Path(upload_dir) if upload_dir is not None else None
        load(session, rows, on_progress, upload_dir=directory, written=written)
        session.commit()
    except BaseException:
        session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return SeedSummary(
        scale=scale,
        seed=seed,
        enterprises=len(rows.enterprises),
        projects=len(rows.projects),
        participants=len(rows.participants),
        experts=len(rows.experts),
        works=len(rows.works),
        plan_versions=len(rows.plan_versions),
        signoffs=len(rows.signoffs),
        elapsed_seconds=time.perf_counter() - started,
    )


def _checked_signers(signers: Mapping[str, int] | None) -> dict[str, int] | None:
    if signers is None:
        return None
    kinds = {kind.value for kind in SignoffKind}
    unknown = sorted(set(signers) - kinds)
    if unknown:
        raise ValidationError(f"未知的签字类别：{'、'.join(unknown)}", field="signer_account_ids")
    missing = [kind for kind in ("constructor", "supervisor") if kind not in signers]
    if missing:
        raise ValidationError(f"缺少签字账号：{'、'.join(missing)}", field="signer_account_ids")
    return dict(signers)
