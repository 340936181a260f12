"""Access rows of the inspection-report pages: the reports, their item form, PDF and photos; inspection bodies.

The matrix's inspector belongs to an enterprise of its own, not to the world report's body: the report's pages are
404 for him (another body's report is not his to see), which ``HIDDEN`` says for tests/web/test_access.py.
"""

from typing import Any

from sqlalchemy.orm import Session

from knowledge.accounts.models import Role
from knowledge.cranes.models import Machine
from tests.crane_report_factories import key_items, make_body, make_inspector, make_published_report, photo

READERS = {Role.INSPECTION_BODY, Role.PROJECT_TEAM, Role.REGULATOR, Role.ADMIN}
REPORT_READERS = READERS - {Role.INSPECTION_BODY}  # for the matrix's inspector of another body: 404
# endpoint -> roles that get 200 (every other signed-in role gets 403).
MATRIX: dict[str, set[Role]] = {
    "cranes.report_list": READERS,
    "cranes.report_new": {Role.INSPECTION_BODY},  # the page says why an unregistered body cannot start
    "cranes.report_items": set(),  # the world's report is another body's: 404 for an inspector, 403 for the rest
    "cranes.report_detail": REPORT_READERS,
    "cranes.report_pdf_file": REPORT_READERS,
    "cranes.report_photo": REPORT_READERS,
    "cranes.report_thumb": REPORT_READERS,
    "cranes.body_list": {Role.REGULATOR, Role.ADMIN},
    "cranes.body_new": {Role.ADMIN},
}
HIDDEN: dict[str, set[Role]] = {
    endpoint: {Role.INSPECTION_BODY}
    for endpoint in (
        "cranes.report_items",
        "cranes.report_detail",
        "cranes.report_pdf_file",
        "cranes.report_photo",
        "cranes.report_thumb",
    )  # fmt: skip
}
PUBLIC: set[str] = {"cranes.report_verify"}
POST_ONLY: set[str] = {"cranes.report_publish"}
QUERY: dict[str, set[str]] = {}


def extend_world(app: Any, session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """A failed report, published, on the world's tower crane (tests/site_access/cranes.py), with a photo."""
    machine = session.get_one(Machine, world["machine_id"])
    inspector = make_inspector(session, make_body(session))
    report = make_published_report(session, inspector, machine, fail=key_items(machine.machine_type)[:1],
                                   upload_dir=app.config["UPLOAD_DIR"], photos=(photo(),))  # fmt: skip
    return {"crane_report_id": report.id, "report_photo_id": report.photos[0].id}
