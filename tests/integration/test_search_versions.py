"""One hit per plan (issue 19): a plan's versions fold under its newest found version; totals and facets count
plans; the permission filter applies to each version."""

from __future__ import annotations

from typing import Any

import pytest

from search_index import analysis
from search_index.folding import PlanVersions, version_code
from search_index.query import Allowed, Filters
from tests.integration.test_search_index import doc, find, ids


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


def version(key: int, number: int, body: str, **extra: Any) -> dict[str, Any]:
    """Version ``number`` of the plan of work ``key`` (doc id plan:<key><number>, as distinct version ids)."""
    extra.setdefault("city", "nanjing")
    extra.setdefault("category", "excavation")
    extra.setdefault("year", 2024)
    return doc(f"plan:{key}0{number}", f"方案{key}（第{number}版）", body, plan_key=str(key),
               plan_version=number, date=f"2024-0{number}-01", **extra)  # fmt: skip


def test_a_plans_versions_make_one_hit_headed_by_the_newest(index):
    index.upsert([version(1, n, "深基坑支护 钢支撑") for n in (1, 2, 3)])
    index.upsert([version(2, 1, "深基坑支护"), doc("review:9", "论证", "深基坑支护")])
    result = find(index, "深基坑")
    assert result.total == 3
    assert ids(result) == {"plan:103", "plan:201", "review:9"}
    head = next(h for h in result.hits if h.doc_id == "plan:103")
    assert [o.doc_id for o in head.older] == ["plan:102", "plan:101"]
    assert [o.url for o in head.older] == ["/plan:102", "/plan:101"]
    assert head.older[0].title == "方案1（第2版）" and head.older[0].date == "2024-02-01"
    assert next(h for h in result.hits if h.doc_id == "plan:201").older == []


def test_versions_do_not_crowd_out_other_plans(index):
    # Ten versions of one plan that says 钢支撑 three times, two other plans that say it once.
    index.upsert([version(1, n, "钢支撑 钢支撑 钢支撑 基坑") for n in range(1, 10)])
    index.upsert([version(2, 1, "钢支撑 基坑"), version(3, 1, "钢支撑 基坑")])
    result = find(index, "钢支撑", per_page=3)
    assert ids(result) == {"plan:109", "plan:201", "plan:301"} and result.total == 3
    assert len(next(h for h in result.hits if h.doc_id == "plan:109").older) == 8


def test_facets_count_plans_not_versions(index):
    index.upsert([version(1, 1, "深基坑", year=2023), version(1, 2, "深基坑", year=2024)])
    index.upsert([version(2, 1, "深基坑", city="suzhou", year=2024)])
    facets = find(index, "深基坑").facets
    assert dict(facets["kind"]) == {"plan": 2}
    assert dict(facets["city"]) == {"nanjing": 1, "suzhou": 1}
    assert dict(facets["year"]) == {2024: 2}  # each plan's head (newest) version counts, with its own year


def test_the_newest_matching_version_heads_when_the_newest_does_not_match(index):
    index.upsert(
        [version(1, 1, "深基坑 钢板桩"), version(1, 2, "深基坑 钢板桩"), version(1, 3, "深基坑 地连墙")]
    )
    result = find(index, "钢板桩")
    assert [h.doc_id for h in result.hits] == ["plan:102"] and result.total == 1
    assert [o.doc_id for o in result.hits[0].older] == ["plan:101"]
    only_newest = find(index, "地连墙")
    assert [h.doc_id for h in only_newest.hits] == ["plan:103"] and only_newest.hits[0].older == []


def test_the_permission_filter_applies_to_each_version(index):
    index.upsert(
        [version(1, 1, "深基坑"), version(1, 2, "深基坑", city="wuxi"), version(1, 3, "深基坑", city="wuxi")]
    )
    nanjing = find(index, "深基坑", allowed=Allowed(cities={"nanjing"}))
    assert [h.doc_id for h in nanjing.hits] == ["plan:101"] and nanjing.hits[0].older == []
    one = find(index, "深基坑", allowed=Allowed(doc_ids={"plan:101", "plan:102"}))
    assert [h.doc_id for h in one.hits] == ["plan:102"]
    assert [o.doc_id for o in one.hits[0].older] == ["plan:101"] and one.total == 1


def test_filters_and_date_sort_fold_too(index):
    index.upsert([version(1, n, "深基坑") for n in (1, 2)] + [version(2, 1, "深基坑", category="formwork")])
    by_date = find(index, "深基坑", sort="date")
    assert [h.doc_id for h in by_date.hits] == ["plan:102", "plan:201"]
    assert [o.doc_id for o in by_date.hits[0].older] == ["plan:101"]
    everything = find(index, "")
    assert everything.total == 2
    filtered = find(index, "深基坑", filters=Filters(category="excavation"))
    assert filtered.total == 1 and [o.doc_id for o in filtered.hits[0].older] == ["plan:101"]


def test_a_deleted_newest_version_hands_the_head_to_the_one_before(index):
    index.upsert([version(1, n, "深基坑") for n in (1, 2, 3)])
    index.delete(["plan:103"])
    result = find(index, "深基坑")
    assert [h.doc_id for h in result.hits] == ["plan:102"]
    assert [o.doc_id for o in result.hits[0].older] == ["plan:101"]


def test_documents_without_a_plan_key_never_fold(index):
    index.upsert([doc("plan:1", "深基坑方案"), doc("plan:2", "深基坑方案"), doc("work:1", "深基坑工程")])
    assert find(index, "深基坑").total == 3


def test_version_numbers_compare_as_numbers():
    keys, numbers = ["a", "a", "a"], [version_code(n) for n in (2, 10, 9)]
    folded = PlanVersions(keys, numbers, [0, 1, 2])
    assert folded.fold({0, 1, 2}) == ({1}, {1: [2, 0]})
    assert folded.fold({0, 2}) == ({2}, {2: [0]})
