"""Hazards out of the system: the list as CSV/XLSX, and major hazards as rows of the national register (XLSX, JSON).

建质〔2024〕27号 asks that every major hazard be entered in the national major-hazard database (DOMAIN.md section
8): one row per hazard with the project, its location and county-level division code (GB/T 2260), the units
and their 统一社会信用代码 (GB 32100-2015), the clause of 建质规〔2022〕2号 it matches, and the dates of its loop.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from openpyxl import Workbook

from knowledge.enterprises.models import Enterprise, ParticipantRole
from knowledge.regions import DISTRICTS, city_of_division
from knowledge.registry.rules import catalogue
from knowledge.site.hazard_loop import Step
from knowledge.site.hazard_models import Hazard
from knowledge.site.hazard_queries import is_overdue
from knowledge.spreadsheets.writing import safe_cell

_CATEGORY_LABELS = {c.code: c.label for c in catalogue()}

LIST_HEADERS = ["隐患编号", "项目名称", "危大工程", "城市", "区县", "工程类别", "隐患级别", "判定标准条款",
                "隐患描述", "发现方式", "整改责任单位", "发现日期", "整改期限", "状态", "是否逾期", "挂牌督办",
                "责令停工", "销号日期"]  # fmt: skip

# The national register's columns: (key in the JSON row, heading in the spreadsheet).
REGISTER_FIELDS: list[tuple[str, str]] = [
    ("hazard_id", "隐患编号"), ("project_name", "项目名称"), ("project_address", "项目地址"),
    ("work_name", "危大工程名称"), ("category", "工程类别"), ("province", "省份"), ("city", "设区市"),
    ("district", "区县"), ("division_code", "行政区划代码"),
    ("constructor_name", "施工单位"), ("constructor_code", "施工单位统一社会信用代码"),
    ("responsible_name", "整改责任单位"), ("responsible_code", "整改责任单位统一社会信用代码"),
    ("supervisor_name", "监理单位"), ("supervisor_code", "监理单位统一社会信用代码"),
    ("owner_name", "建设单位"), ("owner_code", "建设单位统一社会信用代码"),
    ("catalogue_key", "判定标准条目"), ("clause", "判定标准条款"), ("description", "隐患描述"),
    ("source", "发现方式"), ("found_by_own_check", "企业自查发现"), ("found_on", "发现日期"),
    ("deadline", "整改期限"), ("rectification_submitted_on", "整改提交日期"), ("closed_on", "销号日期"),
    ("supervision_ordered_on", "挂牌督办日期"), ("stop_ordered_on", "责令停工日期"),
    ("stop_lifted_on", "解除停工日期"), ("state", "状态"),
]  # fmt: skip


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def list_row(hazard: Hazard, today: date) -> list[str | int]:
    return [
        hazard.id, hazard.work.project.name, hazard.work.name, hazard.city.label, hazard.district,
        _CATEGORY_LABELS.get(hazard.category, hazard.category), hazard.level.label, hazard.clause,
        hazard.description, hazard.source.label, hazard.responsible.name, _day(hazard.found_on),
        _day(hazard.deadline), hazard.state.label, "是" if is_overdue(hazard, today) else "否",
        "是" if hazard.is_supervised else "否", "是" if hazard.is_stopped else "否", _day(hazard.closed_on),
    ]  # fmt: skip


def list_csv(hazards: Iterable[Hazard], today: date) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LIST_HEADERS)
    for hazard in hazards:
        writer.writerow([safe_cell(c) for c in list_row(hazard, today)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def list_xlsx(hazards: Iterable[Hazard], today: date) -> bytes:
    return _xlsx("隐患清单", LIST_HEADERS, ([safe_cell(c) for c in list_row(h, today)] for h in hazards))


def division_code(hazard: Hazard) -> str:
    """The county-level division code of the work's place: its district by name (GB/T 2260); failing that, the
    owner's registration division when it lies in the same city; failing that, the city's own code."""
    for code, name in DISTRICTS[hazard.city].items():
        if name == hazard.district:
            return code
    owner = _unit(hazard, ParticipantRole.OWNER)
    if owner is not None and city_of_division(owner.credit_code[2:8]) is hazard.city:
        return owner.credit_code[2:8]
    return hazard.city.division_code


def _unit(hazard: Hazard, role: ParticipantRole) -> Enterprise | None:
    return next((p.enterprise for p in hazard.work.project.participants if p.role is role), None)


def _first_day(hazard: Hazard, step: Step, *, last: bool = False) -> date | None:
    days = [e.day for e in hazard.events if e.step is step]
    if not days:
        return None
    return days[-1] if last else days[0]


def register_row(hazard: Hazard) -> dict[str, Any]:
    """One major hazard as the national register records it."""
    constructor = _unit(hazard, ParticipantRole.GENERAL_CONTRACTOR)
    supervisor = _unit(hazard, ParticipantRole.SUPERVISOR)
    owner = _unit(hazard, ParticipantRole.OWNER)
    project = hazard.work.project
    return {
        "hazard_id": hazard.id, "project_name": project.name, "project_address": project.address,
        "work_name": hazard.work.name, "category": _CATEGORY_LABELS.get(hazard.category, hazard.category),
        "province": "江苏省", "city": hazard.city.label, "district": hazard.district,
        "division_code": division_code(hazard),
        "constructor_name": constructor.name if constructor else "",
        "constructor_code": constructor.credit_code if constructor else "",
        "responsible_name": hazard.responsible.name, "responsible_code": hazard.responsible.credit_code,
        "supervisor_name": supervisor.name if supervisor else "",
        "supervisor_code": supervisor.credit_code if supervisor else "",
        "owner_name": owner.name if owner else "", "owner_code": owner.credit_code if owner else "",
        "catalogue_key": hazard.catalogue_key or "", "clause": hazard.clause, "description": hazard.description,
        "source": hazard.source.label, "found_by_own_check": hazard.found_by_own_check,
        "found_on": _day(hazard.found_on), "deadline": _day(hazard.deadline),
        # The last submission is the one the closing verified; a hazard sent back shows its latest attempt.
        "rectification_submitted_on": _day(_first_day(hazard, Step.SUBMIT, last=True)),
        "closed_on": _day(hazard.closed_on),
        "supervision_ordered_on": _day(_first_day(hazard, Step.SUPERVISE)),
        "stop_ordered_on": _day(_first_day(hazard, Step.STOP)),
        "stop_lifted_on": _day(_first_day(hazard, Step.LIFT_STOP, last=True)),
        "state": hazard.state.label,
    }  # fmt: skip


def register_json(hazards: Iterable[Hazard]) -> dict[str, Any]:
    rows = [register_row(h) for h in hazards]
    return {"fields": [{"key": k, "label": label} for k, label in REGISTER_FIELDS], "count": len(rows),
            "items": rows}  # fmt: skip


def register_xlsx(hazards: Iterable[Hazard]) -> bytes:
    headers = [label for _, label in REGISTER_FIELDS]
    rows = ([_cell(register_row(h)[k]) for k, _ in REGISTER_FIELDS] for h in hazards)
    return _xlsx("重大事故隐患", headers, rows)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    return safe_cell(value)


def _xlsx(title: str, headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
