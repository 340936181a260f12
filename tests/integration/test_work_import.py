"""Bulk import of works: files read in every format regulators save, every row checked, all or nothing."""

import csv
import io
import os
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.enterprises.models import ParticipantRole
from knowledge.regions import City
from knowledge.registry import importing as work_import
from knowledge.registry.import_layout import COLUMNS, GUIDE_SHEET
from knowledge.registry.importing import WorkImportError, can_import_works, commit_import, dry_run
from knowledge.registry.models import Work
from knowledge.registry.rules import catalogue
from knowledge.spreadsheets.reading import read_date
from tests.factories import make_account, make_enterprise, make_project

HEADERS = ["项目名称", "所在城市", "区县", "危大工程名称", "工程类别", "子类", "部位", "计划开工日期",
           "计划完工日期", "开挖深度（m）", "地质条件、周围环境或地下管线复杂（是/否）"]  # fmt: skip


def row(project, name="1#楼基坑开挖", **cells):
    values = {"项目名称": project.name, "所在城市": project.city.label, "区县": project.district,
              "危大工程名称": name, "工程类别": "基坑工程", "子类": "", "部位": "1#楼",
              "计划开工日期": "2025-03-01", "计划完工日期": "2025-06-30", "开挖深度（m）": 6,
              "地质条件、周围环境或地下管线复杂（是/否）": "否"}  # fmt: skip
    values.update(cells)
    return values


def xlsx(rows, headers=HEADERS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_file(rows, headers=HEADERS, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for values in rows:
        writer.writerow(["" if values.get(h) is None else values.get(h) for h in headers])
    return out.getvalue().encode(encoding)


def count(session, model=Work, **where):
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return session.scalar(stmt)


@pytest.fixture
def team(session):
    """A general contractor's project team, with one project in Suzhou."""
    gc = make_enterprise(session)
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR)])
    account = make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id)
    return Scope.of(account), project, gc


def test_template_lists_every_column_and_a_guide_generated_from_the_catalogue():
    workbook = openpyxl.load_workbook(io.BytesIO(work_import.template_xlsx()))
    headers = [c.value for c in workbook.worksheets[0][1]]
    assert headers == [c.header for c in COLUMNS]
    assert {"项目名称", "子类", "开挖深度（m）", "影响毗邻建（构）筑物安全（是/否）"} <= set(headers)
    guide = " ".join(str(c.value) for r in workbook[GUIDE_SHEET].iter_rows() for c in r if c.value)
    assert all(s.code in guide and s.label in guide for c in catalogue() for s in c.sub_types)


def test_good_xlsx_is_checked_row_by_row_with_verdicts_and_nothing_written(session, team):
    scope, project, _ = team
    rows = [row(project), row(project, "2#楼基坑开挖", **{"开挖深度（m）": 4})]
    report = dry_run(session, xlsx(rows), "works.xlsx", scope=scope)
    assert report.is_clean and report.ok_count == 2
    assert [r.row_no for r in report.rows] == [2, 3]
    assert [r.verdict_label for r in report.rows] == ["超过一定规模的危大工程", "危大工程"]
    assert report.rows[0].project_name == project.name and report.rows[0].category_label == "基坑工程"
    assert count(session) == 0


def test_commit_writes_every_work_with_one_audit_row_each_and_a_summary(session, team):
    scope, project, _ = team
    data = xlsx([row(project), row(project, "2#楼基坑开挖")])
    assert commit_import(session, data, "works.xlsx", scope=scope) == 2
    works = session.scalars(select(Work).order_by(Work.id)).all()
    assert [w.name for w in works] == ["1#楼基坑开挖", "2#楼基坑开挖"]
    assert works[0].registered_by == scope.account_id and works[0].city is City.SUZHOU
    assert works[0].planned_start == date(2025, 3, 1) and works[0].parameters["excavation_depth"] == "6"
    assert count(session, AuditLog, action="work_import") == 2
    summary = session.scalar(select(AuditLog).where(AuditLog.action == "work_import_batch"))
    assert summary.after["count"] == 2 and summary.after["work_ids"] == [w.id for w in works]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_saved_as_utf8_with_or_without_bom_or_gbk_reads_the_same(session, team, encoding):
    scope, project, _ = team
    report = dry_run(session, csv_file([row(project)], encoding=encoding), "works.csv", scope=scope)
    assert report.is_clean, report.problems() or report.file_errors
    assert report.rows[0].work_name == "1#楼基坑开挖" and report.rows[0].project_name == project.name


def test_tab_separated_unicode_text_from_excel_is_read_too(session, team):
    scope, project, _ = team
    text = "\t".join(HEADERS) + "\n" + "\t".join(str(row(project)[h]) for h in HEADERS) + "\n"
    report = dry_run(session, text.encode("utf-16"), "works.txt", scope=scope)
    assert report.is_clean, report.problems() or report.file_errors


def test_headers_forgive_spaces_half_width_brackets_and_any_order(session, team):
    scope, project, _ = team
    values = row(project)
    headers = [" 开挖深度(m) ", "危大工程名称", "工程类别 ", "所在城市", "项目名称"]
    data = xlsx([{**values, " 开挖深度(m) ": 6, "工程类别 ": "excavation", "所在城市": "苏州"}], headers)
    report = dry_run(session, data, "works.xlsx", scope=scope)
    assert report.is_clean, report.problems()


@pytest.mark.parametrize(
    "value",
    [
        datetime(2025, 3, 1, 8, 30),
        date(2025, 3, 1),
        "2025-03-01",
        "2025/3/1",
        "2025年3月1日",
        "20250301",
        45717,
    ],
)
def test_dates_are_read_in_every_spelling_regulators_use(value):
    assert read_date(value) == date(2025, 3, 1)


def test_unknown_and_missing_columns_are_file_errors(session, team):
    scope, project, _ = team
    data = xlsx([row(project)], ["项目名称", "危大工程名称", "工程类别", "备注"])
    report = dry_run(session, data, "works.xlsx", scope=scope)
    assert not report.is_clean and report.rows == ()
    assert any("无法识别的列：备注" in e for e in report.file_errors)
    assert any("缺少必填列：所在城市" in e for e in report.file_errors)


def test_data_under_a_blank_header_and_a_header_only_file_are_file_errors(session, team):
    scope, project, _ = team
    data = xlsx([{**row(project), "": "多余"}], [*HEADERS, ""])
    assert any("有数据但没有列名" in e for e in dry_run(session, data, "a.xlsx", scope=scope).file_errors)
    assert "没有数据" in dry_run(session, xlsx([]), "a.xlsx", scope=scope).file_errors[0]


def _zip(names):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"", "a.xlsx", "空的"),
        (os.urandom(4096), "a.csv", "无法识别的文件"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a.pdf", "PDF"),
        (_zip(["[Content_Types].xml", "word/document.xml"]), "a.docx", "Word文档"),
        (_zip(["readme.txt"]), "a.zip", "压缩包"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "a.xls", ".xls"),
        (b"not really a workbook", "a.xlsx", "不是有效的Excel文件"),
        (b"\r\n\r\n  \r\n", "a.csv", "没有列名"),
        ("随便写的一句话\n".encode(), "a.csv", "一个列名也没有识别出来"),
    ],
)
def test_anything_but_the_spreadsheet_gets_a_clear_file_error(session, team, data, filename, expected):
    report = dry_run(session, data, filename, scope=team[0])
    assert not report.is_clean and report.rows == ()
    assert expected in report.file_errors[0]


def test_a_damaged_xlsx_is_a_file_error_not_a_traceback(session, team):
    good = xlsx([row(team[1])])
    damaged = good[: len(good) // 2]
    assert "损坏" in dry_run(session, damaged, "a.xlsx", scope=team[0]).file_errors[0]


def test_size_and_row_limits_are_file_errors(session, team):
    scope, project, _ = team
    big = b"\xef\xbb\xbf" + b"x" * (5 * 1024 * 1024)
    assert "5MB" in dry_run(session, big, "big.csv", scope=scope).file_errors[0]
    many = csv_file([row(project, f"基坑{i}") for i in range(5001)])
    assert "超过5000行" in dry_run(session, many, "many.csv", scope=scope).file_errors[0]


def test_every_unparseable_cell_is_reported_with_row_and_column_then_the_rule_error(session, team):
    scope, project, _ = team
    bad = row(project, **{"计划开工日期": "明年春天", "开挖深度（m）": "六米", "所在城市": "苏州市",
                         "地质条件、周围环境或地下管线复杂（是/否）": "也许", "子类": "不存在的子类"})  # fmt: skip
    report = dry_run(session, xlsx([row(project, "好的"), bad]), "works.xlsx", scope=scope)
    problems = {(r, c): m for r, c, m in report.problems()}
    assert set(problems) == {(3, "计划开工日期"), (3, "开挖深度（m）"), (3, "地质条件、周围环境或地下管线复杂（是/否）"),
                             (3, "子类")}  # fmt: skip
    assert "不是有效的日期" in problems[3, "计划开工日期"]
    assert "应为数字" in problems[3, "开挖深度（m）"]
    assert "应为是或否" in problems[3, "地质条件、周围环境或地下管线复杂（是/否）"]
    assert "没有子类“不存在的子类”" in problems[3, "子类"]
    assert report.rows[0].is_ok and report.error_row_count == 1


def test_rule_errors_of_a_work_name_the_column_that_caused_them(session, team):
    scope, project, _ = team
    rows = [
        row(project, "浅基坑", **{"开挖深度（m）": 1}),
        row(project, "颠倒", **{"计划完工日期": "2025-01-01"}),
        row(project, "钢结构", **{"钢结构跨度（m）": 40}),
        row(project, "", **{"工程类别": "模板工程及支撑体系"}),
        row(project, "无效城市", **{"所在城市": "上海"}),
        row(project, "分包", **{"专业分包单位统一社会信用代码": make_enterprise(session).credit_code}),
    ]
    headers = [*HEADERS, "钢结构跨度（m）", "专业分包单位统一社会信用代码"]
    report = dry_run(session, xlsx(rows, headers), "works.xlsx", scope=scope)
    problems = report.problems()
    assert (2, "参数", "尚不能判定是否属于危大工程，请补充：影响毗邻建（构）筑物安全") in problems
    assert (3, "计划完工日期", "计划完工日期不能早于计划开工日期") in problems
    assert any(r == 4 and c == "钢结构跨度（m）" and "不适用于基坑工程" in m for r, c, m in problems)
    assert (5, "危大工程名称", "危大工程名称不能为空") in problems
    assert any(r == 5 and c == "子类" and "包含多个子类" in m for r, c, m in problems)
    assert any(r == 6 and c == "所在城市" and "无法识别的城市“上海”" in m for r, c, m in problems)
    assert (7, "专业分包单位统一社会信用代码", "分包单位须是本项目登记的专业分包单位") in problems


def test_project_not_found_or_ambiguous_is_a_row_error_and_district_or_gc_code_settles_it(session):
    gc1, gc2 = make_enterprise(session), make_enterprise(session)
    one = make_project(
        session, [(gc1, ParticipantRole.GENERAL_CONTRACTOR)], name="同名项目", district="吴中区"
    )
    make_project(session, [(gc2, ParticipantRole.GENERAL_CONTRACTOR)], name="同名项目", district="姑苏区")
    scope = Scope.of(make_account(session, Role.ADMIN))
    ambiguous = row(one, **{"区县": ""})
    missing = row(one, **{"项目名称": "没有这个项目"})
    report = dry_run(session, xlsx([ambiguous, missing]), "works.xlsx", scope=scope)
    assert "有多个名为“同名项目”的项目" in report.rows[0].errors[0].message
    assert "未找到项目“没有这个项目”" in report.rows[1].errors[0].message
    assert {e.column for r in report.rows for e in r.errors} == {"项目名称"}
    by_district = dry_run(session, xlsx([row(one)]), "a.xlsx", scope=scope)
    by_gc = dry_run(session, xlsx([{**ambiguous, "总承包单位统一社会信用代码": gc1.credit_code.lower()}],
                                  [*HEADERS, "总承包单位统一社会信用代码"]), "a.xlsx", scope=scope)  # fmt: skip
    assert by_district.is_clean and by_gc.is_clean
    assert by_gc.rows[0].fields["project"].id == one.id


def test_duplicate_rows_and_names_already_registered_are_row_errors(session, team):
    scope, project, _ = team
    commit_import(session, xlsx([row(project, "已登记")]), "first.xlsx", scope=scope)
    rows = [row(project, "新的"), row(project, " 新的 "), row(project, "已登记")]
    report = dry_run(session, xlsx(rows), "second.xlsx", scope=scope)
    assert report.problems() == [
        (3, "危大工程名称", "与第2行重复：同一项目下已有同名危大工程"),
        (4, "危大工程名称", "该项目已登记同名危大工程"),
    ]


def test_one_bad_row_refuses_the_whole_file_and_writes_nothing(session, team):
    scope, project, _ = team
    data = xlsx([row(project), row(project, "坏的", **{"开挖深度（m）": -3})])
    with pytest.raises(WorkImportError) as info:
        commit_import(session, data, "works.xlsx", scope=scope)
    assert info.value.report.problems()[0][:2] == (3, "开挖深度（m）")
    assert "未导入任何数据" in str(info.value)
    assert count(session) == 0 and count(session, AuditLog) == 0


def test_a_failure_midway_through_the_commit_rolls_everything_back(session, team, monkeypatch):
    scope, project, _ = team
    calls = []

    def failing_record(*args, **kwargs):
        calls.append(kwargs["action"])
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", failing_record)
    with pytest.raises(RuntimeError):
        commit_import(session, xlsx([row(project), row(project, "2#")]), "works.xlsx", scope=scope)
    monkeypatch.undo()
    assert count(session) == 0 and count(session, AuditLog) == 0


def test_who_may_import_for_which_project(session):
    gc, supervisor = make_enterprise(session), make_enterprise(session)
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR),
                                     (supervisor, ParticipantRole.SUPERVISOR)])  # fmt: skip
    data = xlsx([row(project)])

    def outcome(role, **overrides):
        report = dry_run(session, data, "a.xlsx", scope=Scope.of(make_account(session, role, **overrides)))
        return "ok" if report.is_clean else report.rows[0].errors[0].message[:5]

    assert outcome(Role.PROJECT_TEAM, enterprise_id=gc.id) == "ok"
    assert outcome(Role.ADMIN) == "ok"
    assert outcome(Role.REGULATOR) == "ok"
    assert outcome(Role.REGULATOR, city=City.SUZHOU) == "ok"
    assert outcome(Role.PROJECT_TEAM, enterprise_id=supervisor.id) == "无权为该项"
    assert outcome(Role.DRAW_OFFICE) == "无权为该项"
    # a project outside one's view is not found, so its existence is not disclosed
    assert outcome(Role.REGULATOR, city=City.NANJING) == "未找到项目"
    assert outcome(Role.PROJECT_TEAM) == "未找到项目"


def test_can_import_works_follows_registration_except_for_regulators_of_the_place():
    participants = [(7, ParticipantRole.SUBCONTRACTOR), (8, ParticipantRole.SUPERVISOR)]
    assert can_import_works(Scope(1, Role.PROJECT_TEAM, enterprise_id=7), City.WUXI, participants)
    assert not can_import_works(Scope(1, Role.PROJECT_TEAM, enterprise_id=8), City.WUXI, participants)
    assert can_import_works(Scope(1, Role.REGULATOR, city=City.WUXI), City.WUXI, [])
    assert not can_import_works(Scope(1, Role.REGULATOR, city=City.NANJING), City.WUXI, [])
    assert can_import_works(Scope(1, Role.REGULATOR), City.WUXI, [])
    assert not can_import_works(Scope(1, Role.EXPERT, expert_id=3), City.WUXI, participants)
