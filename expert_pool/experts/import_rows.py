"""The checks of one row of an experts import, cell by cell, each problem named by its column."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from expert_pool.errors import ExpertError
from expert_pool.experts import services
from expert_pool.experts.identity import IdentityVault, mask, normalize_id_number
from expert_pool.experts.import_layout import LAYOUT
from expert_pool.experts.models import TitleLevel
from knowledge.enterprises import creditcode
from knowledge.enterprises.models import Enterprise
from knowledge.errors import DomainError
from knowledge.regions import City
from knowledge.spreadsheets.importing import CheckedRow, RowError
from knowledge.spreadsheets.reading import cell_text, norm, read_city, read_date

_LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")
_PERIOD_SEPARATORS = re.compile(r"\s*[;；、,，\n]+\s*")
_RANGE = re.compile(r"\s*(?:至|到|~|～|—+|–|－)\s*")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_NOT_A_PERIOD = "“{}”不是有效的任职期间，请写成 2015-03至2019-06"


@dataclass(frozen=True)
class ImportRow(CheckedRow):
    name: str = ""
    id_masked: str = ""
    city_label: str = ""
    specialty_labels: str = ""
    employer_name: str = ""


Fail = Callable[[str, str], None]
Job = tuple[Enterprise, date, date | None]


class RowChecker:
    """Checks rows one by one, remembering enterprises looked up and the ID numbers seen so far."""

    def __init__(self, session: Session, vault: IdentityVault, clashes: Mapping[str, str]) -> None:
        self.session, self.vault, self.clashes = session, vault, clashes
        self._enterprises: dict[str, Enterprise | str] = {}
        self._seen: dict[str, int] = {}

    def check(self, row_no: int, v: Mapping[str, object]) -> ImportRow:
        errors: list[RowError] = []

        def fail(key: str, message: str) -> None:
            errors.append(RowError(LAYOUT.header_of.get(key, ""), message))

        name, title = cell_text(v["name"]), cell_text(v["title"])
        if not name or len(name) > 64:
            fail("name", "姓名不能为空，且不超过64个字符")
        if len(title) > 64:
            fail("title", "职称不超过64个字符")
        number = self._id_number(row_no, v["id_number"], fail)
        city = _city(cell_text(v["city"]), fail)
        level = _title_level(cell_text(v["title_level"]), fail)
        phone, email = _contact(cell_text(v["phone"]), cell_text(v["email"]), fail)
        specialties = _specialties(cell_text(v["specialties"]), fail)
        cap = _annual_cap(v["annual_cap"], fail)
        jobs = self._jobs(v, fail)
        fields = None
        if not errors and number and city:
            data = services.ExpertInput(name, city, number, title, level, phone, email, specialties, cap)
            fields = self._clean(data, jobs, fail)
        return ImportRow(
            row_no, tuple(errors), fields if not errors else None, name=name,
            id_masked=mask(number) if number else "", city_label=city.label if city else "",
            specialty_labels="、".join(services.SPECIALTIES[s] for s in specialties),
            employer_name=jobs[0][0].name if jobs and jobs[0][2] is None else "",
        )  # fmt: skip

    def _id_number(self, row_no: int, raw: object, fail: Fail) -> str:
        if raw is None:
            fail("id_number", "身份证号码不能为空")
            return ""
        if isinstance(raw, float):
            fail("id_number", "身份证号码被Excel存成了数字，后几位已丢失：请把该列设为文本格式后重新填写")
            return ""
        try:
            number = normalize_id_number(cell_text(raw))
        except DomainError as exc:
            fail("id_number", str(exc))
            return ""
        first = self._seen.setdefault(number, row_no)
        if first != row_no:
            fail("id_number", f"与第{first}行重复：同一身份证号码只能导入一次")
        elif clash := self.clashes.get(self.vault.lookup_hash(number)):
            fail("id_number", clash)
        return number

    def _jobs(self, v: Mapping[str, object], fail: Fail) -> list[Job]:
        """The current job first (no end date), then past ones in the order written."""
        jobs: list[Job] = []
        code, start = cell_text(v["employer_code"]), _date(v, "employer_start", fail)
        if code:
            enterprise = self._enterprise(code, "employer_code", fail)
            if v["employer_start"] is None:
                fail("employer_start", "填写了现任职单位，须同时填写任职起始日期")
            if enterprise is not None and start is not None:
                jobs.append((enterprise, start, None))
        elif v["employer_start"] is not None:
            fail("employer_start", "填写了任职起始日期，但没有填写现任职单位统一社会信用代码")
        codes = [c for c in _LIST_SEPARATORS.split(cell_text(v["past_codes"])) if c]
        texts = [p for p in _PERIOD_SEPARATORS.split(cell_text(v["past_periods"])) if p]
        if len(codes) != len(texts):
            fail(
                "past_periods",
                f"曾任职单位有{len(codes)}个，曾任职期间有{len(texts)}段，应一一对应（多个用；分隔）",
            )
        enterprises = [self._enterprise(c, "past_codes", fail) for c in codes]
        periods = [_period(text, fail) for text in texts]
        for enterprise, period in zip(enterprises, periods, strict=False):
            if enterprise is not None and period is not None:
                jobs.append((enterprise, *period))
        return jobs

    def _enterprise(self, code: str, key: str, fail: Fail) -> Enterprise | None:
        if code not in self._enterprises:
            self._enterprises[code] = self._find_enterprise(code)
        found = self._enterprises[code]
        if isinstance(found, str):
            fail(key, found)
            return None
        return found

    def _find_enterprise(self, code: str) -> Enterprise | str:
        try:
            normalized = creditcode.validate(code)
        except creditcode.CreditCodeError as exc:
            return f"“{code}”：{exc}"
        try:
            return services.enterprise_by_code(self.session, normalized)
        except ExpertError:
            return f"统一社会信用代码 {normalized} 在系统中未登记：请核对代码，或先在单位库中登记该单位"

    def _clean(self, data: services.ExpertInput, jobs: list[Job], fail: Fail) -> dict[str, Any] | None:
        try:
            fields = services.clean_fields(self.session, data, self.vault, None)
        except DomainError as exc:
            fail(exc.field or "", str(exc))
            return None
        return {**fields, "specialties": sorted(set(data.specialties)), "jobs": jobs}


def _city(text: str, fail: Fail) -> City | None:
    city = read_city(text) if text else None
    if city is None:
        fail(
            "city",
            f"无法识别的城市“{text}”，应为江苏省{len(City)}个设区市之一，如 南京市"
            if text
            else "所在城市不能为空",
        )
    return city


def _title_level(text: str, fail: Fail) -> TitleLevel | None:
    if not text:
        return None
    for level in TitleLevel:
        if norm(text) in (level.value, norm(level.label), norm(level.label).removesuffix("级")):
            return level
    fail("title_level", f"无法识别的职称级别“{text}”，应为{'或'.join(f'“{t.label}”' for t in TitleLevel)}")
    return None


def _contact(phone: str, email: str, fail: Fail) -> tuple[str, str]:
    for key, pair in (("phone", (phone, "")), ("email", ("", email))):
        try:
            services.check_contact(*pair)
        except ExpertError as exc:
            fail(key, str(exc))
    return phone, email


def specialty_code(text: str) -> str | None:
    """The category code for excavation, 基坑工程, or the start of one label only (基坑, 模板工程); else None."""
    word = norm(text)
    exact = [code for code, label in services.SPECIALTIES.items() if word in (norm(code), norm(label))]
    starts = [code for code, label in services.SPECIALTIES.items() if norm(label).startswith(word)]
    found = exact or (starts if len(word) >= 2 else [])
    return found[0] if len(found) == 1 else None


def _specialties(text: str, fail: Fail) -> list[str]:
    words = [w for w in _LIST_SEPARATORS.split(text) if w]
    if not words:
        fail("specialties", "专业不能为空，至少填写一个")
        return []
    codes = [specialty_code(w) for w in words]
    unknown = [w for w, c in zip(words, codes, strict=True) if c is None]
    if unknown:
        choices = "、".join(services.SPECIALTIES.values())
        fail("specialties", f"无法识别的专业：{'、'.join(unknown)}。应为工程类别名称或代码：{choices}")
    return list(dict.fromkeys(c for c in codes if c is not None))


def _annual_cap(raw: object, fail: Fail) -> int | None:
    text = cell_text(raw)
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 200:
        fail("annual_cap", f"年度评审上限“{text}”应为1至200之间的整数，留空按政策默认")
        return None
    return int(text)


def _date(v: Mapping[str, object], key: str, fail: Fail) -> date | None:
    try:
        return read_date(v[key])
    except (ValueError, OverflowError):
        fail(key, f"“{cell_text(v[key])}”不是有效的日期，请写成 2019-07-01")
        return None


def _period(text: str, fail: Fail) -> tuple[date, date] | None:
    parts = _RANGE.split(text)
    if len(parts) == 2 and parts[1] in ("今", "至今", "现在"):
        fail(
            "past_periods",
            f"“{text}”：曾任职期间须有结束年月；现任职单位请填在“{LAYOUT.header_of['employer_code']}”列",
        )
        return None
    try:
        start, end = (_bound(p, is_end) for p, is_end in zip(parts, (False, True), strict=True))
    except ValueError:
        fail("past_periods", _NOT_A_PERIOD.format(text))
        return None
    if end < start:
        fail("past_periods", f"“{text}”：结束早于开始")
        return None
    return start, end


def _bound(text: str, is_end: bool) -> date:
    """2019-06-30 as written; 2019-06 as its first day when it starts a period, its last when it ends one."""
    if match := _MONTH.fullmatch(text):
        year, month = int(match[1]), int(match[2])
        return date(year, month, calendar.monthrange(year, month)[1] if is_end else 1)
    day = read_date(text)
    if day is None:
        raise ValueError(text)
    return day
