"""Bulk import of experts: files read as pool offices save them, every row checked by column, all or nothing."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.experts import importing as expert_import
from expert_pool.experts import services
from expert_pool.experts.identity import IdentityVault, check_character, mask
from expert_pool.experts.importing import COLUMNS, GUIDE_SHEET, ExpertImportError, commit_import, dry_run
from expert_pool.experts.models import Employment, Expert, ExpertSpecialty, TitleLevel
from knowledge import audit
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.regions import City
from knowledge.registry.rules import catalogue
from tests.factories import admin_scope, credit_code, make_account, make_enterprise

VAULT = IdentityVault(IdentityVault.new_key())
HEADERS = ["姓名", "身份证号码", "所在城市", "职称", "职称级别", "电话", "电子邮箱", "专业", "年度评审上限",
           "现任职单位统一社会信用代码", "任职起始日期", "曾任职单位统一社会信用代码", "曾任职期间"]  # fmt: skip


def id_number(n: int = 1) -> str:
    body = f"320102198001{n:05d}"
    return body + check_character(body)


def row(n: int = 1, **cells):
    values = {"姓名": f"专家{n}", "身份证号码": id_number(n), "所在城市": "南京市", "职称": "正高级工程师",
              "职称级别": "正高级", "电话": "13812345678", "电子邮箱": f"e{n}@example.com", "专业": "基坑工程",
              "年度评审上限": "", "现任职单位统一社会信用代码": "", "任职起始日期": "",
              "曾任职单位统一社会信用代码": "", "曾任职期间": ""}  # fmt: skip
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


def count(session, model=Expert, **where):
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return session.scalar(stmt)


def problems_of(session, *rows):
    return dry_run(session, xlsx(rows), "experts.xlsx", vault=VAULT).problems()


@pytest.fixture
def firms(session):
    """Three registered enterprises: the current employer and two former ones."""
    return [make_enterprise(session, name=f"南京测试建设集团{i}", city=City.NANJING) for i in range(3)]


def test_template_lists_every_column_and_a_guide_generated_from_the_catalogue_and_cities():
    workbook = openpyxl.load_workbook(io.BytesIO(expert_import.template_xlsx()))
    assert [c.value for c in workbook.worksheets[0][1]] == [c.header for c in COLUMNS]
    assert set(HEADERS) == {c.header for c in COLUMNS}
    guide = " ".join(str(c.value) for r in workbook[GUIDE_SHEET].iter_rows() for c in r if c.value)
    assert all(c.code in guide and c.label in guide for c in catalogue())
    assert all(c.label in guide for c in City) and all(t.label in guide for t in TitleLevel)


def test_good_xlsx_is_checked_row_by_row_and_nothing_is_written(session, firms):
    current, past1, past2 = firms
    rows = [
        row(1, 专业="基坑工程、模板工程及支撑体系", 现任职单位统一社会信用代码=current.credit_code,
            任职起始日期="2019-07-01", 曾任职单位统一社会信用代码=f"{past1.credit_code}；{past2.credit_code}",
            曾任职期间="2010-03至2015-02；2015-03至2019-06"),
        row(2, 所在城市="苏州", 专业="lifting"),
    ]  # fmt: skip
    report = dry_run(session, xlsx(rows), "experts.xlsx", vault=VAULT)
    assert report.is_clean, report.problems()
    assert [r.row_no for r in report.rows] == [2, 3]
    first = report.rows[0]
    assert first.id_masked == mask(id_number(1)) and first.city_label == "南京市"
    assert first.specialty_labels == "基坑工程、模板工程及支撑体系" and first.employer_name == current.name
    assert (
        report.rows[1].city_label == "苏州市"
        and report.rows[1].specialty_labels == "起重吊装及起重机械安装拆卸工程"
    )
    assert count(session) == 0


def test_commit_adds_experts_with_specialties_and_full_history_one_audit_row_each_and_a_batch_row(
    session, firms
):
    current, past1, past2 = firms
    actor = make_account(session)
    rows = [
        row(1, 专业="基坑、formwork", 年度评审上限=20, 现任职单位统一社会信用代码=current.credit_code.lower(),
            任职起始日期="2019/7/1", 曾任职单位统一社会信用代码=f"{past1.credit_code}，{past2.credit_code}",
            曾任职期间="2010.03至2015.02；2015年3月至2019年6月"),
        row(2, 职称级别="副高级"),
    ]  # fmt: skip
    assert commit_import(session, xlsx(rows), "experts.xlsx", vault=VAULT, scope=Scope.of(actor)) == 2
    first, second = session.scalars(select(Expert).order_by(Expert.id)).all()
    assert (
        first.name == "专家1" and first.city is City.NANJING and first.title_level is TitleLevel.FULL_SENIOR
    )
    assert VAULT.decrypt(first.id_number_encrypted) == id_number(1) and first.id_number_masked == mask(
        id_number(1)
    )
    assert first.specialty_codes == ["excavation", "formwork"] and first.annual_cap == 20
    history = sorted((j.enterprise_id, j.start, j.end_date) for j in first.employments)
    assert history == sorted([(current.id, date(2019, 7, 1), None), (past1.id, date(2010, 3, 1), date(2015, 2, 28)),
                              (past2.id, date(2015, 3, 1), date(2019, 6, 30))])  # fmt: skip
    assert second.title_level is TitleLevel.SENIOR and second.employments == [] and second.annual_cap is None
    logs = session.scalars(
        select(AuditLog).where(AuditLog.action == "expert_import").order_by(AuditLog.id)
    ).all()
    assert [(log.object_id, log.actor_id, log.after["row"]) for log in logs] == [
        (str(first.id), actor.id, 2), (str(second.id), actor.id, 3)]  # fmt: skip
    assert len(logs[0].after["employments"]) == 3
    batch = session.scalar(select(AuditLog).where(AuditLog.action == "expert_import_batch"))
    assert batch.after == {"filename": "experts.xlsx", "count": 2, "expert_ids": [first.id, second.id]}
    every_log = " ".join(str(log.after) for log in session.scalars(select(AuditLog)))
    assert (
        id_number(1) not in every_log and id_number(2) not in every_log
    )  # PIPL: the log keeps the mask only


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_saved_as_utf8_or_gb18030_reads_the_same(session, firms, encoding):
    rows = [row(1, 姓名="欧阳䶮", 现任职单位统一社会信用代码=firms[0].credit_code, 任职起始日期="2019-07-01")]
    report = dry_run(session, csv_file(rows, encoding=encoding), "experts.csv", vault=VAULT)
    assert report.is_clean, report.problems() or report.file_errors
    assert report.rows[0].name == "欧阳䶮" and report.rows[0].employer_name == firms[0].name


def test_headers_forgive_spaces_aliases_and_any_order_and_optional_columns_may_be_left_out(session):
    headers = ["专业 ", "身份证号", "城市", " 姓名", "手机"]
    values = {"专业 ": "基坑工程 模板工程", "身份证号": id_number(1).lower(), "城市": "江苏省南京市", " 姓名": "王工",
              "手机": 13912345678}  # fmt: skip
    report = dry_run(session, xlsx([values], headers), "experts.xlsx", vault=VAULT)
    assert report.is_clean, report.problems()
    fields = report.rows[0].fields
    assert (
        fields["phone_masked"] == "139****5678" and VAULT.decrypt(fields["phone_encrypted"]) == "13912345678"
    )
    assert report.rows[0].fields["specialties"] == ["excavation", "formwork"]


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"姓名": ""}, "姓名", "姓名不能为空"),
        ({"姓名": "名" * 65}, "姓名", "不超过64个字符"),
        ({"身份证号码": ""}, "身份证号码", "身份证号码不能为空"),
        ({"身份证号码": "3201021980"}, "身份证号码", "应为18位"),
        ({"身份证号码": id_number(1)[:17] + ("0" if id_number(1)[17] != "0" else "1")}, "身份证号码", "校验位不正确"),
        ({"身份证号码": 3.2010219800100003e17}, "身份证号码", "被Excel存成了数字"),
        ({"所在城市": "上海市"}, "所在城市", "无法识别的城市“上海市”，应为江苏省13个设区市之一"),
        ({"所在城市": ""}, "所在城市", "所在城市不能为空"),
        ({"职称": "职" * 65}, "职称", "职称不超过64个字符"),
        ({"职称级别": "中级"}, "职称级别", "无法识别的职称级别“中级”，应为“副高级”或“正高级”"),
        ({"电话": "12345"}, "电话", "电话号码格式不正确"),
        ({"电子邮箱": "not-an-email"}, "电子邮箱", "电子邮箱格式不正确"),
        ({"专业": ""}, "专业", "专业不能为空"),
        ({"专业": "基坑工程、桥梁工程"}, "专业", "无法识别的专业：桥梁工程。应为工程类别名称或代码：基坑工程"),
        ({"年度评审上限": 0}, "年度评审上限", "应为1至200之间的整数"),
        ({"年度评审上限": "三十"}, "年度评审上限", "应为1至200之间的整数"),
        ({"现任职单位统一社会信用代码": "91320000ABC", "任职起始日期": "2019-07-01"}, "现任职单位统一社会信用代码",
         "统一社会信用代码应为18位"),
        ({"现任职单位统一社会信用代码": "{code}"}, "任职起始日期", "须同时填写任职起始日期"),
        ({"现任职单位统一社会信用代码": "{code}", "任职起始日期": "去年"}, "任职起始日期", "“去年”不是有效的日期"),
        ({"任职起始日期": "2019-07-01"}, "任职起始日期", "没有填写现任职单位统一社会信用代码"),
        ({"曾任职单位统一社会信用代码": "{code}"}, "曾任职期间", "曾任职单位有1个，曾任职期间有0段，应一一对应"),
        ({"曾任职单位统一社会信用代码": "{code}", "曾任职期间": "2015年前后"}, "曾任职期间", "不是有效的任职期间"),
        ({"曾任职单位统一社会信用代码": "{code}", "曾任职期间": "2019-06至2015-03"}, "曾任职期间", "结束早于开始"),
        ({"曾任职单位统一社会信用代码": "{code}", "曾任职期间": "2015-13至2019-06"}, "曾任职期间", "不是有效的任职期间"),
        ({"曾任职单位统一社会信用代码": "{code}", "曾任职期间": "2015-03至今"}, "曾任职期间", "须有结束年月"),
    ],
)  # fmt: skip
def test_every_kind_of_bad_cell_is_reported_with_its_row_and_column(session, firms, cells, column, message):
    cells = {k: v.format(code=firms[0].credit_code) if isinstance(v, str) else v for k, v in cells.items()}
    problems = problems_of(session, row(1), row(2, **cells))
    assert [(r, c) for r, c, _ in problems] == [(3, column)], problems
    assert message in problems[0][2]


def test_every_problem_of_a_row_is_listed_not_only_the_first(session):
    bad = row(1, 姓名="", 所在城市="上海", 电话="1", 专业="桥梁", 年度评审上限=999)
    columns = [c for _, c, _ in problems_of(session, bad)]
    assert columns == ["姓名", "所在城市", "电话", "专业", "年度评审上限"]


def test_an_unknown_enterprise_code_is_named_with_a_clear_message(session, firms):
    unknown, other = credit_code(), credit_code()
    bad = row(1, 现任职单位统一社会信用代码=unknown, 任职起始日期="2019-07-01",
              曾任职单位统一社会信用代码=f"{firms[1].credit_code}；{other}", 曾任职期间="2010-01至2012-12；2013-01至2019-06")  # fmt: skip
    assert problems_of(session, bad) == [
        (2, "现任职单位统一社会信用代码", f"统一社会信用代码 {unknown} 在系统中未登记：请核对代码，或先在单位库中登记该单位"),
        (2, "曾任职单位统一社会信用代码", f"统一社会信用代码 {other} 在系统中未登记：请核对代码，或先在单位库中登记该单位"),
    ]  # fmt: skip


def test_duplicates_within_the_file_and_against_the_pool_are_row_errors(session):
    services.create_expert(session, services.ExpertInput("老专家", City.WUXI, id_number(9), specialties=["excavation"]),
                           vault=VAULT, scope=admin_scope(session))  # fmt: skip
    existing = session.scalar(select(Expert.id))
    rows = [row(1), row(2), row(3, 身份证号码=f" {id_number(1).lower()} "), row(9)]
    assert problems_of(session, *rows) == [
        (4, "身份证号码", "与第2行重复：同一身份证号码只能导入一次"),
        (5, "身份证号码", f"该身份证号码已登记为专家“老专家”（编号 {existing}）"),
    ]


def test_one_bad_row_refuses_the_whole_file_and_writes_nothing(session, firms):
    data = xlsx([row(1, 现任职单位统一社会信用代码=firms[0].credit_code, 任职起始日期="2019-07-01"),
                 row(2, 电话="110")])  # fmt: skip
    with pytest.raises(ExpertImportError) as info:
        commit_import(session, data, "experts.xlsx", vault=VAULT, scope=admin_scope(session))
    assert info.value.report.problems()[0][:2] == (3, "电话")
    assert "未导入任何专家" in str(info.value)
    assert count(session) == 0 and count(session, Employment) == 0 and count(session, AuditLog) == 0


def test_a_failure_midway_through_the_commit_rolls_everything_back(session, firms, monkeypatch):
    calls = []

    def failing_record(*args, **kwargs):
        calls.append(kwargs["action"])
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", failing_record)
    data = xlsx([row(1, 现任职单位统一社会信用代码=firms[0].credit_code, 任职起始日期="2019-07-01"), row(2)])
    with pytest.raises(RuntimeError):
        commit_import(session, data, "experts.xlsx", vault=VAULT, scope=admin_scope(session))
    monkeypatch.undo()
    assert count(session) == 0 and count(session, ExpertSpecialty) == 0 and count(session, Employment) == 0
    assert count(session, AuditLog) == 0


def test_an_expert_added_by_someone_else_after_the_dry_run_is_reported_not_a_crash(session, monkeypatch):
    real_dry_run = expert_import.dry_run
    other = Session(session.get_bind())
    scope = admin_scope(session)

    def dry_run_then_someone_adds(*args, **kwargs):
        report = real_dry_run(*args, **kwargs)
        if not count(other):
            services.create_expert(other, services.ExpertInput("抢先", City.NANJING, id_number(2),
                                   specialties=["excavation"]), vault=VAULT, scope=scope)  # fmt: skip
        return report

    monkeypatch.setattr(expert_import, "dry_run", dry_run_then_someone_adds)
    with pytest.raises(ExpertImportError) as info:
        commit_import(session, xlsx([row(1), row(2)]), "experts.xlsx", vault=VAULT, scope=scope)
    other.close()
    assert [(r, c) for r, c, _ in info.value.report.problems()] == [(3, "身份证号码")]
    assert "已登记为专家“抢先”" in info.value.report.problems()[0][2]
    assert count(session) == 1 and count(session, AuditLog) == 1  # only the other office's own expert


def test_unknown_and_missing_columns_are_file_errors(session):
    report = dry_run(session, xlsx([row(1)], ["姓名", "身份证号码", "备注"]), "experts.xlsx", vault=VAULT)
    assert not report.is_clean and report.rows == ()
    assert any("无法识别的列：备注" in e for e in report.file_errors)
    assert any("缺少必填列：所在城市、专业" in e for e in report.file_errors)
    twice = dry_run(session, xlsx([row(1)], [*HEADERS, "身份证号"]), "experts.xlsx", vault=VAULT)
    assert "列“身份证号码”出现了不止一次（第N列）" in twice.file_errors[0]


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "experts.pdf", "上传的是PDF文件，不是表格"),
        (b"", "experts.xlsx", "空的"),
        (b"\xef\xbb\xbf" + b"x" * (5 * 1024 * 1024), "big.csv", "文件超过5MB"),
        ("随便写的一句话\n".encode(), "a.csv", "一个列名也没有识别出来"),
        (xlsx([]), "a.xlsx", "文件中没有数据"),
    ],
)
def test_anything_but_an_expert_sheet_gets_a_clear_file_error(session, data, filename, expected):
    report = dry_run(session, data, filename, vault=VAULT)
    assert not report.is_clean and report.rows == ()
    assert expected in report.file_errors[0]


def test_more_than_five_thousand_rows_is_a_file_error(session):
    data = csv_file([row(i) for i in range(5001)])
    assert "超过5000行" in dry_run(session, data, "many.csv", vault=VAULT).file_errors[0]


def test_the_guide_sample_row_imports_once_registered_codes_are_written_in(session, firms):
    workbook = openpyxl.load_workbook(io.BytesIO(expert_import.template_xlsx()))
    guide_rows = [[c.value for c in r] for r in workbook[GUIDE_SHEET].iter_rows()]
    headers, sample = guide_rows[-2], guide_rows[-1]
    values = dict(zip(headers, sample, strict=True))
    values.update(
        {
            "现任职单位统一社会信用代码": firms[0].credit_code,
            "曾任职单位统一社会信用代码": firms[1].credit_code,
        }
    )
    report = dry_run(session, xlsx([values], headers), "sample.xlsx", vault=VAULT)
    assert report.is_clean, report.problems()
