"""A classification as plain JSON data: what the registry stores and what the API answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from knowledge.registry.parameter_values import fmt
from knowledge.registry.rules import Classification, FiredClause, parameter


def value_json(value: Decimal | bool | None) -> str | bool | None:
    """Numbers as exact decimal strings ("4.99"), conditions as booleans."""
    if value is None or isinstance(value, bool):
        return value
    return fmt(value)


def clause_json(c: FiredClause) -> dict[str, Any]:
    return {
        "annex": int(c.annex),
        "clause_id": c.clause_id,
        "citation": c.citation,
        "text": c.text,
        "parameter": c.parameter,
        "parameter_label": parameter(c.parameter).label if c.parameter else None,
        "measured": value_json(c.measured),
        "threshold": value_json(c.threshold),
        "unit": c.unit,
        "operator": c.operator.value,
    }


def parameters_json(c: Classification) -> dict[str, str | bool]:
    return {code: value_json(value) for code, value in c.values}  # type: ignore[misc]


def classification_json(c: Classification) -> dict[str, Any]:
    return {
        "category": c.category,
        "sub_type": c.sub_type,
        "verdict": c.verdict.value,
        "verdict_label": c.verdict.label,
        "is_decided": c.is_decided,
        "needs_expert_review": c.needs_expert_review,
        "clauses": [clause_json(f) for f in c.fired],
        "missing": [{"code": p.code, "label": p.label, "unit": p.unit} for p in c.missing_parameters],
        "parameters": parameters_json(c),
        "rules_version": c.rules_version,
    }
