"""Who sat on which concluded panel (DOMAIN.md 5, rule 6 and the soft limit on experts sitting together).

The reviews package records one row per signature when a report becomes final (``record_sittings``), so the
conflict graph reads a table of its own and never the review records above it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, Session, mapped_column

from knowledge.db import Base


class PanelSitting(Base):
    """One expert's seat on a panel whose report (this version of it) is final."""

    __tablename__ = "panel_sitting"
    __table_args__ = (UniqueConstraint("report_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"), index=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"))
    report_id: Mapped[int] = mapped_column(ForeignKey("review_report.id"))
    conclusion: Mapped[str] = mapped_column(String(32))
    held_on: Mapped[date] = mapped_column(Date)


def record_sittings(
    session: Session, *, expert_ids: Iterable[int], work_id: int, review_id: int, report_id: int,
    conclusion: str, held_on: date,
) -> None:  # fmt: skip
    """The signatures of a report that has just become final, as sittings (the caller commits)."""
    session.add_all(
        PanelSitting(
            expert_id=e,
            work_id=work_id,
            review_id=review_id,
            report_id=report_id,
            conclusion=conclusion,
            held_on=held_on,
        )
        for e in sorted(set(expert_ids))
    )
