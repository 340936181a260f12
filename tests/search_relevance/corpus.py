"""The labelled set's documents: plan and review-conclusion excerpts in the search-document shape.

Written for this set in the style of real special plans (sections, standards cited in the spellings real texts
use, calculations, equipment models), some in traditional script, some with OCR noise (full-width digits and
letters, stray spaces), some under neutral titles. None is the demo generator's text."""

from __future__ import annotations

from typing import Any

from knowledge.regions import CITY_NAMES as REGION_NAMES
from knowledge.search_docs import CATEGORY_NAMES
from tests.search_relevance import (
    corpus_excavation,
    corpus_formwork,
    corpus_lifting,
    corpus_other,
    corpus_scaffold,
)

# The names the catalogue indexes (knowledge/search_docs.py), so the set reads as the product's documents do.
CITY_NAMES = {city.value: name for city, name in REGION_NAMES.items()}
PARTS = (corpus_excavation, corpus_formwork, corpus_lifting, corpus_scaffold, corpus_other)


def _common(number: int, category: str, city: str, year: int) -> dict[str, Any]:
    return {
        "city": city,
        "city_name": CITY_NAMES[city],
        "category": category,
        "category_name": CATEGORY_NAMES[category],
        "year": year,
        "date": f"{year}-0{number % 9 + 1}-1{number % 10}",
        "published": True,
        "project_id": 10_000 + number,
    }


def plan_doc(number: int, category: str, city: str, year: int, title: str, text: str) -> dict[str, Any]:
    return {
        "doc_id": f"plan:{number}",
        "kind": "plan",
        "title": title,
        "url": f"/works/plans/{number}",
        "body": text,
        **_common(number, category, city, year),
    }


def review_doc(
    number: int, category: str, city: str, year: int, conclusion: str, title: str, text: str
) -> dict[str, Any]:
    verdict, _, findings = text.partition("。")
    return {
        "doc_id": f"review:{number}",
        "kind": "review",
        "title": title,
        "url": f"/reviews/{number}",
        "conclusion": conclusion,
        "conclusion_text": verdict + "。",
        "expert_findings": findings,
        **_common(number, category, city, year),
    }


def documents() -> list[dict[str, Any]]:
    docs = [plan_doc(*row) for part in PARTS for row in part.PLANS]
    docs += [review_doc(*row) for part in PARTS for row in part.REVIEWS]
    return docs


DOCS: list[dict[str, Any]] = documents()
DOC_IDS = frozenset(doc["doc_id"] for doc in DOCS)
