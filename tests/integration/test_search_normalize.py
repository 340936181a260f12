"""Issue 19 failures 3, 4 and 5: traditional script, document and standard numbers, model codes: one
normalisation (search_index.normalize) at index and query time, highlights marking the text as written."""

from __future__ import annotations

from search_index import analysis
from tests.integration.test_search_index import find, ids


def _plan(number: int, title: str, body: str) -> dict[str, object]:
    return {"doc_id": f"plan:{number}", "kind": "plan", "title": title, "body": body, "category": "lifting"}


# ---- 3 traditional script


def test_fold_is_one_character_for_one():
    from search_index.normalize import fold  # imported here so that this file runs on the engine before it

    written = "塔式起重機ＱＴＺ８０花崗巖腳手架鋼管"
    assert fold(written) == "塔式起重机qtz80花岗岩脚手架钢管"
    assert len(fold(written)) == len(written)
    assert analysis.query_words("塔式起重機") == ["塔式起重机"]


def test_a_traditional_script_plan_is_found_by_simplified_words_and_marked_as_written(index):
    assert index.upsert([
        _plan(1, "某項目塔式起重機安裝方案", "外立面採用花崗巖石材，吊裝採用塔式起重機配合卷揚機。"),
        _plan(2, "某项目脚手架方案", "落地式钢管脚手架，立杆间距1.5m。"),
    ]).ok  # fmt: skip
    assert ids(find(index, "花岗岩")) == {"plan:1"}
    hit = find(index, "塔式起重机").hits[0]
    assert hit.doc_id == "plan:1"
    assert "<mark>塔式起重機</mark>" in " ".join(hit.snippets)
    assert ids(find(index, "腳手架")) == {"plan:2"}
    assert index.upsert(
        [_plan(3, "塔式起重机安装方案", "外立面采用花岗岩石材，吊装采用塔式起重机配合卷扬机。")]
    ).ok
    similar = index.more_like_this("plan:1", same_category=False, allowed="all")
    assert similar and similar[0].doc_id == "plan:3"


# ---- 4 document and standard numbers


def test_every_spelling_of_a_document_number_finds_every_other(index):
    spellings = ["建质[2009]87号", "建质〔2009〕87号", "建质(2009)87号", "建质【2009】87号", "建质200987号",
                 "建质（２００９）８７号"]  # fmt: skip
    docs = [
        _plan(n, f"方案{n}", f"编制依据：《危险性较大的分部分项工程安全管理办法》{s}。")
        for n, s in enumerate(spellings)
    ]
    docs.append(_plan(99, "其他方案", "编制依据：建办质〔2018〕31号；建质〔2009〕254号。"))
    assert index.upsert(docs).ok
    everything = {f"plan:{n}" for n in range(len(spellings))}
    for spelling in spellings:
        assert ids(find(index, spelling)) == everything, spelling
    marked = " ".join(h for hit in find(index, "建质〔2009〕87号").hits for h in hit.snippets)
    assert "<mark>建质[2009]87号</mark>" in marked and "<mark>建质200987号</mark>" in marked


def test_standard_numbers_in_every_spelling_and_the_edition_first(index):
    assert index.upsert([
        _plan(1, "方案一", "依据《建筑基坑支护技术规程》JGJ 120-2012。"),
        _plan(2, "方案二", "依据JGJ120—2012及GB 50202-2018。"),
        _plan(3, "方案三", "依据ＪＧＪ １２０－２０１２。"),
        _plan(4, "方案四", "依据JGJ 120-1999（旧版）。"),
        _plan(5, "方案五", "依据JGJ 1-2014及JGJ 1200。"),
    ]).ok  # fmt: skip
    assert ids(find(index, "JGJ 120")) == {"plan:1", "plan:2", "plan:3", "plan:4"}
    edition = find(index, "JGJ 120-2012")
    assert {h.doc_id for h in edition.hits[:3]} == {"plan:1", "plan:2", "plan:3"}
    assert ids(find(index, "JGJ120—2012")) >= {"plan:1", "plan:2", "plan:3"}
    assert ids(find(index, "GB 50202")) == {"plan:2"}
    from search_index.normalize import join_numbers

    assert join_numbers("深基坑 AND JGJ 120-2012") == "深基坑 AND jgj120-2012"


# ---- 5 model codes


def test_model_codes_are_found_by_their_prefixes_and_the_exact_code_first(index):
    assert index.upsert([
        _plan(1, "塔吊方案一", "设置QTZ80A(6010)塔式起重机一台。"),
        _plan(2, "塔吊方案二", "设置QTZ5012A塔式起重机两台。"),
        _plan(3, "塔吊方案三", "设置QTZ5012塔式起重机一台，另设QTZ80一台。"),
    ]).ok  # fmt: skip
    assert ids(find(index, "QTZ5012")) == {"plan:2", "plan:3"}
    assert ids(find(index, "QTZ5012A")) == {"plan:2"}
    assert ids(find(index, "QTZ80")) == {"plan:1", "plan:3"}
    assert [h.doc_id for h in find(index, "QTZ80A").hits] == ["plan:1"]
    assert [h.doc_id for h in find(index, "QTZ80A(6010)").hits] == ["plan:1"]
    from search_index.normalize import code_prefixes

    assert code_prefixes("qtz80a") == ("qtz", "qtz80") and code_prefixes("c30") == ()


# ---- OCR noise


def test_stray_spaces_inside_words_and_full_width_digits_are_read_through(index):
    assert index.upsert(
        [_plan(1, "扫描件", "基坑开挖深度 １２．６ｍ，采用 钻孔灌注 桩＋二道钢筋 混凝土支 撑。")]
    ).ok
    hit = find(index, "钻孔灌注桩 混凝土支撑").hits[0]
    assert hit.doc_id == "plan:1"
    assert "<mark>钻孔灌注 桩</mark>" in hit.snippets[0] and "<mark>混凝土支 撑</mark>" in hit.snippets[0]
    assert ids(find(index, "12.6m")) == {"plan:1"}
