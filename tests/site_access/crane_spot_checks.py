"""Access rows of a crane area's pages (filled by that area)."""

from typing import Any

from knowledge.accounts.models import Role

# endpoint -> roles that get 200 (every other signed-in role gets 403).
MATRIX: dict[str, set[Role]] = {}
POST_ONLY: set[str] = set()
QUERY: dict[str, set[str]] = {}


def extend_world(app: Any, session: Any, world: dict[str, Any]) -> dict[str, Any]:
    return {}
