"""Access rows of cranes on sites: installations, the notice, qualifications, records, change of owner and the
machine's file. The world's contractor is the user of an installation on the world's project (Suzhou)."""

from typing import Any

from knowledge.accounts.models import Role
from knowledge.enterprises.models import Enterprise, Project
from tests.crane_site_factories import install, make_crane_site

READERS = {Role.PROJECT_TEAM, Role.REGULATOR, Role.ADMIN}
# endpoint -> roles that get 200 (every other signed-in role gets 403).
MATRIX: dict[str, set[Role]] = {
    "cranes.site_installations": READERS,
    "cranes.site_notice": {Role.PROJECT_TEAM, Role.ADMIN},
    "cranes.site_installation": READERS,
    "cranes.qualifications": READERS,
    "cranes.machine_records": {Role.PROJECT_TEAM},
    "cranes.change_owner": {Role.PROJECT_TEAM, Role.ADMIN},
    "cranes.machine_file": READERS,
}
POST_ONLY: set[str] = {"cranes.site_open_acceptance", "cranes.site_register_use", "cranes.site_sign",
                       "cranes.site_dismantle"}  # fmt: skip
QUERY: dict[str, set[str]] = {}


def extend_world(app: Any, session: Any, world: dict[str, Any]) -> dict[str, Any]:
    """A crane installed on the world's project with the world's contractor as its user (the world's machine,
    owned by that contractor, is the one whose file, records and owner pages are reached)."""
    project = session.get(Project, world["project_id"])
    user = session.get(Enterprise, world["enterprise_id"])
    site = make_crane_site(session, project=project, user=user)
    return {"installation_id": install(session, site).id}
