"""A panel short of members (DOMAIN.md §4 "Decline"): how many seats it lacks, and the draw office's top-up from
the draw record page when the automatic one (``invitations``, on a decline or an expiry) could not fill them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from expert_pool.draws import arrangement, record_row
from expert_pool.draws.decisions import DRAW_ROLES
from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.invitations import SEATED
from expert_pool.draws.models import Draw
from expert_pool.draws.services import ATTEMPTS, draws_of_meeting, top_up
from expert_pool.errors import DrawError
from knowledge import audit
from knowledge.accounts.permissions import Scope, can_view_project
from knowledge.errors import NotFoundError, PermissionDenied
from knowledge.regions import City

ACTION = "draw_top_up"


@dataclass(frozen=True)
class Shortfall:
    """A meeting's first draw, who sits on its panel now (invited or confirmed, in seat order over the draw and
    its top-ups, as the automatic top-up orders them) and the panel size that draw was made with."""

    root: Draw
    staying: tuple[int, ...]
    panel_size: int

    @property
    def missing(self) -> int:
        return self.panel_size - len(self.staying)


def shortfall(session: Session, draw: Draw) -> Shortfall:
    """The meeting's seats as ``workbench.office_tasks.panels_short`` counts them."""
    meeting = draws_of_meeting(session, draw)
    seats = sorted((s for d in meeting for s in d.seats), key=lambda s: (s.draw_id, s.position))
    staying = tuple(s.expert_id for s in seats if s.status in SEATED)
    return Shortfall(meeting[0], staying, int(meeting[0].policy["panel"]["panel_size"]))


def may_top_up(scope: Scope, city: City) -> bool:
    """The draw office of the work's city or of the province (and the admin, as for the first draw)."""
    return scope.role in DRAW_ROLES and can_view_project(scope, city, ())


def check_top_up(session: Session, draw: Draw, *, scope: Scope, now: datetime) -> Shortfall:
    """What a top-up of this draw's meeting would fill, if the scope may ask for it now.

    :raises PermissionDenied: not the draw office of the work's city or of the province.
    :raises DrawError: the meeting has begun, or its panel is not short.
    """
    root = session.get(Draw, arrangement.root_of(draw))
    if root is None:
        raise NotFoundError("抽取记录不存在")
    if not may_top_up(scope, root.work.city):
        raise PermissionDenied(_refusal(scope))
    if now >= arrangement.starts_at(session, root):
        raise DrawError("论证会已经开始或结束，不能再补充抽取")
    found = shortfall(session, root)
    if found.missing <= 0:
        raise DrawError(
            f"本次论证会在席专家{len(found.staying)}名，已达正选{found.panel_size}名，无需补充抽取"
        )
    return found


def _refusal(scope: Scope) -> str:
    if scope.role not in DRAW_ROLES:
        return "只有抽取办公室可以补充抽取论证专家"
    return "该工程不在本账号管辖的城市，不能补充抽取论证专家"


def top_up_panel(session: Session, draw: Draw, *, scope: Scope, now: datetime) -> Draw:
    """Draw the seats the meeting's panel lacks, as the automatic top-up does (``services.top_up``: the same
    rules, chain entries, bookings and invitations), with the office's audit row; commits.

    Two top-ups of one meeting at once (two offices, a double click) fill its seats once. Every draw record
    takes the next ``seq`` of the chain (unique), so a draw stored after this one read the chain's head makes
    this one's insert fail or land further down the chain; then it starts again and finds the panel full. The
    head is read before the panel is counted, so no top-up can slip in between unseen.

    :raises DrawInfeasible: too few eligible experts; the failure the service recorded is committed, no draw.
    """
    for _ in range(ATTEMPTS):
        heads = record_row.read_heads(session)
        found = check_top_up(session, draw, scope=scope, now=now)
        try:
            added = top_up(session, found.root, list(found.staying), now=now, actor_id=scope.account_id)
        except DrawInfeasible:
            session.commit()  # the refusal's DrawFailure row, added by ``top_up``; nothing of a draw
            raise
        except (IntegrityError, OperationalError):
            session.rollback()  # another draw took the chain position or an expert's half-day meanwhile
            continue
        if added.seq != (heads.seq or 0) + 1:  # a draw was stored between the two reads of the head
            session.expunge(added)  # as ``services._store`` does: the next attempt may get the same id
            session.rollback()
            continue
        audit.record(session, actor_id=scope.account_id, action=ACTION, obj=("draw", found.root.id),
                     after={"top_up": added.id, "seq": added.seq, "seats": found.missing,
                            "staying": len(found.staying)})  # fmt: skip
        session.commit()
        return added
    raise DrawError("同时进行的抽取过多，请稍后重试")
