"""The nine required sections of a plan (建办质〔2018〕31号 part 三) found by their headings."""

import pytest

from knowledge.plans.sections import (
    MAX_UNNUMBERED_HEADING,
    SECTION_NUMBERS,
    SECTIONS,
    find_sections,
    section_title,
)

ALL_NINE = set(range(1, 10))

FULL_PLAN = """\
某某花园项目深基坑工程专项施工方案

第一章 工程概况
1.1 工程简介
本工程位于南京市江宁区，基坑开挖深度6.5米，周边有市政道路和地下管线。
1.2 周边环境概况
第二章 编制依据
1、《危险性较大的分部分项工程安全管理规定》（住房和城乡建设部令第37号）；
2、《建筑基坑支护技术规程》JGJ 120-2012。
第三章 施工计划
3.1 施工进度计划
3.2 材料与设备计划
第四章 施工工艺技术
4.1 技术参数
4.2 工艺流程
第五章 施工安全保证措施
5.1 组织保障措施
5.2 监测监控措施
第六章 施工管理及作业人员配备和分工
第七章 验收要求
第八章 应急处置措施
第九章 计算书及相关施工图纸
"""


def without_chapter(text: str, *titles: str) -> str:
    return "\n".join(line for line in text.splitlines() if not any(title in line for title in titles))


def test_the_nine_sections_follow_the_notice():
    assert list(SECTION_NUMBERS) == list(range(1, 10))
    assert [section.title for section in SECTIONS] == [
        "工程概况",
        "编制依据",
        "施工计划",
        "施工工艺技术",
        "施工安全保证措施",
        "施工管理及作业人员配备和分工",
        "验收要求",
        "应急处置措施",
        "计算书及相关施工图纸",
    ]
    assert section_title(8) == "应急处置措施"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda section: section.title)
def test_each_official_title_is_recognised_as_a_heading(section):
    assert section.number in find_sections(f"第{section.number}章 {section.title}").found


def test_a_complete_plan_has_all_nine_sections():
    report = find_sections(FULL_PLAN)

    assert set(report.found) == ALL_NINE
    assert report.missing == ()
    assert report.is_complete
    assert report.headings[1] == "第一章 工程概况"
    assert report.headings[8] == "第八章 应急处置措施"


def test_missing_sections_are_reported_in_order_with_their_titles():
    text = without_chapter(FULL_PLAN, "验收要求", "计算书")

    report = find_sections(text)

    assert report.missing == (7, 9)
    assert report.missing_titles == ("验收要求", "计算书及相关施工图纸")
    assert not report.is_complete
    assert set(report.found) | set(report.missing) == ALL_NINE


def test_an_empty_text_misses_every_section():
    report = find_sections("")

    assert report.found == ()
    assert report.missing == tuple(range(1, 10))
    assert dict(report.headings) == {}


def test_sections_mentioned_in_passing_in_a_paragraph_do_not_count():
    paragraph = (
        "本方案编制过程中充分考虑了应急处置措施、验收要求和计算书等内容，确保施工安全。\n"
        "项目部应急救援小组由项目经理任组长。\n"
        "1、施工现场应配备应急物资和应急救援器材。\n"
        "（2）基坑开挖完成后由项目技术负责人组织验收\n"
        "应急预案详见附件三\n"
        "验收人员：张三、李四\n"
    )

    assert find_sections(paragraph).found == ()


def test_a_numbered_heading_that_is_a_sentence_does_not_count():
    assert find_sections("8.3 发生险情时项目部应立即启动应急处置程序").found == ()


def test_a_long_unnumbered_line_does_not_count_but_a_short_one_does():
    long_line = "本章节内容包括应急处置" + "措施" * MAX_UNNUMBERED_HEADING

    assert find_sections(long_line).found == ()
    assert find_sections("应急处置措施").found == (8,)


@pytest.mark.parametrize(
    "heading",
    [
        "第八章 应急处置措施",
        "第八章应急处置措施",
        "第8章 应急处置措施",
        "第八节 应急处置措施",
        "八、应急处置措施",
        "八. 应急处置措施",
        "（八）应急处置措施",
        "(8) 应急处置措施",
        "8 应急处置措施",
        "8. 应急处置措施",
        "8、应急处置措施",
        "8.1 应急处置措施",
        "8.1.2 应急响应程序",
        "⑧ 应急处置措施",
        "８．应急处置措施",
        "A. 应急处置措施",
        "【应急处置措施】",
        "■ 应急预案",
        "八、应急预案：",
        "应急救援预案",
    ],
)
def test_numbering_styles_are_recognised(heading):
    report = find_sections(heading)

    assert report.found == (8,)
    assert report.headings[8] == heading.strip()


def test_full_width_digits_and_ideographic_spaces_are_normalised():
    assert find_sections("１．１\u3000工程概况\n\u3000\u3000（２）编制依据").found == (1, 2)


def test_spaced_out_pdf_text_is_recognised_and_the_original_line_kept():
    text = "第 一 章   工 程 概 况\n第 七 章 验 收 要 求\n9 . 1  计 算 书"

    report = find_sections(text)

    assert report.found == (1, 7, 9)
    assert report.headings[1] == "第 一 章   工 程 概 况"


def test_kangxi_radicals_from_pdf_extraction_are_read_as_ordinary_characters():
    # Some PDFs map 工 to the Kangxi radical ⼯ (U+2F2F); NFKC folds it back.
    assert find_sections("第一章 \u2f2f程概况").found == (1,)


@pytest.mark.parametrize(
    ("heading", "number"),
    [
        ("一、工程概述", 1),
        ("1 项目概况", 1),
        ("二、编制说明及依据", 2),
        ("3.1 施工进度计划", 3),
        ("3.2 材料与设备计划", 3),
        ("4.2 工艺流程", 4),
        ("4.3 施工方法", 4),
        ("4.1 技术参数", 4),
        ("5.2 安全技术措施", 5),
        ("5.1 组织保障措施", 5),
        ("5.3 监测监控", 5),
        ("六、劳动力计划", 6),
        ("6.1 管理人员及作业人员", 6),
        ("6.2 岗位职责", 6),
        ("7.1 验收标准", 7),
        ("7.2 验收程序", 7),
        ("八、应急救援", 8),
        ("附件1 模板支架设计计算", 9),
        ("9.2 立杆稳定性验算", 9),
        ("附图", 9),
        ("9.3 相关施工图", 9),
    ],
)
def test_headings_real_plans_use_count_for_their_section(heading, number):
    assert number in find_sections(heading).found


@pytest.mark.parametrize("heading", ["5.4 质量保证措施", "第十章 文明施工措施", "8.1 应急物资供应计划"])
def test_neighbouring_headings_do_not_stand_for_the_wrong_section(heading):
    assert 5 not in find_sections(heading).found


def test_table_of_contents_lines_count_as_headings():
    toc = (
        "目  录\n"
        "第一章 工程概况........................................1\n"
        "第二章 编制依据 ······························ 3\n"
        "第八章 应急处置措施…………………………………………35\n"
        "第九章 计算书及相关施工图纸\t40\n"
    )

    report = find_sections(toc)

    assert report.found == (1, 2, 8, 9)
    assert report.headings[8] == "第八章 应急处置措施…………………………………………35"


def test_a_body_heading_is_preferred_over_the_table_of_contents_line():
    text = "目录\n第八章 应急处置措施……35\n正文\n第八章 应急处置措施\n"

    assert find_sections(text).headings[8] == "第八章 应急处置措施"


def test_windows_line_endings_are_handled():
    assert find_sections("第一章 工程概况\r\n第二章 编制依据\r\n").found == (1, 2)


def test_a_heading_naming_two_sections_counts_for_both():
    assert find_sections("三、施工进度计划及劳动力计划").found == (3, 6)
