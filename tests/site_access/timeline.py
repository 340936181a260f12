"""Access rows of the site-control pages: the work's timeline, sweeps and system flags."""

from datetime import date
from typing import Any

from knowledge.accounts.models import Role

# endpoint -> roles that get 200 (every other signed-in role gets 403).
MATRIX: dict[str, set[Role]] = {
    "site.timeline": {Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN},
    "site.sweeps": {Role.REGULATOR},
    "site.sweep_detail": {Role.REGULATOR},
    "site.flags": {Role.REGULATOR},
}
POST_ONLY: set[str] = {"site.open_sweep", "site.start_scan", "site.confirm_flag", "site.dismiss_flag"}
QUERY: dict[str, set[str]] = {}


def extend_world(app: Any, session: Any, world: dict[str, Any]) -> dict[str, Any]:
    """A province-wide sweep for the sweep page."""
    from knowledge.site.inspection_models import Sweep

    sweep = Sweep(name="全省第一轮排查", starts_on=date(2025, 1, 1), ends_on=date(2025, 6, 30), city=None,
                  opened_by=world["account_id"])  # fmt: skip
    session.add(sweep)
    session.commit()
    return {"sweep_id": sweep.id}
