"""Replaying a stored draw record (DOMAIN.md §4, "Verifiable"): a whole panel or a top-up, by the record's kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expert_pool.draws.panel import Panel
from expert_pool.draws.selection import replay_panel
from expert_pool.draws.top_up import replay_top_up
from knowledge.errors import ValidationError


def replay(record_inputs: Mapping[str, Any]) -> Panel:
    """Redraw a stored draw from its candidates, policy and seed: the same panel, bit for bit.

    A record with ``kind: "top_up"`` (``expert_pool.draws.top_up.top_up_inputs``) is redrawn as a top-up draw;
    one without ``kind`` (or ``kind: "panel"``) as a whole panel.
    """
    kind = record_inputs.get("kind", "panel")
    if kind == "top_up":
        return replay_top_up(record_inputs)
    if kind != "panel":
        raise ValidationError(f"未知的抽取类型：{kind}")
    return replay_panel(record_inputs)
