"""A draw record's canonical JSON (keys sorted, no spaces, UTF-8), written once per draw: the record hash covers
exactly this text and the record's JSON columns store it, so a province's candidate list is serialised once.

``services.record_hash`` stays the reference: it re-serialises a stored record from its values, and a record
written from these texts must hash the same (verification checks every record that way).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from expert_pool.draws.panel import Candidate

# Distinct candidates (an expert with his city, specialties and recent reviews) whose text is kept: a
# province's pool in every category, with room for the recent-review counts to change.
CANDIDATE_TEXTS = 1 << 15


# One encoder for every call: json.dumps builds a new one whenever it is given options, which took longer than
# encoding a candidate.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def dumps(value: Any) -> str:
    """The canonical text of one JSON value (as ``services.record_hash`` writes a whole record)."""
    return _ENCODER.encode(value)


@lru_cache(maxsize=CANDIDATE_TEXTS)
def candidate_text(candidate: Candidate) -> str:
    """A candidate's canonical text: the same candidates come back draw after draw (the pool snapshot keeps
    them), so most draws only look theirs up."""
    return dumps(candidate.to_dict())


def candidates_text(candidates: Iterable[Candidate]) -> str:
    """The canonical text of ``[c.to_dict() for c in candidates]``."""
    return array_text(map(candidate_text, candidates))


def array_text(items: Iterable[str]) -> str:
    """The canonical text of an array whose items are already canonical texts."""
    return "[" + ",".join(items) + "]"


def object_text(members: Mapping[str, str]) -> str:
    """The canonical text of an object whose members' values are already canonical texts."""
    return "{" + ",".join(f"{dumps(name)}:{members[name]}" for name in sorted(members)) + "}"
