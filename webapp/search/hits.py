"""Hits as pages show them (labels, snippets as markup), and the "similar plans/past reviews" lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from flask import current_app, has_app_context, has_request_context, request
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.analytics.cache import FigureCache, data_version
from expert_pool.reviews.models import Review
from knowledge.accounts.permissions import Scope
from knowledge.plans.models import PlanVersion
from knowledge.search_docs import CATEGORY_NAMES, KIND_LABELS, allowed_for
from search_index.backend import SearchBackend
from search_index.documents import make_doc_id, section_anchor
from search_index.query import Hit
from webapp.extensions import db, kept_values
from webapp.search.args import CITY_LABELS

SIMILAR_KEPT = 1024  # (model, grant) pairs kept per process


@dataclass(frozen=True)
class ShownHit:
    """A hit as a page shows it: labels instead of codes, snippets as markup (escaped by search_index)."""

    doc_id: str
    kind: str
    kind_label: str
    title: str
    url: str
    city_name: str
    category_name: str
    date: str
    score: float
    snippets: list[Markup]
    snippet_urls: list[
        str
    ]  # where each snippet's passage is: a plan's section on its page, else the document
    # A plan's older versions found too (title, url, date), newest first: folded under the newest one.
    older: list[tuple[str, str, str]] = field(default_factory=list)


def snippet_url(hit: Hit, label: str, url: str) -> str:
    anchor = section_anchor(label) if hit.kind == "plan" else ""
    return f"{url}#{quote(anchor)}" if anchor else url


def _rooted(url: str, script_root: str) -> str:
    return script_root + url if url.startswith("/") else url


def show_hit(hit: Hit, script_root: str = "") -> ShownHit:
    url = _rooted(hit.url, script_root)
    places = hit.places or [""] * len(hit.snippets)
    return ShownHit(
        doc_id=hit.doc_id, kind=hit.kind, kind_label=KIND_LABELS.get(hit.kind, hit.kind), title=hit.title,
        url=url, city_name=CITY_LABELS.get(hit.city, hit.city),
        category_name=CATEGORY_NAMES.get(hit.category, hit.category), date=hit.date, score=hit.score,
        # The fragments are built by search_index.documents.snippets: document text html-escaped, <mark> ours.
        snippets=[Markup(s) for s in hit.snippets],  # noqa: S704
        snippet_urls=[snippet_url(hit, label, url) for label in places],
        older=[(o.title, _rooted(o.url, script_root), o.date) for o in hit.older],
    )  # fmt: skip


def similar_plans(
    session: Session, index: SearchBackend, version: PlanVersion, scope: Scope, limit: int = 5
) -> list[ShownHit]:
    """Plans most like this one (key terms of its text) in its category that the account may see, one version
    per work (the most similar) and none of this work's own, which would always come first. Empty when the
    index cannot say."""
    try:
        hits = index.more_like_this(make_doc_id("plan", version.id), same_category=True, limit=5 * limit,
                                    allowed=allowed_for(scope))  # fmt: skip
    except OSError:
        return []
    ids = {int(h.doc_id.partition(":")[2]): h for h in hits if h.kind == "plan"}
    works = dict(
        session.execute(select(PlanVersion.id, PlanVersion.work_id).where(PlanVersion.id.in_(ids))).all()
    )
    seen = {version.work_id}
    shown = []
    for key, hit in ids.items():
        if key in works and works[key] not in seen:
            seen.add(works[key])
            shown.append(show_hit(hit, request.script_root if has_request_context() else ""))
    return shown[:limit]


def similar_conclusions(
    index: SearchBackend,
    model: str,
    scope: Scope,
    *,
    before: str | None = None,
    skip: str = "",
    limit: int = 5,
) -> list[ShownHit]:
    """Concluded reviews most like the indexed document ``model`` (a plan version or a review), of its
    category, that the account may see, held on or before ``before`` when given, never ``skip``. Empty when
    the index cannot say. Kept per model and grant (``SIMILAR_FRESH_SECONDS``) until a change passes the
    search outbox: every view of a review page asks, and a province's more-like-this reads thousands of
    documents."""
    allowed = allowed_for(scope)
    root = request.script_root if has_request_context() else ""

    def find() -> list[ShownHit]:
        hits = index.more_like_this(model, same_category=True, limit=limit + 1, allowed=allowed,
                                    kind="review", before=before)  # fmt: skip
        return [show_hit(hit, root) for hit in hits if hit.doc_id != skip][:limit]

    fresh = current_app.config.get("SIMILAR_FRESH_SECONDS", 0) if has_app_context() else 0
    try:
        if not fresh:
            return find()
        kept: FigureCache[list[ShownHit]] = kept_values("similar_conclusions", fresh, SIMILAR_KEPT)
        found, _ = kept.get((model, allowed, before, skip, limit, root), data_version(db.session), find)
        return found
    except OSError:
        return []


def similar_reviews(index: SearchBackend, review: Review, scope: Scope, limit: int = 5) -> list[ShownHit]:
    """Past conclusions most like this review, of its work's category, that the account may see: concluded
    reviews held on or before its meeting day, never itself (a previous review of the same work is a precedent
    and stays). The model is the review's own conclusion once final, else its plan version's text (so the
    panel sees precedents while it examines the plan)."""
    own, plan = make_doc_id("review", review.id), make_doc_id("plan", review.plan_version_id)
    day = (review.held_on or review.meeting_day).isoformat()
    try:
        model = own if index.contains(own) else plan
    except OSError:
        return []
    return similar_conclusions(index, model, scope, before=day, skip=own, limit=limit)
