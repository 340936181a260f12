"""Search documents built from the database: plan versions and works here (``REGISTRY``); review conclusions are a
kind of ``expert_pool.reviews.search_docs``, whose ``CATALOGUE`` holds every kind the index holds.

The index knows no model: these functions turn rows into the plain dicts of ``search_index.documents``. A
document carries what permissions filter on (the project's city and its units' enterprise ids, the same rule
as ``knowledge.accounts.permissions.can_view_project``), the facets, and the text; the index stores only what a hit
shows. ``allowed_for`` turns an account's scope into the index's grant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.clock import CST
from knowledge.enterprises.models import Enterprise, Project, ProjectParticipant
from knowledge.plans.extraction import indexed_text
from knowledge.plans.models import PlanVersion
from knowledge.plans.sections import find_sections
from knowledge.regions import DISTRICTS, City
from knowledge.registry.models import Work
from knowledge.registry.rules import catalogue
from search_index.documents import make_doc_id
from search_index.query import Allowed

Document = dict[str, Any]
KIND_LABELS = {"plan": "专项施工方案", "work": "危大工程", "review": "专家论证"}
CATEGORY_NAMES = {c.code: c.label for c in catalogue()}
SUB_TYPE_NAMES = {(c.code, s.code): s.label for c in catalogue() for s in c.sub_types}
# Dates and years as people in Jiangsu read them: a plan submitted at 23:30 UTC on 31 Dec is next year's.
BATCH = 500


class UnknownDocument(ValueError):
    """A doc_id of no known kind, or with a key that is not a number."""


@dataclass(frozen=True)
class ProjectFacts:
    """What every document of a project repeats: its place and its units (whose accounts may see it)."""

    name: str
    city: City
    district: str
    enterprise_ids: tuple[int, ...]
    units: tuple[str, ...]


def project_facts(session: Session, project_ids: Iterable[int] | None = None) -> dict[int, ProjectFacts]:
    """Facts of the given projects (all of them for None), in two queries."""
    wanted = None if project_ids is None else sorted(set(project_ids))
    projects = select(Project.id, Project.name, Project.city, Project.district)
    parts = (
        select(ProjectParticipant.project_id, ProjectParticipant.enterprise_id, Enterprise.name)
        .join(Enterprise, Enterprise.id == ProjectParticipant.enterprise_id)
        .order_by(ProjectParticipant.id)
    )
    if wanted is not None:
        projects = projects.where(Project.id.in_(wanted))
        parts = parts.where(ProjectParticipant.project_id.in_(wanted))
    units: dict[int, dict[int, str]] = {}
    for project_id, enterprise_id, name in session.execute(parts):
        units.setdefault(project_id, {}).setdefault(enterprise_id, name)
    return {
        pid: ProjectFacts(
            name, city, district, tuple(sorted(units.get(pid, {}))), tuple(units.get(pid, {}).values())
        )
        for pid, name, city, district in session.execute(projects)
    }


def place_fields(facts: ProjectFacts) -> Document:
    """The place, units and enterprise ids every document of the project repeats."""
    codes = {name: code for code, name in DISTRICTS.get(facts.city, {}).items()}
    return {
        "city": facts.city.value,
        "city_name": facts.city.label,
        "district": codes.get(facts.district, ""),
        "district_name": facts.district,
        "enterprise_ids": list(facts.enterprise_ids),
        "units": list(facts.units),
    }


def _day(moment: datetime) -> tuple[int, str]:
    local = moment.astimezone(CST).date()
    return local.year, local.isoformat()


def split_sections(text: str) -> list[tuple[str, str, str]]:
    """The text cut at the headings of the nine required sections, as (number, heading, text); empty when the
    plan has none of them (its text is then the body). Text before the first heading is a section of its own."""
    headings = {line.strip() for line in find_sections(text).headings.values()}
    if not headings:
        return []
    sections: list[tuple[str, str, str]] = []
    heading, lines = "", list[str]()
    for line in text.splitlines():
        if line.strip() in headings:
            if heading or "".join(lines).strip():
                sections.append(("", heading, "\n".join(lines).strip()))
            heading, lines = line.strip(), []
        else:
            lines.append(line)
    sections.append(("", heading, "\n".join(lines).strip()))
    return sections


def _plan(version: PlanVersion, work: Work, facts: ProjectFacts) -> Document:
    year, day = _day(version.submitted_at)
    text = indexed_text(version.text or "")  # capped: one document must not hold the index writer for long
    sections = split_sections(text)
    return {
        "doc_id": make_doc_id("plan", version.id),
        "kind": "plan",
        "title": f"{version.title}（第{version.number}版）",
        "url": f"/works/plans/{version.id}",
        **place_fields(facts),
        "category": work.category,
        "category_name": CATEGORY_NAMES.get(work.category, work.category),
        "verdict": work.verdict.value,
        "project_id": work.project_id,
        "plan_key": str(work.id),
        "plan_version": version.number,
        "year": year,
        "date": day,
        "sections": sections,
        "body": "" if sections else text,
    }


def _work(work: Work, facts: ProjectFacts) -> Document:
    year, day = _day(work.created_at)
    clauses = [f"{c.get('citation', '')} {c.get('text', '')}".strip() for c in work.clauses or ()]
    body = [facts.name, work.location, SUB_TYPE_NAMES.get((work.category, work.sub_type), ""), *clauses]
    return {
        "doc_id": make_doc_id("work", work.id),
        "kind": "work",
        "title": work.name,
        "url": f"/works/{work.id}",
        **place_fields(facts),
        "category": work.category,
        "category_name": CATEGORY_NAMES.get(work.category, work.category),
        "verdict": work.verdict.value,
        "project_id": work.project_id,
        "year": year,
        "date": day,
        "body": "\n".join(line for line in body if line),
    }


def plan_document(session: Session, version: PlanVersion) -> Document:
    work = version.work
    return _plan(version, work, project_facts(session, [work.project_id])[work.project_id])


def work_document(session: Session, work: Work) -> Document:
    return _work(work, project_facts(session, [work.project_id])[work.project_id])


def _load_plan(session: Session, key: int) -> Document | None:
    version = session.get(PlanVersion, key)
    return None if version is None else plan_document(session, version)


def _load_work(session: Session, key: int) -> Document | None:
    work = session.get(Work, key)
    return None if work is None else work_document(session, work)


def _iter_plans(session: Session, facts: Mapping[int, ProjectFacts]) -> Iterator[Document]:
    stmt = select(PlanVersion, Work).join(Work, Work.id == PlanVersion.work_id).order_by(PlanVersion.id)
    for version, work in session.execute(stmt.execution_options(yield_per=BATCH)):
        yield _plan(version, work, facts[work.project_id])


def _iter_works(session: Session, facts: Mapping[int, ProjectFacts]) -> Iterator[Document]:
    for work in session.scalars(select(Work).order_by(Work.id).execution_options(yield_per=BATCH)):
        yield _work(work, facts[work.project_id])


WorkIds = Select[int]


@dataclass(frozen=True)
class Source:
    """One kind of document: how many there are, all of them (for a rebuild), one by key (for the outbox), and
    the keys of those that repeat facts of some works (their name, category, place or units), which a change
    to a work or to an enterprise must queue again."""

    kind: str
    count: Callable[[Session], int]
    iterate: Callable[[Session, Mapping[int, ProjectFacts]], Iterator[Document]]
    load: Callable[[Session, int], Document | None]
    of_works: Callable[[Session, WorkIds], Iterable[int]]


def _counter(model: type[PlanVersion] | type[Work]) -> Callable[[Session], int]:
    return lambda session: session.scalar(select(func.count()).select_from(model)) or 0


def _plans_of(session: Session, works: WorkIds) -> list[int]:
    return list(
        session.scalars(select(PlanVersion.id).where(PlanVersion.work_id.in_(works)).order_by(PlanVersion.id))
    )


def _works_of(session: Session, works: WorkIds) -> list[int]:
    return list(session.scalars(select(Work.id).where(Work.id.in_(works)).order_by(Work.id)))


@dataclass(frozen=True)
class Catalogue:
    """The kinds of document one index holds, and what is asked of all of them together.

    ``REGISTRY`` holds the registry's own kinds; a package above knowledge that adds a kind makes the
    catalogue of everything with ``extended`` (``expert_pool.reviews.search_docs.CATALOGUE``)."""

    sources: Mapping[str, Source]

    def extended(self, *more: Source) -> Catalogue:
        return Catalogue({**self.sources, **{source.kind: source for source in more}})

    def parse_doc_id(self, doc_id: str) -> tuple[Source, int]:
        """:raises UnknownDocument: for a kind with no source or a key that is not a positive number."""
        kind, _, key = doc_id.partition(":")
        source = self.sources.get(kind)
        if source is None or not key.isdigit():
            raise UnknownDocument(f"无法识别的检索文档编号：{doc_id!r}")
        return source, int(key)

    def document_for(self, session: Session, doc_id: str) -> Document | None:
        """The document as the database has it now; None when its row is gone (the index must drop it)."""
        source, key = self.parse_doc_id(doc_id)
        return source.load(session, key)

    def count_all(self, session: Session) -> int:
        return sum(source.count(session) for source in self.sources.values())

    def iter_all(self, session: Session) -> Iterator[Document]:
        """Every document, streamed kind by kind (``count_all`` gives the total for a progress bar)."""
        facts = project_facts(session)
        for source in self.sources.values():
            yield from source.iterate(session, facts)

    def doc_ids_for_works(self, session: Session, works: WorkIds) -> list[str]:
        """Every document that repeats facts of these works, kind by kind."""
        return [
            make_doc_id(kind, key)
            for kind, source in self.sources.items()
            for key in source.of_works(session, works)
        ]

    def doc_ids_for_work(self, session: Session, work_id: int) -> list[str]:
        """The work's document, its plan versions' (they repeat its verdict) and those of the other kinds about
        it: what a change to the work touches."""
        return self.doc_ids_for_works(session, select(Work.id).where(Work.id == work_id))

    def doc_ids_for_enterprise(self, session: Session, enterprise_id: int) -> list[str]:
        """Documents that name the enterprise among their units: what renaming it touches."""
        projects = select(ProjectParticipant.project_id).where(
            ProjectParticipant.enterprise_id == enterprise_id
        )
        return self.doc_ids_for_works(session, select(Work.id).where(Work.project_id.in_(projects)))


# The work's own document first: what a change to the work is about.
REGISTRY = Catalogue({
    "work": Source("work", _counter(Work), _iter_works, _load_work, _works_of),
    "plan": Source("plan", _counter(PlanVersion), _iter_plans, _load_plan, _plans_of),
})  # fmt: skip


def allowed_for(scope: Scope) -> Allowed:
    """What an account may find, as ``knowledge.accounts.permissions.can_view_project`` decides for pages.

    Experts get the reviews they sat on (``expert_ids``: the present panel) and the published conclusions
    (``published``: every review whose report is final, see ``expert_pool.reviews.search_docs``); never plans or
    works, which they see only through their reviews."""
    if scope.is_province_wide:
        return Allowed.all()
    if scope.role.has_city_scope and scope.city is not None:
        return Allowed(cities=frozenset({scope.city.value}))
    if scope.role is Role.PROJECT_TEAM and scope.enterprise_id is not None:
        return Allowed(enterprise_ids=frozenset({scope.enterprise_id}))
    if scope.role is Role.EXPERT and scope.expert_id is not None:
        return Allowed(expert_ids=frozenset({scope.expert_id}), published=True)
    return Allowed()
