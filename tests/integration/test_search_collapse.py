"""One hit per plan across pages (issue 22 item 7): walking a result's pages shows each plan once, as its newest
visible matching version, with the page count, the total and the facets counting plans, in either sort order,
and the partial (some-words) fill never repeats a plan shown above it."""

from __future__ import annotations

from typing import Any

import pytest

from search_index import analysis
from search_index.query import Allowed
from tests.integration.test_search_index import doc, find
from tests.integration.test_search_versions import version


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


def walk(index, q: str, per_page: int, **kwargs: Any) -> list[list[str]]:
    """The doc ids of each page, until an empty page."""
    pages, page = [], 1
    while True:
        result = find(index, q, page=page, per_page=per_page, **kwargs)
        if not result.hits:
            return pages
        pages.append([h.doc_id for h in result.hits])
        page += 1


@pytest.fixture
def seven_plans(index):
    """Seven plans of 1 to 4 versions each (19 version documents) and two reviews, all saying 深基坑."""
    docs = [version(key, n, f"深基坑 钢支撑 第{n}稿", year=2020 + n) for key in range(1, 8)
            for n in range(1, key % 4 + 2)]  # fmt: skip
    docs += [doc("review:1", "论证一", "深基坑"), doc("review:2", "论证二", "深基坑")]
    index.upsert(docs)
    return docs


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_paging_walks_each_plan_once_and_the_total_counts_plans(index, seven_plans, sort):
    pages = walk(index, "深基坑", per_page=3, sort=sort)
    shown = [d for page in pages for d in page]
    assert len(pages) == 3 and [len(p) for p in pages] == [3, 3, 3]
    assert len(shown) == len(set(shown)) == 9
    heads = {d for d in shown if d.startswith("plan:")}
    assert {d.split(":")[1][:-2] for d in heads} == {str(k) for k in range(1, 8)}  # every plan, once
    for key in range(1, 8):  # and each as its newest version
        assert f"plan:{key}0{key % 4 + 1}" in heads
    assert find(index, "深基坑", page=2, per_page=3, sort=sort).total == 9


def test_the_folded_versions_of_a_page_are_never_shown_as_hits_on_another(index, seven_plans):
    folded, shown = set(), set()
    for page in range(1, 4):
        for hit in find(index, "深基坑", page=page, per_page=3).hits:
            shown.add(hit.doc_id)
            folded |= {o.doc_id for o in hit.older}
    assert len(folded) == 19 - 7 and not folded & shown


def test_facets_count_plans_on_every_page(index, seven_plans):
    first, second = (find(index, "深基坑", page=p, per_page=3).facets for p in (1, 2))
    assert first == second
    assert dict(first["kind"]) == {"plan": 7, "review": 2}


def test_a_page_past_the_plans_is_empty_and_keeps_the_total(index, seven_plans):
    result = find(index, "深基坑", page=4, per_page=3)
    assert result.hits == [] and result.total == 9


def test_permissions_apply_before_folding_on_every_page(index):
    index.upsert([version(1, n, "深基坑", city="suzhou" if n == 3 else "nanjing") for n in (1, 2, 3)]
                 + [version(k, 1, "深基坑") for k in (2, 3)])  # fmt: skip
    nanjing = Allowed(cities={"nanjing"})
    pages = walk(index, "深基坑", per_page=1, allowed=nanjing)
    assert sorted(d for page in pages for d in page) == ["plan:102", "plan:201", "plan:301"]
    head = next(h for p in (1, 2, 3) for h in find(index, "深基坑", page=p, per_page=1, allowed=nanjing).hits
                if h.doc_id == "plan:102")  # fmt: skip
    assert [o.doc_id for o in head.older] == ["plan:101"]  # the suzhou version is neither shown nor folded


def test_the_partial_fill_does_not_repeat_a_plan_shown_among_the_full_matches(index):
    # Plan 1's newest version holds both words; its first version only one: it must not come back as partial.
    index.upsert(
        [version(1, 1, "深基坑 支护"), version(1, 2, "深基坑 支护 钢板桩"), version(2, 1, "深基坑 支护")]
    )
    result = find(index, "深基坑 钢板桩", per_page=10)
    assert [h.doc_id for h in result.hits] == ["plan:102"]
    partial = [h.doc_id for h in result.partial]
    assert "plan:101" not in partial and partial == ["plan:201"]
