"""The registry list as CSV (UTF-8 with BOM, which Excel opens correctly) and XLSX (openpyxl)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from knowledge.registry.models import Work
from knowledge.registry.rules import catalogue
from knowledge.spreadsheets.writing import csv_bytes, xlsx_bytes

_CATEGORY_LABELS = {c.code: c.label for c in catalogue()}
_SUB_TYPE_LABELS = {(c.code, s.code): s.label for c in catalogue() for s in c.sub_types}

HEADERS = ["编号", "项目名称", "所在城市", "区县", "危大工程名称", "部位", "工程类别", "子类", "判定结果",
           "触发条款", "计划开工", "计划完工", "项目负责人", "项目技术负责人", "总监理工程师", "状态",
           "规则版本"]  # fmt: skip


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def row(work: Work) -> list[str | int]:
    return [
        work.id,
        work.project.name,
        work.city.label,
        work.district,
        work.name,
        work.location,
        _CATEGORY_LABELS.get(work.category, work.category),
        _SUB_TYPE_LABELS.get((work.category, work.sub_type), work.sub_type),
        work.verdict.label + ("" if work.is_decided else "（待补充参数）"),
        "；".join(c["citation"] for c in work.clauses),
        _date(work.planned_start),
        _date(work.planned_end),
        work.project_manager,
        work.technical_lead,
        work.chief_supervisor,
        work.status.label,
        work.rules_version,
    ]


def to_csv(works: Iterable[Work]) -> bytes:
    return csv_bytes(HEADERS, (row(w) for w in works))


def to_xlsx(works: Iterable[Work]) -> bytes:
    return xlsx_bytes("危大工程清单", HEADERS, (row(w) for w in works))
