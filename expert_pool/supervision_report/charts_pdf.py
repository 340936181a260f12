"""The report's charts in reportlab graphics, drawn from a dashboard table's ``chart_data()`` (the JSON the page's
charts.js draws), so the PDF and the page show the same numbers: grouped or stacked bars, the 13 cities with the
report's city marked, and a pie with its shares in the legend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from expert_pool.analytics.tables import ChartKind, Table
from expert_pool.pdf.layout import WIDTH

PALETTE = tuple(colors.HexColor(c) for c in ("#2f6fb0", "#e0893a", "#5b9e5a", "#c0392b", "#8e6bb8", "#7f8c8d",
                                             "#d4a017", "#17a2b8"))  # fmt: skip
MARKED = colors.HexColor("#c0392b")
HEIGHT = 66 * mm
BARS = (ChartKind.BAR, ChartKind.STACKED)
LONG_LABEL = 5  # category labels longer than this, or many categories, are drawn slanted


def chart_for(table: Table, font: str) -> Drawing | None:
    """The table's chart, or None for a list, a table with nothing to draw, or bars of one row (the table says
    all a single bar would)."""
    if table.chart is ChartKind.NONE or table.is_empty:
        return None
    if table.chart in BARS and len(table.rows) < 2:
        return None
    data = table.chart_data()
    if table.chart is ChartKind.PIE:
        return pie(data["items"], font, table.title)
    if table.chart is ChartKind.CITIES:
        names = [n.removesuffix("市") for n in data["categories"]]
        return bars(names, [(table.columns[1], data["values"])], font, table.title, marked=data["marked"])
    series = [(s["name"], s["values"]) for s in data["series"]]
    return bars(data["categories"], series, font, table.title, stacked=table.chart is ChartKind.STACKED)


def _caption(drawing: Drawing, font: str, title: str) -> Drawing:
    drawing.add(String(WIDTH / 2, 2, title, fontName=font, fontSize=8, textAnchor="middle"))
    return drawing


def bars(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[Any]]], font: str, title: str, *,
    stacked: bool = False, marked: int | None = None,
) -> Drawing:  # fmt: skip
    slanted = len(categories) > 8 or any(len(c) > LONG_LABEL for c in categories)
    bottom = 58 if slanted else 30
    drawing = Drawing(WIDTH, HEIGHT + (28 if slanted else 0))
    chart = VerticalBarChart()
    chart.x, chart.y = 34, bottom
    chart.width, chart.height = int(WIDTH - 48), int(HEIGHT - 52)
    chart.data = [[float(v) for v in values] for _, values in series] or [[0.0]]
    chart.categoryAxis.categoryNames = list(categories)
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    if slanted:
        chart.categoryAxis.labels.angle, chart.categoryAxis.labels.boxAnchor = 30, "ne"
    if stacked:
        chart.categoryAxis.style = "stacked"
    top = _top(chart.data, stacked)
    chart.valueAxis.valueMin, chart.valueAxis.forceZero = 0, 1
    chart.valueAxis.valueStep = max(1, -(-top // 5)) if top >= 5 else 1
    chart.valueAxis.valueMax = max(top * 1.15, 1)
    chart.barSpacing, chart.groupSpacing = 1, 6
    for i in range(len(chart.data)):
        chart.bars[i].fillColor, chart.bars[i].strokeColor = PALETTE[i % len(PALETTE)], None
    if marked is not None:
        chart.bars[(0, marked)].fillColor = MARKED
    drawing.add(chart)
    drawing.add(_legend([name for name, _ in series], font, int(drawing.height - 8)))
    return _caption(drawing, font, title)


def _top(data: list[list[float]], stacked: bool) -> float:
    if stacked:
        return max((sum(col) for col in zip(*data, strict=True)), default=0.0)
    return max((max(values, default=0.0) for values in data), default=0.0)


def _legend(names: Sequence[str], font: str, y: int) -> Legend:
    legend = Legend()
    legend.x, legend.y = 36, y
    legend.fontName, legend.fontSize = font, 7.5
    legend.alignment, legend.columnMaximum, legend.dx, legend.dy = "right", 1, 7, 7
    legend.deltax = min(110, int((WIDTH - 60) / max(len(names), 1)))
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], name) for i, name in enumerate(names)]
    return legend


def pie(items: Sequence[dict[str, Any]], font: str, title: str) -> Drawing:
    """A pie of the items with a non-zero value; the legend names each with its count and share."""
    shown = [i for i in items if i["value"]]
    total = sum(i["value"] for i in shown)
    drawing = Drawing(WIDTH, HEIGHT)
    chart = Pie()
    size = int(HEIGHT - 30)
    chart.x, chart.y, chart.width, chart.height = 40, 18, size, size
    chart.data = [float(i["value"]) for i in shown]
    chart.labels = None
    chart.slices.strokeColor, chart.slices.strokeWidth = colors.white, 0.5
    for n in range(len(shown)):
        chart.slices[n].fillColor = PALETTE[n % len(PALETTE)]
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 40 + size + 30, int(HEIGHT - 16)
    legend.fontName, legend.fontSize, legend.alignment, legend.dx, legend.dy = font, 8, "right", 8, 8
    legend.colorNamePairs = [
        (PALETTE[n % len(PALETTE)], f"{i['name']}：{i['value']}（{100 * i['value'] / total:.1f}%）")
        for n, i in enumerate(shown)
    ]
    drawing.add(legend)
    return _caption(drawing, font, title)
