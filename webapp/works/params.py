"""The classification catalogue as the pages need it: kind choices and parameter values from a form."""

from __future__ import annotations

from collections.abc import Mapping

from knowledge.registry.rules import CategoryEntry, SubTypeEntry, catalogue

CATALOGUE = catalogue()
_BY_KIND: dict[str, tuple[CategoryEntry, SubTypeEntry]] = {
    f"{c.code}/{s.code}": (c, s) for c in CATALOGUE for s in c.sub_types
}
CATEGORY_LABELS = {c.code: c.label for c in CATALOGUE}
SUB_TYPE_LABELS = {(c.code, s.code): s.label for c in CATALOGUE for s in c.sub_types}
PARAMETER_LABELS = {p.code: p.label for c in CATALOGUE for s in c.sub_types for p in s.parameters}
PARAMETER_UNITS = {p.code: p.unit for c in CATALOGUE for s in c.sub_types for p in s.parameters}


def find_kind(kind: str) -> tuple[CategoryEntry, SubTypeEntry] | None:
    """``kind`` is "category/sub_type", as the pages' select sends it."""
    return _BY_KIND.get(kind)


def raw_parameters(form: Mapping[str, str], sub_type: SubTypeEntry) -> dict[str, str]:
    """The submitted values of the sub-type's parameters, as typed; the rules read and check them."""
    return {p.code: form.get(f"p_{p.code}", "").strip()[:40] for p in sub_type.parameters}


def stored_as_form(parameters: Mapping[str, object]) -> dict[str, str]:
    """A work's stored parameters as form values (bools back to 是/否)."""
    out = {}
    for code, value in parameters.items():
        out[code] = ("是" if value else "否") if isinstance(value, bool) else str(value)
    return out
