"""A dashboard figure as a table (its header and rows: the page's table view and its CSV) and the chart drawn from
it (the JSON ``webapp/static/js/charts.js`` reads). Pure."""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Cell = str | int | float


class ChartKind(StrEnum):
    BAR = "bar"  # one bar per row, from the second column
    STACKED = "stacked-bar"  # the numeric columns stacked, one bar per row
    PIE = "pie"  # a donut of the second column
    CITIES = "city-bar"  # the 13 cities, the selected one marked
    HBAR = "hbar"  # horizontal stacked bars, one per row: rows with long names (common problems)
    LINE = "line"  # one line per numeric column, the rows along the axis (a trend)
    MATRIX = "matrix"  # a heat map: rows by the numeric columns (problems by city)
    NONE = "none"  # a list: the table alone


@dataclass(frozen=True)
class Table:
    key: str  # the chart's name in URLs (/dashboard/<key>.csv) and element ids
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: ChartKind = ChartKind.BAR
    unit: str = ""
    note: str = ""
    marked: str | None = None  # the row (first cell) to mark in a CITIES chart
    series: int = 0  # how many numeric columns from ``chart_from`` make the chart (0: all)
    chart_from: int = (
        1  # the first column the chart reads (text columns such as a plan section come before it)
    )
    target: str = ""  # what each row's first cell links to (work, review, hazard): the view makes the URL
    targets: tuple[int, ...] = field(default=(), compare=False)  # per row, the target's id
    total: int | None = None  # a list's full length when it shows only its first rows
    is_of_period: bool = True  # False: a state as of today (the period's emptiness does not look at it)

    @property
    def is_empty(self) -> bool:
        return not self.rows or all(not _number(c) for row in self.rows for c in row[1:])

    def chart_data(self) -> dict[str, Any]:
        """What charts.js draws; the same numbers as ``rows``."""
        names = [str(r[0]) for r in self.rows]
        start = self.chart_from
        width = self.series or len(self.columns) - start
        data: dict[str, Any] = {"title": self.title, "unit": self.unit, "categories": names}
        if self.chart is ChartKind.PIE:
            data["items"] = [
                {"name": n, "value": _number(r[1])} for n, r in zip(names, self.rows, strict=True)
            ]
        elif self.chart is ChartKind.CITIES:
            data["values"] = [_number(r[1]) for r in self.rows]
            data["marked"] = names.index(self.marked) if self.marked in names else None
        elif self.chart is ChartKind.MATRIX:
            data["columns"] = list(self.columns[start : start + width])
            data["cells"] = [
                [x, y, _number(r[start + x])] for y, r in enumerate(self.rows) for x in range(width)
            ]
        else:
            data["series"] = [
                {"name": self.columns[i], "values": [_number(r[i]) for r in self.rows]}
                for i in range(start, start + width)
            ]
        return data


def _number(cell: Cell) -> float | int:
    return cell if isinstance(cell, int | float) else 0


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal; None when there is nothing to divide."""
    return round(100.0 * part / whole, 1) if whole else None


def median(values: Iterable[float]) -> float | None:
    found = list(values)
    return round(float(statistics.median(found)), 1) if found else None


def totals(rows: Sequence[tuple[Cell, ...]], label: str = "合计") -> tuple[Cell, ...]:
    """A total row: the label, then each numeric column summed."""
    width = len(rows[0]) if rows else 0
    return (label, *(sum(_number(r[i]) for r in rows) for i in range(1, width)))


def _safe(cell: Cell) -> Cell:
    """Neutralise spreadsheet formulas in text a user typed (CSV injection), as the registry's export does."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def to_csv(table: Table) -> bytes:
    """The table's header and rows, UTF-8 with a BOM (spreadsheets then read the Chinese text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_safe(c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
