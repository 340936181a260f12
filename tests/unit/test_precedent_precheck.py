"""Issue 23 item 2 (pure): a plan's sections checked for the key terms of the common problems, with evidence."""

from expert_pool.precedents.precheck import (
    KnownProblem,
    PlanText,
    Verdict,
    check_plan,
    check_problem,
    is_readable,
)
from knowledge.plans.sections import section_texts
from tests.precedent_factories import PLAN_TEXT

UPLIFT = KnownProblem(1, "缺少坑底抗隆起验算", 9, ("抗隆起", "坑底"), 8)
STABILITY = KnownProblem(2, "应补充基坑整体稳定性计算", 9, ("整体稳定",), 3)
ALARM = KnownProblem(3, "监测报警值未明确", 5, ("报警值",), 6)
EMERGENCY = KnownProblem(4, "应急预案不具体", 8, ("应急",), 4)
UNCHECKABLE = KnownProblem(5, "验算不全", 9, (), 2)


def test_the_plan_is_cut_into_its_nine_sections():
    sections = section_texts(PLAN_TEXT)
    assert sorted(sections) == list(range(1, 10))
    assert "整体稳定安全系数" in sections[9] and "整体稳定安全系数" not in sections[5]


def test_a_term_missing_from_its_section_is_not_found_and_a_present_one_is_quoted():
    plan = PlanText.of(PLAN_TEXT)
    uplift = check_problem(plan, UPLIFT)
    assert uplift.verdict is Verdict.NOT_FOUND
    assert uplift.evidence.missing == ("抗隆起", "坑底") and uplift.evidence.section == 9
    assert uplift.evidence.describe() == "在“计算书及相关施工图纸”中未找到“抗隆起、坑底”"
    stability = check_problem(plan, STABILITY)
    assert stability.verdict is Verdict.ADDRESSED
    assert stability.evidence.found[0].word == "整体稳定" and "Ks=1.42" in stability.evidence.found[0].snippet
    assert check_problem(plan, ALARM).verdict is Verdict.NOT_FOUND
    assert check_problem(plan, EMERGENCY).verdict is Verdict.ADDRESSED


def test_any_spelling_of_a_term_counts():
    plan = PlanText.of(PLAN_TEXT.replace("监测点间距不大于20m。", "监测点间距不大于20m，各项预警值见附表。"))
    alarm = check_problem(plan, ALARM)
    assert alarm.verdict is Verdict.ADDRESSED and alarm.evidence.found[0].word == "预警值"


def test_a_term_in_another_section_is_quoted_but_the_problem_is_still_not_found_where_it_belongs():
    text = PLAN_TEXT.replace("第五章 施工安全保证措施\n", "第五章 施工安全保证措施\n坑底抗隆起验算见另册。\n")
    uplift = check_problem(PlanText.of(text), UPLIFT)
    assert uplift.verdict is Verdict.NOT_FOUND and [h.term for h in uplift.evidence.elsewhere] == [
        "抗隆起",
        "坑底",
    ]


def test_a_plan_without_the_section_is_told_so():
    text = "\n".join(line for line in PLAN_TEXT.splitlines() if not line.startswith("第八章"))
    text = text.replace("应急预案：", "")
    emergency = check_problem(PlanText.of(text), EMERGENCY)
    assert emergency.verdict is Verdict.NOT_FOUND and not emergency.evidence.section_present
    assert emergency.evidence.describe() == "方案中未找到“应急处置措施”章节"


def test_a_plan_without_any_heading_is_searched_whole():
    text = "基坑开挖深度6m。计算表明坑底抗隆起安全系数满足要求，整体稳定安全系数1.40。"
    plan = PlanText.of(text)
    assert plan.sections == {}
    uplift = check_problem(plan, UPLIFT)
    assert uplift.verdict is Verdict.ADDRESSED and uplift.evidence.section is None
    assert "全文" in uplift.evidence.describe()


def test_problems_without_key_terms_are_not_checked_and_the_order_is_kept():
    checks = check_plan(PlanText.of(PLAN_TEXT), [UPLIFT, UNCHECKABLE, ALARM])
    assert [c.problem.id for c in checks] == [1, 3]


def test_an_empty_or_scanned_text_is_not_readable():
    assert not is_readable("")
    assert not is_readable("  \n\f 第1页 \n")
    assert is_readable(PLAN_TEXT)


def test_a_missing_section_problem_is_addressed_by_the_sections_heading():
    missing = KnownProblem(6, "按建办质〔2018〕31号要求补充“验收要求”内容", 7, ("章节:验收要求",), 5)
    present = check_problem(PlanText.of(PLAN_TEXT), missing)
    assert present.verdict is Verdict.ADDRESSED and present.evidence.found[0].word == "第七章 验收要求"
    text = PLAN_TEXT.replace("第七章 验收要求", "第七章 其他")
    absent = check_problem(PlanText.of(text), missing)
    assert absent.verdict is Verdict.NOT_FOUND and absent.evidence.describe() == "方案中未找到“验收要求”章节"
