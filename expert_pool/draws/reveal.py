"""The sealed panel (DOMAIN 4, "Sealed"): who is shown a draw's names, and the audit row each showing leaves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from expert_pool.draws.models import Draw
from knowledge import audit

NAME_READERS = frozenset({"draw_office", "regulator", "admin"})


def names_visible(role: str, draw: Draw, now: datetime) -> bool:
    """The project team sees only that the panel is complete until the reveal time; the office, regulators
    and the admin see the names (each view is logged by ``reveal_names``)."""
    if role in NAME_READERS:
        return True
    return role == "project_team" and now >= draw.reveal_at


def member_names_visible(draw: Draw, now: datetime) -> bool:
    """A confirmed panel member learns who sits with him at the reveal time, not when he confirms: members who
    know each other ahead of the meeting can be approached or can agree among themselves."""
    return now >= draw.reveal_at


def seed_visible(draw: Draw, now: datetime) -> bool:
    """The seed is published at the reveal time, for everyone alike (DOMAIN 4, "Verifiable"); before it only
    its hash is shown, so nobody (the office included) can replay the draw ahead of the meeting's reveal."""
    return now >= draw.reveal_at


def reveal_names(
    session: Session, draw: Draw, *, role: str, account_id: int, now: datetime, member: bool = False
) -> bool:
    """Whether this account is shown the panel's names. A seated expert (``member``) is under the same reveal
    time as the project team (issue 18): before it he sees himself and the counts only, from it his fellow members,
    leaving no trace; anyone else who is shown the names leaves a ``draw_view_names`` audit row (one commit).
    """
    if member:
        return member_names_visible(draw, now)
    if not names_visible(role, draw, now):
        return False
    audit.record(session, actor_id=account_id, action="draw_view_names", obj=("draw", draw.id))
    session.commit()
    return True
