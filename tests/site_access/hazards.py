"""Access rows of the site-control pages: hazards."""

from typing import Any

from sqlalchemy import select

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.registry.models import Work
from knowledge.site import hazards
from knowledge.site.hazard_loop import Level, Step
from knowledge.site.hazard_models import HazardEvidence, Source
from tests.factories import make_account
from tests.hazard_factories import FOUND_ON, MAJOR_KEY, evidence

READERS = {Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN}
# endpoint -> roles that get 200 (every other signed-in role gets 403).
MATRIX: dict[str, set[Role]] = {
    "site.hazards_index": READERS,
    "site.hazard_export_list": READERS,
    "site.hazard_register": {Role.REGULATOR, Role.ADMIN},
    "site.my_hazards": {Role.PROJECT_TEAM},
    "site.hazard_detail": READERS,
    "site.hazard_evidence": READERS,
    "site.new_self_check_hazard": {Role.PROJECT_TEAM},
}
POST_ONLY: set[str] = {"site.hazard_step", "site.hazard_credit"}
QUERY: dict[str, set[str]] = {"site.hazard_export_list": {"fmt"}}


def extend_world(app: Any, session: Any, world: dict[str, Any]) -> dict[str, Any]:
    """A major hazard on the world's work, its rectification submitted with one photo."""
    work = session.get(Work, world["work_id"])
    data = hazards.HazardInput(Level.MAJOR, "基坑周边堆载超限", FOUND_ON, Source.INSPECTION, MAJOR_KEY)
    hazard = hazards.open_hazard(session, work, data, actor_id=world["account_id"])
    session.commit()
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=world["enterprise_id"])
    hazards.take_step(session, hazard, Step.SUBMIT, scope=Scope.of(team), day=FOUND_ON, note="已整改",
                      evidence=evidence(), upload_dir=app.config["UPLOAD_DIR"] + "/site")  # fmt: skip
    stored = session.scalars(select(HazardEvidence)).one()
    return {"hazard_id": hazard.id, "evidence_id": stored.id}
