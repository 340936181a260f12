"""The columns of the experts import spreadsheet, the matching of a file's headers to them, the template."""

from __future__ import annotations

from expert_pool.experts import services
from expert_pool.experts.identity import check_character
from expert_pool.experts.models import TitleLevel
from knowledge.regions import City
from knowledge.spreadsheets import layout
from knowledge.spreadsheets.layout import Column, GuideRow, Layout

DATA_SHEET, GUIDE_SHEET = "专家", "填写说明"

COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, "不超过64个字"),
    Column("id_number", "身份证号码", True, "18位，末位可为X；该列请设为文本格式，以免Excel改写长数字", ("身份证号", "身份证")),
    Column("city", "所在城市", True, "如 南京市 或 南京", ("城市",)),
    Column("title", "职称", False, "如 正高级工程师"),
    Column("title_level", "职称级别", False, "、".join(t.label for t in TitleLevel)),
    Column("phone", "电话", False, "手机11位，或带区号的固定电话", ("手机", "手机号码", "联系电话")),
    Column("email", "电子邮箱", False, "", ("邮箱", "电子邮件")),
    Column("specialties", "专业", True, "填写工程类别名称或代码，多个用、分隔，见下表"),
    Column("annual_cap", "年度评审上限", False, "1至200的整数；留空按政策默认"),
    Column("employer_code", "现任职单位统一社会信用代码", False, "须为系统中已登记的单位"),
    Column("employer_start", "任职起始日期", False, "填写现任职单位时必填，如 2019-07-01"),
    Column("past_codes", "曾任职单位统一社会信用代码", False, "多个用；分隔，须为系统中已登记的单位"),
    Column("past_periods", "曾任职期间", False, "如 2015-03至2019-06，多段用；分隔，与曾任职单位一一对应"),
)  # fmt: skip
LAYOUT: Layout[Column] = Layout(COLUMNS, "专家导入模板", DATA_SHEET, GUIDE_SHEET)
TEXT_KEYS = frozenset({"id_number", "phone", "employer_code", "past_codes"})  # Excel keeps all 18 digits
_CODE_HINT = "（已登记单位的统一社会信用代码）"


def template_xlsx() -> bytes:
    """An empty import sheet with every header, and a guide generated from the catalogue and the cities."""
    # Drop-down lists as a help only: other spellings (南京, a code, several specialties) stay allowed.
    choices = {"city": ",".join(c.label for c in City), "title_level": ",".join(t.label for t in TitleLevel),
               "specialties": ",".join(services.SPECIALTIES.values())}  # fmt: skip
    return layout.template_xlsx(LAYOUT, _guide(), choices=choices, text_keys=TEXT_KEYS)


def _guide() -> list[GuideRow]:
    return [
        *layout.guide_head(LAYOUT, each_row="一位专家", optional="选填", closing="导入要么全部成功，要么一条也不写入。"),
        (),
        ("专业代码", "专业（工程类别）"),
        *services.SPECIALTIES.items(),
        (),
        ("城市代码", "所在城市"),
        *((c.value, c.label) for c in City),
        *layout.guide_sample(LAYOUT, sample_row(), note="；身份证号码为虚构"),
    ]  # fmt: skip


def sample_row() -> list[str]:
    """A row that imports cleanly once the enterprise codes of registered units are written in."""
    body = City.NANJING.division_code[:4] + "0219800101001"
    labels = list(services.SPECIALTIES.values())
    values = {"name": "张三", "id_number": body + check_character(body), "city": City.NANJING.label,
              "title": "正高级工程师", "title_level": TitleLevel.FULL_SENIOR.label, "phone": "13812345678",
              "email": "zhangsan@example.com", "specialties": "、".join(labels[:2]), "annual_cap": "",
              "employer_code": _CODE_HINT, "employer_start": "2019-07-01", "past_codes": _CODE_HINT,
              "past_periods": "2012-03至2019-06"}  # fmt: skip
    return [values.get(c.key, "") for c in COLUMNS]
