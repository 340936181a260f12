"""Access rows of the site-control pages: inspections."""

from typing import Any

from knowledge.accounts.models import Role
from knowledge.registry.models import Work
from tests.inspection_factories import make_inspection_rows

READERS = {Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN}
# endpoint -> roles that get 200 (every other signed-in role gets 403).
MATRIX: dict[str, set[Role]] = {
    # The world's work is not yet in force: the regulator gets the page with the reason it cannot be inspected.
    "site.new_inspection": {Role.REGULATOR},
    "site.inspection_detail": READERS,
    "site.inspection_photo": READERS,
    "site.inspection_thumb": READERS,
    "site.inspection_list": {Role.REGULATOR},
}
POST_ONLY: set[str] = {"site.confirm_careless"}
QUERY: dict[str, set[str]] = {}


def extend_world(app: Any, session: Any, world: dict[str, Any]) -> dict[str, Any]:
    """An inspection of the world's work with one photo stored on disk."""
    work = session.get(Work, world["work_id"])
    inspection, photo = make_inspection_rows(
        session, work, recorded_by=world["account_id"], upload_dir=app.config["UPLOAD_DIR"]
    )
    return {"inspection_id": inspection.id, "photo_id": photo.id}
