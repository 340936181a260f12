"""Access rows of the spot-check list of inspection bodies and the periodic crane bulletins."""

from datetime import UTC, date, datetime
from typing import Any

from knowledge.accounts.models import Role
from knowledge.cranes.inspection_models import Bulletin, SpotCheckFlag, SpotCheckRun
from knowledge.cranes.machines import MachineType
from knowledge.regions import City
from tests.crane_spot_factories import make_body

READERS = {Role.REGULATOR, Role.ADMIN}
# endpoint -> roles that get 200 (every other signed-in role gets 403).
MATRIX: dict[str, set[Role]] = {
    "cranes.spot_list": READERS,
    "cranes.spot_progress": READERS,
    "cranes.spot_flag": READERS,
    "cranes.spot_flag_csv": READERS,
    "cranes.spot_body": READERS,
    "cranes.spot_mine": {Role.INSPECTION_BODY},
    "cranes.bulletins": READERS,
    "cranes.bulletin_progress": READERS,
    "cranes.bulletin_file": READERS,
}
POST_ONLY: set[str] = {
    "cranes.spot_run",
    "cranes.spot_order",
    "cranes.spot_result",
    "cranes.bulletin_request",
}
QUERY: dict[str, set[str]] = {}
FIGURES = {"reports": 30, "zero_share": 0.9, "mean_nonconformities": 0.1, "median_minutes": 150.0,
           "max_reports_per_inspector_day": 3, "busiest_inspector_id": 1, "busiest_day": "2026-09-01"}  # fmt: skip


def extend_world(app: Any, session: Any, world: dict[str, Any]) -> dict[str, Any]:
    """A Suzhou inspection body with a flag on a finished run, and a finished province bulletin."""
    body = make_body(session, city=City.SUZHOU)
    now = datetime(2026, 10, 1, tzinfo=UTC)
    run = SpotCheckRun(on=date(2026, 9, 30), finished_at=now, total=30, done=30,
                       distributions={"tower_crane": {"bodies": 3, "zero_share": [0.1, 0.2, 0.9]}})  # fmt: skip
    session.add(run)
    session.flush()
    flag = SpotCheckFlag(run_id=run.id, body_id=body.id, machine_type=MachineType.TOWER_CRANE, kind="zero_share",
                         reason="零不合格项报告占比高", threshold="0.5", figures=FIGURES)  # fmt: skip
    bulletin = Bulletin(
        period="2026Q3", finished_at=now, total=8, done=8, pdf=b"%PDF-1.4 test", sha256="0" * 64
    )
    session.add_all([flag, bulletin])
    session.commit()
    return {"spot_flag_id": flag.id, "spot_body_id": body.id, "bulletin_id": bulletin.id}
