"""The plain records a loader reads for the conflict graph (DOMAIN.md 5), and GraphData that bundles them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

# A concluded panel's conclusion as stored (the values of ``expert_pool.reviews.models.Conclusion``).
PanelConclusion = Literal["pass", "pass_after_revision", "fail"]


@dataclass(frozen=True, slots=True)
class ExpertNode:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class EnterpriseNode:
    id: int
    name: str
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class ProjectNode:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class WorkNode:
    """A 危大工程 of a project: names the work in a path and links it to its project (work_of)."""

    id: int
    name: str
    project_id: int


@dataclass(frozen=True, slots=True)
class Employment:
    """One job; both ends inclusive, ``end`` None while the expert still works there."""

    expert_id: int
    enterprise_id: int
    start: date
    end: date | None = None


@dataclass(frozen=True, slots=True)
class Participation:
    project_id: int
    enterprise_id: int
    role: str  # a ParticipantRole code


@dataclass(frozen=True, slots=True)
class DeclaredConflict:
    """A relative or business tie the expert declared with a unit; None dates leave that side open."""

    expert_id: int
    enterprise_id: int | None
    note: str
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class PlanAuthorship:
    expert_id: int
    work_id: int
    plan_version_id: int
    kind: Literal["author", "checker"]


@dataclass(frozen=True, slots=True)
class PanelSeat:
    expert_id: int
    work_id: int
    review_id: int
    conclusion: PanelConclusion
    day: date


@dataclass(frozen=True)
class GraphData:
    """Every row the conflict graph is built from: its input contract (``ConflictGraph.build``)."""

    experts: Sequence[ExpertNode] = ()
    enterprises: Sequence[EnterpriseNode] = ()
    projects: Sequence[ProjectNode] = ()
    works: Sequence[WorkNode] = ()
    employments: Sequence[Employment] = ()
    participations: Sequence[Participation] = ()
    declarations: Sequence[DeclaredConflict] = ()
    authorships: Sequence[PlanAuthorship] = ()
    seats: Sequence[PanelSeat] = ()
