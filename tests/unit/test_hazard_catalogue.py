"""The major-hazard catalogue of 建质规〔2022〕2号 and the inspection checklist built from it."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.registry.scope_tables import CATEGORIES, EXCAVATION, FORMWORK, OTHER, UNDERGROUND
from knowledge.site.checklist import (
    GENERAL_ITEMS,
    MONITORING_ITEM,
    ChecklistError,
    checklist_for,
    validate_item,
)
from knowledge.site.errors import CatalogueError
from knowledge.site.hazard_catalogue import (
    EVERY_WORK,
    chinese_number,
    clause_label,
    item,
    items,
    items_for_category,
    standard,
)

CATEGORY_CODES = [c.code for c in CATEGORIES]

# Items per article of the 2022 text, as the ministry's docx has them (source A in hazard_catalogue_data) and
# the reprints confirm: article 5 has (一)-(三) and (四)'s four sub-items; 10, 12, 14 and 15 are one sentence.
EXPECTED_PER_ARTICLE = {4: 4, 5: 7, 6: 3, 7: 5, 8: 7, 9: 3, 10: 1, 11: 2, 12: 1, 13: 2, 14: 1, 15: 1}
EVERY_WORK_ARTICLES = {4, 9, 10, 11, 14, 15}


def keys(category: str, needs_monitoring: bool = False) -> list[str]:
    return [c.key for c in checklist_for(category, needs_monitoring)]


def test_the_2022_text_has_the_standards_items_per_article():
    assert Counter(h.article for h in items("2022")) == EXPECTED_PER_ARTICLE
    assert len(items("2022")) == 37  # 34 numbered items, article 5 (四) counted as its 4 sub-items
    assert [h.sub_item for h in items("2022") if h.article == 5] == [0, 0, 0, 1, 2, 3, 4]


def test_every_key_is_unique_and_starts_with_the_version():
    all_keys = [h.key for h in items("2022")]
    assert len(set(all_keys)) == len(all_keys)
    assert all(
        k.startswith("2022-") and h.version == "2022" for k, h in zip(all_keys, items("2022"), strict=True)
    )
    assert item("2022-5-4-2").text == "基坑侧壁出现大量漏水、流土"


def test_items_are_in_the_standards_order_and_carry_their_words():
    order = [(h.article, h.item, h.sub_item) for h in items()]
    assert order == sorted(order)
    assert item("2022-5-3").text == "深基坑施工未进行第三方监测"
    assert item("2022-7-5").text.endswith("大于架体高度的2/5或大于6米")
    assert all(h.text and not h.text.endswith(("；", "。")) for h in items())


def test_a_sub_item_reads_with_the_condition_its_item_puts_on_it():
    sub = item("2022-5-4-3")
    assert sub.lead_in == "有下列基坑坍塌风险预兆之一，且未及时处理"
    assert sub.wording == "有下列基坑坍塌风险预兆之一，且未及时处理：基坑底部出现管涌"
    assert item("2022-5-3").wording == item("2022-5-3").text


def test_articles_map_to_the_registry_categories():
    by_article = {h.article: h.category for h in items()}
    assert by_article[5] == EXCAVATION.code and by_article[6] == FORMWORK.code
    assert by_article[13] == UNDERGROUND.code
    assert {a for a, c in by_article.items() if c == EVERY_WORK} == EVERY_WORK_ARTICLES
    assert {c for c in by_article.values()} - {EVERY_WORK} <= set(CATEGORY_CODES)


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("2022-5-4-2", "建质规〔2022〕2号 第五条第（四）项第2目"),
        ("2022-8-7", "建质规〔2022〕2号 第八条第（七）项"),
        ("2022-10", "建质规〔2022〕2号 第十条"),
        ("2022-13-2", "建质规〔2022〕2号 第十三条第（二）项"),
    ],
)
def test_clause_label_numbers_items_as_the_standard_does(key, label):
    assert clause_label(item(key)) == label


def test_chinese_numbers_of_articles_and_items():
    assert [chinese_number(n) for n in (1, 4, 10, 11, 15, 20, 21)] == [
        "一",
        "四",
        "十",
        "十一",
        "十五",
        "二十",
        "二十一",
    ]
    with pytest.raises(ValueError):
        chinese_number(0)


def test_unknown_key_and_unknown_version_are_refused_with_a_message():
    with pytest.raises(CatalogueError, match="没有条目“2022-5-9”"):
        item("2022-5-9")
    with pytest.raises(CatalogueError, match="没有“2024”版本"):
        items("2024")
    assert standard("2022").document == "建质规〔2022〕2号"


def test_every_item_of_article_5_is_on_the_excavation_checklist_and_none_on_the_formwork_one():
    article_5 = {h.key for h in items() if h.article == 5}
    assert article_5 <= set(keys(EXCAVATION.code))
    assert article_5.isdisjoint(keys(FORMWORK.code))


@pytest.mark.parametrize("category", CATEGORY_CODES)
def test_the_general_articles_are_on_every_categorys_checklist(category):
    general = {h.key for h in items() if h.article in EVERY_WORK_ARTICLES}
    assert len([h for h in items() if h.article == 4]) == 4
    assert general <= set(keys(category))


def test_a_work_of_other_gets_only_the_items_that_concern_every_work():
    assert {h.article for h in items_for_category(OTHER.code)} == EVERY_WORK_ARTICLES


def test_an_unknown_category_is_refused():
    with pytest.raises(CatalogueError, match="未知的危大工程类别“tunnel”"):
        checklist_for("tunnel", needs_monitoring=False)


def test_the_monitoring_item_appears_only_when_the_work_needs_monitoring():
    assert MONITORING_ITEM.key in keys(EXCAVATION.code, needs_monitoring=True)
    assert MONITORING_ITEM.key not in keys(EXCAVATION.code, needs_monitoring=False)
    assert validate_item(EXCAVATION.code, True, MONITORING_ITEM.key) == MONITORING_ITEM
    with pytest.raises(ChecklistError, match="不属于该类别的检查表"):
        validate_item(EXCAVATION.code, False, MONITORING_ITEM.key)


def test_an_item_of_another_category_or_no_item_is_refused_in_chinese():
    with pytest.raises(ChecklistError, match="检查项“2022-5-1”不属于该类别的检查表（模板工程及支撑体系"):
        validate_item(FORMWORK.code, False, "2022-5-1")
    with pytest.raises(ChecklistError, match="检查项“no_such_item”不属于该类别的检查表"):
        validate_item(FORMWORK.code, False, "no_such_item")
    assert validate_item(FORMWORK.code, False, "2022-6-2").hazard_key == "2022-6-2"


def test_general_items_cite_decree_37_and_catalogue_items_cite_the_standard():
    checks = checklist_for(EXCAVATION.code, needs_monitoring=True)
    assert all(
        c.clause.startswith("住房和城乡建设部令第37号 第") and c.hazard_key is None for c in checks[:7]
    )
    assert checks[0].clause == "住房和城乡建设部令第37号 第十六条"
    hazard = next(c for c in checks if c.key == "2022-5-4-1")
    assert hazard.clause == "建质规〔2022〕2号 第五条第（四）项第1目"
    assert hazard.text == item("2022-5-4-1").wording


@given(st.sampled_from(CATEGORY_CODES), st.booleans())
def test_every_checklist_starts_general_has_unique_keys_and_resolvable_hazards(category, needs_monitoring):
    checks = checklist_for(category, needs_monitoring)
    general = GENERAL_ITEMS + ((MONITORING_ITEM,) if needs_monitoring else ())
    assert checks[: len(general)] == general
    assert len({c.key for c in checks}) == len(checks)
    hazards = [c for c in checks if c.hazard_key is not None]
    assert hazards == list(checks[len(general) :])
    for check in hazards:
        resolved = item(check.hazard_key)
        assert resolved.category in (EVERY_WORK, category)
        assert check.clause == clause_label(resolved)
