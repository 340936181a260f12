"""The periodic crane-safety bulletin (建筑起重机械安全定期通报) as a PDF: the figures ``knowledge.cranes.bulletin``
gathered, in tables and reportlab graphics charts, with the shared fonts and layout (invariant: the same figures
give the same bytes)."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from expert_pool.pdf.fonts import pdf_fonts
from expert_pool.pdf.layout import WIDTH, Styles, gap, grid, numeral, render, styles, text
from knowledge.cranes.bulletin_figures import BulletinFigures, TypeCity
from knowledge.cranes.machines import MachineType
from knowledge.regions import City

SERIES = (colors.HexColor("#2f6fb0"), colors.HexColor("#e0893a"), colors.HexColor("#5b9e5a"))
SHORT = {MachineType.TOWER_CRANE: "塔机", MachineType.CONSTRUCTION_HOIST: "升降机", MachineType.MATERIAL_HOIST: "物料提升机",
         MachineType.GANTRY_CRANE: "门式", MachineType.BRIDGE_CRANE: "桥式", MachineType.OTHER: "其他"}  # fmt: skip


def _cities(figures: BulletinFigures) -> list[City]:
    return [figures.city] if figures.city else list(City)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def bar_chart(
    st: Styles,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    height: float = 62 * mm,
) -> Drawing:
    """A grouped bar chart with a legend; category labels in the CJK font."""
    drawing = Drawing(WIDTH, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 28, 30, int(WIDTH - 40), int(height - 52)
    chart.data = [list(values) for _, values in series] or [[0]]
    chart.categoryAxis.categoryNames = list(categories)
    chart.categoryAxis.labels.fontName = st.fonts.body
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = st.fonts.body
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max((max(values, default=0) for _, values in series), default=0)
    chart.valueAxis.valueStep = max(1, -(-top // 5))  # counts: whole steps
    chart.valueAxis.valueMax = max(top * 1.15, 1)
    chart.valueAxis.forceZero = 1
    chart.barSpacing, chart.groupSpacing = 1, 6
    for i in range(len(series)):
        chart.bars[i].fillColor = SERIES[i % len(SERIES)]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 30, int(height - 8)
    legend.fontName, legend.fontSize = st.fonts.body, 7.5
    legend.alignment, legend.columnMaximum, legend.dx, legend.dy = "right", 1, 7, 7
    legend.deltax = 90
    legend.colorNamePairs = [(SERIES[i % len(SERIES)], name) for i, (name, _) in enumerate(series)]
    drawing.add(legend)
    return drawing


def caption(drawing: Drawing, st: Styles, title: str) -> Drawing:
    drawing.add(String(WIDTH / 2, 2, title, fontName=st.fonts.body, fontSize=8, textAnchor="middle"))
    return drawing


def _type_city_rows(table: TypeCity, cities: list[City], types: Sequence[MachineType]) -> list[list[object]]:
    rows: list[list[object]] = []
    for city in cities:
        counts = [table.get((t, city), 0) for t in types]
        rows.append([city.label, *counts, sum(counts)])
    totals = [sum(table.get((t, c), 0) for c in cities) for t in types]
    rows.append(["合计", *totals, sum(totals)])
    return rows


def machines_section(figures: BulletinFigures, st: Styles, n: int) -> list[Flowable]:
    cities, types = _cities(figures), list(MachineType)
    header = ["设区市", *[SHORT[t] for t in types], "合计"]
    widths = [0.16] + [0.12] * len(types) + [0.12]
    registered = sum(figures.registered.values())
    in_use = sum(figures.in_use.values())
    new = sum(figures.newly_registered.values())
    chart = bar_chart(st, [c.label.removesuffix("市") for c in cities], [
        ("产权备案", [sum(figures.registered.get((t, c), 0) for t in types) for c in cities]),
        ("使用登记在用", [sum(figures.in_use.get((t, c), 0) for t in types) for c in cities]),
    ])  # fmt: skip
    return [
        Paragraph(text(f"{numeral(n)}、起重机械产权备案与使用情况"), st.h1),
        Paragraph(
            text(
                f"截至期末，已办理产权备案的起重机械 {registered} 台，其中本期新备案 {new} 台；"
                f"本期在施工现场办理使用登记在用的 {in_use} 台。"
            ),
            st.body,
        ),  # fmt: skip
        Paragraph(text("表1 产权备案起重机械（按备案地、类别，台）"), st.lead),
        grid(header, _type_city_rows(figures.registered, cities, types), st, widths),
        gap(),
        Paragraph(text("表2 使用登记在用起重机械（按工程所在地、类别，台）"), st.lead),
        grid(header, _type_city_rows(figures.in_use, cities, types), st, widths),
        gap(),
        caption(chart, st, "图1 各设区市备案与在用起重机械（台）"),
    ]


def inspections_section(figures: BulletinFigures, st: Styles, n: int) -> list[Flowable]:
    lines = figures.inspections
    total = sum(line.reports for line in lines)
    failed = sum(line.failed for line in lines)
    rows = [[line.machine_type.label, line.reports, line.passed, line.failed, _share(line.failed, line.reports),
             _share(line.zero, line.reports), f"{line.nonconformities / line.reports:.2f}" if line.reports else "—"]
            for line in lines]  # fmt: skip
    story: list[Flowable] = [
        Paragraph(text(f"{numeral(n)}、检验情况"), st.h1),
        Paragraph(text(f"本期出具检验报告 {total} 份，结论不合格 {failed} 份（{_share(failed, total)}）。"), st.body),
        Paragraph(text("表3 检验报告及结论（按机械类别）"), st.lead),
        grid(["机械类别", "报告（份）", "合格", "不合格", "不合格率", "零不合格项占比", "平均不合格项"], rows or [["本期无检验报告", "", "", "", "", "", ""]],
             st, [0.2, 0.12, 0.11, 0.11, 0.13, 0.17, 0.16]),
    ]  # fmt: skip
    if lines:
        chart = bar_chart(st, [SHORT[line.machine_type] for line in lines],
                          [("合格", [line.passed for line in lines]), ("不合格", [line.failed for line in lines])])  # fmt: skip
        story += [gap(), caption(chart, st, "图2 各类起重机械检验结论（份）")]
    return story


def bodies_section(figures: BulletinFigures, st: Styles, n: int) -> list[Flowable]:
    checks = figures.spot_checks
    confirmed = sum(1 for c in checks if c.result.startswith("查实"))
    pending = sum(1 for c in checks if c.result == "未出结果")
    source = f"{figures.run_on.isoformat()} 计算的抽查名单" if figures.run_on else "本期尚无抽查名单"
    flagged = [[b.name, b.city.label, "；".join(b.kinds)] for b in figures.flagged]
    story: list[Flowable] = [
        Paragraph(text(f"{numeral(n)}、检验机构抽查"), st.h1),
        Paragraph(text(f"据{source}，疑似粗检、漏检的检验机构 {len(figures.flagged)} 家；本期下达抽查 {len(checks)} 次，"
                       f"查实 {confirmed} 次，未发现问题 {len(checks) - confirmed - pending} 次，尚未出结果 {pending} 次。"),
                  st.body),
        Paragraph(text("表4 列入抽查名单的检验机构"), st.lead),
        grid(["检验机构", "所在市", "预警"], flagged or [["无", "", ""]], st, [0.36, 0.14, 0.5]),
        gap(),
        Paragraph(text("表5 本期抽查及结果"), st.lead),
        grid(["检验机构", "预警", "下达日期", "结果", "情况"],
             [[c.body, c.kind, c.ordered_on.isoformat(), c.result, c.note] for c in checks] or [["本期未下达抽查", "", "", "", ""]],
             st, [0.22, 0.24, 0.13, 0.13, 0.28]),
    ]  # fmt: skip
    return story


def age_section(figures: BulletinFigures, st: Styles, n: int) -> list[Flowable]:
    cities, types = _cities(figures), [MachineType.TOWER_CRANE, MachineType.CONSTRUCTION_HOIST]
    total = sum(figures.past_age.values())
    rows = [r for r in _type_city_rows(figures.past_age, cities, types) if r[-1] or r[0] == "合计"]
    return [
        Paragraph(text(f"{numeral(n)}、超过安全评估年限的起重机械"), st.h1),
        Paragraph(text(f"截至期末，出厂年限已超过建设部公告第659号所列年限、须经安全评估合格方可继续使用的起重机械 {total} 台。"),
                  st.body),
        Paragraph(text("表6 超过评估年限的起重机械（按备案地，台）"), st.lead),
        grid(["设区市", "塔式起重机", "施工升降机", "合计"], rows, st, [0.31, 0.23, 0.23, 0.23]),
    ]  # fmt: skip


def hazards_section(figures: BulletinFigures, st: Styles, n: int) -> list[Flowable]:
    cities = [c for c in _cities(figures) if c in figures.hazards] or _cities(figures)[:0]
    lines = [figures.hazards[c] for c in cities]
    rows = [[c.label, h.found, h.major, h.open_at_end] for c, h in zip(cities, lines, strict=True)]
    found, major, still = (
        sum(h.found for h in lines),
        sum(h.major for h in lines),
        sum(h.open_at_end for h in lines),
    )
    story: list[Flowable] = [
        Paragraph(text(f"{numeral(n)}、起重机械事故隐患"), st.h1),
        Paragraph(text(f"本期在起重机械上发现事故隐患 {found} 项，其中重大事故隐患 {major} 项；期末尚未销号 {still} 项。"), st.body),
        Paragraph(text("表7 起重机械事故隐患（按工程所在地）"), st.lead),
        grid(["设区市", "本期发现", "其中重大", "期末未销号"], [*rows, ["合计", found, major, still]], st, [0.31, 0.23, 0.23, 0.23]),
    ]  # fmt: skip
    if rows:
        chart = bar_chart(st, [c.label.removesuffix("市") for c in cities],
                          [("本期发现", [h.found for h in lines]), ("期末未销号", [h.open_at_end for h in lines])])  # fmt: skip
        story += [gap(), caption(chart, st, "图3 各设区市起重机械事故隐患（项）")]
    return story


def bulletin_pdf(figures: BulletinFigures) -> bytes:
    """The bulletin's PDF; the same figures give the same bytes."""
    st = styles(pdf_fonts())
    title = f"{figures.place}建筑起重机械安全通报"
    period = figures.period
    story: list[Flowable] = [
        Paragraph(text(title), st.title),
        Paragraph(
            text(f"{period.title}（{period.start.isoformat()} 至 {period.end.isoformat()}）"), st.subtitle
        ),
        gap(),
    ]
    sections = (machines_section, inspections_section, bodies_section, age_section, hazards_section)
    for n, section in enumerate(sections, start=1):
        story += section(figures, st, n)
    return render(story, title=title, subject=period.label, footer=f"{title}  {period.label}", fonts=st.fonts)
