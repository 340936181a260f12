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
    parent_id: int | None = None  # the current parent; its dated history is in GraphData.group_links


@dataclass(frozen=True, slots=True)
class GroupLink:
    """A parent–subsidiary link in force from ``start`` to ``end``, both days included (DOMAIN 5, rule 3).

    ``end`` None while the enterprise is still in the group; ``start`` None only for a link known from
    ``EnterpriseNode.parent_id`` alone, which holds on every day."""

    enterprise_id: int
    parent_id: int
    start: date | None = None
    end: date | None = None


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


# How a person is named on a plan version (the values of ``knowledge.plans.models.AuthorKind``).
AuthorKind = Literal["compiler", "checker", "approver"]


@dataclass(frozen=True, slots=True)
class PlanAuthorship:
    """An expert named on a version of the work's plan as its 编制人, 审核人 or 审批人 (DOMAIN 5, rule 4)."""

    expert_id: int
    work_id: int
    plan_version_id: int
    kind: AuthorKind
    number: int  # the version's number, shown in the path (第2版)


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
    group_links: Sequence[GroupLink] = ()  # an enterprise with any replaces its parent_id by them
    projects: Sequence[ProjectNode] = ()
    works: Sequence[WorkNode] = ()
    employments: Sequence[Employment] = ()
    participations: Sequence[Participation] = ()
    declarations: Sequence[DeclaredConflict] = ()
    authorships: Sequence[PlanAuthorship] = ()
    seats: Sequence[PanelSeat] = ()
