"""The labelled set's documents: plan and review-conclusion excerpts in the search-document shape.

Written for this set in the style of real special plans (sections, standards cited in the spellings real texts
use, calculations, equipment models), some in traditional script, some with OCR noise (full-width digits and
letters, stray spaces), some under neutral titles. None is the demo generator's text."""

from __future__ import annotations

from typing import Any

from tests.search_relevance import (
    corpus_excavation,
    corpus_formwork,
    corpus_lifting,
    corpus_other,
    corpus_scaffold,
)

CITY_NAMES = {
    "nanjing": "南京市",
    "wuxi": "无锡市",
    "xuzhou": "徐州市",
    "changzhou": "常州市",
    "suzhou": "苏州市",
    "nantong": "南通市",
    "lianyungang": "连云港市",
    "huaian": "淮安市",
    "yancheng": "盐城市",
    "yangzhou": "扬州市",
    "zhenjiang": "镇江市",
    "taizhou": "泰州市",
    "suqian": "宿迁市",
}
CATEGORY_NAMES = {
    "excavation": "基坑工程",
    "formwork": "模板工程及支撑体系",
    "lifting": "起重吊装及起重机械安装拆卸工程",
    "scaffolding": "脚手架工程",
    "demolition": "拆除工程",
    "underground": "暗挖工程",
    "other": "其它",
}
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
