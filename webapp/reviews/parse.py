"""Reading the review forms' fields into the plain values the services take (no rules here)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from werkzeug.datastructures import MultiDict

from expert_pool.reviews.models import Conclusion
from expert_pool.reviews.rules import ATTENDEE_ROLES, REVIEW_POINTS
from knowledge.errors import ValidationError

MAX_ROWS = 30  # rows a form may carry for attendees, required changes or responses


def date_from(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError("请填写日期（YYYY-MM-DD）", field="held_on") from None


def ids_from(values: Iterable[str]) -> list[int]:
    return [int(v) for v in values if v and v.strip().isdigit()]


def attendees_from(form: MultiDict[str, str]) -> list[dict[str, str]]:
    """Rows ``attendee-role-N`` / ``attendee-name-N`` / ``attendee-unit-N``; blank names are skipped."""
    rows = []
    for n in range(MAX_ROWS):
        name = form.get(f"attendee-name-{n}")
        if name is None:
            continue
        rows.append({"role": form.get(f"attendee-role-{n}", ""), "name": name,
                     "unit": form.get(f"attendee-unit-{n}", "")})  # fmt: skip
    return [r for r in rows if r["role"] in ATTENDEE_ROLES or r["name"].strip()]


def conclusion_from(raw: str, *, field: str = "conclusion") -> Conclusion:
    try:
        return Conclusion(raw)
    except ValueError:
        raise ValidationError("请选择论证结论：通过、修改后通过或不通过", field=field) from None


def checks_from(form: MultiDict[str, str]) -> dict[str, dict[str, bool]]:
    """Radio ``check-P-ITEM`` = yes | no; an item not answered is left out (the service says which point)."""
    checks: dict[str, dict[str, bool]] = {}
    for point, (_, items) in REVIEW_POINTS.items():
        answered = {k: form.get(f"check-{point}-{k}") for k in items}
        checks[point] = {k: v == "yes" for k, v in answered.items() if v in ("yes", "no")}
    return checks


def changes_from(form: MultiDict[str, str]) -> list[tuple[str, list[int]]]:
    """Rows ``change-N`` with the experts it comes from as ``change-src-N`` (several); blank rows skipped."""
    changes = []
    for n in range(1, MAX_ROWS + 1):
        text = form.get(f"change-{n}", "").strip()
        if text:
            changes.append((text, ids_from(form.getlist(f"change-src-{n}"))))
    return changes


def responses_from(form: MultiDict[str, str]) -> dict[int, str]:
    """``response-N``: the response to required change number N."""
    return {n: form.get(f"response-{n}", "") for n in range(1, MAX_ROWS + 1) if f"response-{n}" in form}
