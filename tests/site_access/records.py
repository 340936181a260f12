"""Access rows of the site-control pages: the site records of a work (briefings, monitoring, acceptance)."""

from datetime import date
from typing import Any

from knowledge.accounts.models import Role
from knowledge.site import files as site_files
from knowledge.site.models import Briefing, BriefingAttachment, BriefingKind
from tests.site_factories import png_bytes

READERS = {Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN}
# endpoint -> roles that get 200 (every other signed-in role gets 403).
MATRIX: dict[str, set[Role]] = {
    "site.records_page": READERS,
    "site.new_briefing": {Role.PROJECT_TEAM},
    "site.new_monitoring": {Role.PROJECT_TEAM},
    "site.new_acceptance": {Role.PROJECT_TEAM},
    "site.briefing_attachment": READERS,
}
POST_ONLY: set[str] = {"site.start", "site.new_alarm", "site.handle_alarm", "site.sign_acceptance"}
QUERY: dict[str, set[str]] = {}


def extend_world(app: Any, session: Any, world: dict[str, Any]) -> dict[str, Any]:
    """A briefing with one photo attached, on the world's work and plan version."""
    checked = site_files.check_photo(site_files.Upload(png_bytes(), "签到表.png"))
    stored, _ = site_files.store(checked, app.config["UPLOAD_DIR"] + "/site")
    briefing = Briefing(work_id=world["work_id"], plan_version_id=world["version_id"], kind=BriefingKind.PLAN,
                        briefed_on=date(2026, 12, 1), briefer="李技术", audience="项目部", attendees=["张三"],
                        recorded_by=world["account_id"])  # fmt: skip
    session.add(briefing)
    session.flush()
    attachment = BriefingAttachment(briefing_id=briefing.id, original_name="签到表.png", stored_name=stored,
                                    content_type=checked.content_type, size=checked.size, sha256=checked.sha256)  # fmt: skip
    session.add(attachment)
    session.commit()
    return {"attachment_id": attachment.id}
