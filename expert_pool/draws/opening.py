"""What a draw reads first, in one round trip: the latest plan version and who signed it, the fingerprints the
funnel's caches are keyed by, and the heads of the record chain and the keyed chain."""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import Session

from expert_pool.draws import record_row
from expert_pool.draws.funnel import Fingerprints, fingerprint_columns, read_fingerprints
from knowledge.plans.models import PlanSignoff, PlanVersion, SignoffKind

KINDS = tuple(SignoffKind)


class Opening(NamedTuple):
    latest: tuple[int | None, set[SignoffKind]]  # the latest plan version and the kinds of its signatures
    checked: Fingerprints
    heads: record_row.Heads


def read_opening(session: Session, work_id: int) -> Opening:
    """Heads read before the funnel is built are as safe as heads read after it: a draw stored meanwhile took
    their next position, so this one's insert fails on the unique position and the draw is retried."""
    heads = record_row.head_columns(session)
    values = session.execute(_statement(heads), {"work_id": work_id}).one()
    signed = {kind for kind, has in zip(KINDS, values[1 : 1 + len(KINDS)], strict=True) if has}
    rest = values[1 + len(KINDS) :]
    fingerprints = len(fingerprint_columns())
    return Opening(
        (values[0], signed), read_fingerprints(rest[:fingerprints]), record_row.heads_of(rest[fingerprints:])
    )


@cache
def _statement(heads: tuple[Any, ...]) -> Select[Any]:
    """Built once per dialect (``record_row.head_columns`` gives the same columns for each): constructing and
    keying it for the statement cache took longer than running it. The latest version is the highest number,
    as in ``plans.services.latest_version``."""
    latest = (select(PlanVersion.id).where(PlanVersion.work_id == bindparam("work_id"))
              .order_by(PlanVersion.number.desc()).limit(1).scalar_subquery())  # fmt: skip
    signed = [
        exists().where(PlanSignoff.plan_version_id == latest, PlanSignoff.kind == kind) for kind in KINDS
    ]
    return select(latest, *signed, *fingerprint_columns(), *heads)
