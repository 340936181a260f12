"""How a task names its object in words a person recognises: project · work (detail)."""

from __future__ import annotations

DETAIL_MAX = 24


def subject(*names: str, detail: str = "") -> str:
    """``"项目 · 工作（detail）"``: the names joined by a middle dot, the detail (shortened) in brackets."""
    text = " · ".join(n for n in names if n)
    if not detail:
        return text
    short = detail if len(detail) <= DETAIL_MAX else detail[: DETAIL_MAX - 1] + "…"
    return f"{text}（{short}）"
