"""Query analysis and ranking (issue 19, failures 1, 2, 6 and 7): compounds expand into their parts beneath the
whole word, single characters and common words do not swamp the score, synonyms count once, adjacent words
rank first, a strict AND that finds little offers the OR search, and a title does not outweigh a body.

Every test here failed on the engine before issue 19 (checked on a worktree of that commit)."""

from __future__ import annotations

from typing import Any

import pytest

from search_index import analysis, expansion
from search_index.expansion import Contains
from search_index.index import SearchIndex
from search_index.query import BROADER_BELOW
from tests.integration.test_search_index import doc, find

# Boilerplate of real plans: 工程, 编制, 依据, 施工 … in almost every document.
_BOILER = "工程概况：本工程位于城区，施工场地狭小。编制依据：国家及地方现行规范、设计图纸。"
# Words holding 分 and 项, and the phrase's words apart: what a one-character expansion used to add up.
_SPLIT = (
    "危险性评估：分项工程较大部分为分部验收，项目分析表明分值较大，分项分部分段分层施工，"
    "项目部分工明确，分包单位分区作业，项目经理分管安全，项目危险性一般。"
)
# (doc_id, title, body)
_ROWS: list[tuple[str, str, str]] = [
    # 1 compounds
    (
        "plan:1",
        "住宅楼模板工程施工方案",
        "顶板模板采用15mm厚木胶合板，支撑体系采用盘扣式钢管支架，立杆间距900mm。",
    ),
    ("plan:2", "钢结构安装专项施工方案", "钢梁吊装采用25t汽车吊，吊装前检查吊索具。"),
    ("plan:3", "地铁车站施工安全保障方案", "项目部编制应急救援预案，配备应急物资并组织演练。"),
    (
        "plan:4",
        "商业广场土方工程专项施工方案",
        "深基坑开挖深度12.5m，支护采用钻孔灌注桩加一道钢筋混凝土内支撑。",
    ),
    ("plan:5", "住宅小区土方工程专项施工方案", "基坑开挖深度5.2m，采用放坡开挖，坡面挂网喷射混凝土。"),
    ("plan:6", "办公楼土方工程专项施工方案", "超深基坑开挖深度21m，采用地下连续墙逆作法施工。"),
    # 2 the long phrase, among documents that hold its words and its characters apart
    (
        "plan:10",
        "学校综合楼专项施工方案",
        "本工程属于危险性较大的分部分项工程，应编制专项施工方案并组织论证。",
    ),
    ("plan:11", "医院门诊楼专项施工方案", "依据规定，危险性较大的分部分项工程实行清单管理。"),
    # 2 synonyms once: both spellings once against one spelling twice
    ("plan:20", "宴会厅梁板施工方案", "宴会厅高支模一处，另有高大模板区域验收记录，混凝土浇筑分两次进行。"),
    ("plan:21", "报告厅梁板施工方案", "报告厅高支模搭设高度9.6m，高支模立杆纵横间距900mm，浇筑前验收。"),
    # 2 a common word's weight: 编制依据 everywhere, 钢板桩 the word that tells
    ("plan:30", "河道沟槽支护施工方案", "沟槽采用拉森钢板桩支护，桩长9m。编制依据：设计图纸。"),
    (
        "plan:31",
        "管网沟槽支护施工方案",
        "编制依据：JGJ 120。编制依据：图纸。编制依据：合同。编制依据：规范。编制依据：标准。沟槽采用钢板桩支护。",
    ),
    # 2 adjacency: the words together against the words apart (and one of them twice)
    ("plan:40", "塔吊安装专项方案", "塔吊基础采用四桩承台，承台尺寸5m。"),
    ("plan:41", "塔吊拆除专项方案", "塔吊附着于主体结构，设备基础另详，基础验收合格。"),
    # 6 every word must match: a cantilever plan that says 槽钢 where the query says 工字钢
    ("plan:50", "悬挑脚手架专项施工方案", "悬挑梁采用16号工字钢，锚固段长度为悬挑段的1.25倍。"),
    ("plan:51", "外立面脚手架专项施工方案", "悬挑梁采用16号槽钢，锚固于楼板，悬挑长度1.2m。"),
    # 7 a title that names the subject against a body about it
    ("plan:60", "深基坑支护专项施工方案", "塔吊基础位于场地东侧，采用四桩承台，施工电梯另行布置。"),
    ("plan:61", "某项目专项施工方案", "深基坑开挖深度11m，深基坑支护采用排桩加内支撑，深基坑监测每日一次。"),
]
_FILLER = [(f"plan:9{n}", f"某项目{n}号楼专项施工方案", _SPLIT * (1 + n % 3)) for n in range(8)]


def _docs() -> list[dict[str, Any]]:
    return [doc(i, title, _BOILER + body) for i, title, body in _ROWS + _FILLER]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    analysis.warm_up()
    built = SearchIndex(tmp_path_factory.mktemp("analysis"))
    assert built.upsert(_docs()).ok
    return built


def ranked(engine: SearchIndex, q: str) -> list[str]:
    return [hit.doc_id for hit in find(engine, q, per_page=100).hits]


# ---- 1 compounds are not all-or-nothing


@pytest.mark.parametrize(
    ("q", "found"),
    [("模板支撑体系", "plan:1"), ("起重吊装", "plan:2"), ("应急预案", "plan:3"), ("深基坑", "plan:5")],
)
def test_a_compound_finds_texts_that_say_its_parts(engine, q, found):
    assert found in ranked(engine, q)


def test_the_whole_word_and_its_narrower_words_rank_above_its_parts(engine):
    order = ranked(engine, "深基坑")
    assert order[-1] == "plan:5" and {"plan:4", "plan:6", "plan:60", "plan:61"} <= set(order)
    assert ranked(engine, '"深基坑"').count("plan:5") == 0  # a quoted word is taken as it is


# ---- 2 single characters, common words and synonyms do not swamp the score


def test_the_exact_long_phrase_ranks_first(engine):
    order = ranked(engine, "危险性较大的分部分项工程")
    assert set(order[:2]) == {"plan:10", "plan:11"}
    assert len(order) > 2  # the documents with the words apart are found too, below


def test_synonyms_count_once_per_concept(engine):
    order = ranked(engine, "高支模")
    assert order.index("plan:21") < order.index("plan:20")


def test_a_word_of_almost_every_document_weighs_little(engine):
    order = ranked(engine, "编制依据 钢板桩")
    assert order.index("plan:30") < order.index("plan:31")


def test_words_next_to_each_other_rank_above_words_apart(engine):
    order = ranked(engine, "塔吊 基础")
    assert order.index("plan:40") < order.index("plan:41")


def test_one_character_stands_for_the_words_most_documents_use_only(engine, monkeypatch):
    monkeypatch.setattr(expansion, "MAX_PER_CHAR", 3)
    monkeypatch.setattr(expansion, "_CHOSEN", {})
    view = SearchIndex(engine.directory).view()
    reader, needle = view.searcher.reader(), "分".encode()
    every = [t for t in reader.lexicon("body") if needle in t]
    chosen = view.btexts(Contains("body", "分"))
    frequency = {t: reader.doc_frequency("body", t) for t in every}
    assert len(every) > 6 and len(chosen) == 3
    assert min(frequency[t] for t in chosen) >= max(frequency[t] for t in every if t not in chosen)


# ---- 6 a strict AND that finds little offers the OR search


def test_a_strict_and_with_few_results_offers_the_broader_search(engine):
    strict = find(engine, "工字钢 悬挑")
    assert [h.doc_id for h in strict.hits] == ["plan:50"]
    assert strict.broader_query == "工字钢 OR 悬挑"
    broader = ranked(engine, strict.broader_query)
    assert broader[0] == "plan:50" and "plan:51" in broader


def test_the_page_a_strict_and_leaves_short_is_filled_with_documents_holding_some_of_its_words(engine):
    strict = find(engine, "工字钢 悬挑", per_page=5)
    assert [h.doc_id for h in strict.hits] == ["plan:50"] and strict.total == 1
    partial = [h.doc_id for h in strict.partial]
    assert "plan:51" in partial and "plan:50" not in partial  # after every strict hit, never twice
    assert 1 <= len(partial) <= 4 and strict.partial_total >= len(partial)
    assert strict.facets["kind"] == [("plan", 1)]  # counts and facets are the strict result's
    assert find(engine, "工字钢 悬挑", per_page=5, sort="date").partial == []  # by date: the strict list only
    assert find(engine, "工字钢 悬挑", page=2, per_page=5).partial == []  # only the page where they run out


def test_no_broader_search_when_the_and_finds_enough_or_nothing_is_anded(engine):
    assert len(ranked(engine, "工程 施工")) >= BROADER_BELOW
    assert find(engine, "工程 施工").broader_query == ""
    assert find(engine, "工字钢").broader_query == ""  # one word: nothing to loosen
    assert find(engine, "工字钢 OR 悬挑").broader_query == ""
    assert find(engine, "标题:悬挑 工字钢").broader_query == ""  # a field query is left as it is
    assert find(engine, "标题:悬挑 工字钢").partial == [] and find(engine, "工字钢").partial == []


# ---- 7 a title does not outweigh a body about the subject


def test_a_body_about_the_subject_outranks_a_title_that_names_it(engine):
    order = ranked(engine, "深基坑")
    assert order.index("plan:61") < order.index("plan:60")
