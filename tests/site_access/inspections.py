"""Access rows of the site-control pages: inspections."""

from typing import Any

from knowledge.accounts.models import Role  # noqa: F401

# endpoint -> roles that get 200 (every other signed-in role gets 403).
MATRIX: dict[str, set[Role]] = {}
POST_ONLY: set[str] = set()
QUERY: dict[str, set[str]] = {}


def extend_world(app: Any, session: Any, world: dict[str, Any]) -> dict[str, Any]:
    """Ids the routes of this part need (e.g. an inspection_id), added to the access test's world."""
    return {}
