"""Section-by-section comparison of two plan versions (the nine sections of 建办质〔2018〕31号 part 三)."""

from knowledge.plans.compare import PREAMBLE, compare_sections, split_sections
from knowledge.plans.sections import SECTION_NUMBERS
from tests.factories import SAMPLE_PLAN

REVISED = SAMPLE_PLAN.replace(
    "支护结构内力计算书、基坑平面布置图。", "支护结构内力计算书、坑底抗隆起验算、基坑平面布置图。"
)


def test_split_cuts_the_text_at_each_recognised_heading():
    parts = split_sections("封面\n" + SAMPLE_PLAN)
    assert set(parts) == {PREAMBLE, *SECTION_NUMBERS}
    assert parts[PREAMBLE] == "封面"
    assert parts[8] == "第八章 应急处置措施\n应急救援组织、应急物资、基坑坍塌应急处置。"
    assert parts[9].startswith("第九章 计算书及相关施工图纸\n")


def test_a_text_without_headings_is_all_preamble():
    assert split_sections("本方案正文没有章节标题。") == {PREAMBLE: "本方案正文没有章节标题。"}


def test_only_the_changed_section_has_a_difference():
    rows = {
        row.number: row
        for row in compare_sections(SAMPLE_PLAN, REVISED, before_label="第1版", after_label="第2版")
    }
    assert PREAMBLE not in rows  # neither version has text before its first heading
    assert [n for n, row in rows.items() if row.changed] == [9]
    assert all(row.diff == () for n, row in rows.items() if n != 9)
    diff = rows[9].diff
    assert diff[0] == "--- 第1版" and diff[1] == "+++ 第2版"
    assert "-支护结构内力计算书、基坑平面布置图。" in diff
    assert "+支护结构内力计算书、坑底抗隆起验算、基坑平面布置图。" in diff


def test_a_section_missing_from_one_version_is_all_added():
    without = SAMPLE_PLAN.replace("第八章 应急处置措施\n应急救援组织、应急物资、基坑坍塌应急处置。\n", "")
    rows = {row.number: row for row in compare_sections(without, SAMPLE_PLAN)}
    assert rows[8].changed and not rows[8].in_before and rows[8].in_after
    assert "+应急救援组织、应急物资、基坑坍塌应急处置。" in rows[8].diff
    assert not rows[7].changed and not rows[9].changed
