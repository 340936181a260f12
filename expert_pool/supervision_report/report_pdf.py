"""《江苏省房屋建筑和市政基础设施工程安全监督报告》 as a PDF: the gathered figures in numbered sections, each table
with its chart (``charts_pdf``), in the shared fonts and layout. Invariant: the same figures give the same bytes; the
only dates printed are the period's."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable, KeepTogether, Paragraph

from expert_pool.analytics.dashboard import Section
from expert_pool.analytics.tables import Cell, ChartKind, Table
from expert_pool.pdf.fonts import pdf_fonts
from expert_pool.pdf.layout import Styles, gap, grid, numeral, render, styles, text
from expert_pool.supervision_report.charts_pdf import chart_for
from expert_pool.supervision_report.figures import NO_INTEGRITY_NOTE, ReportFigures, has_data
from expert_pool.supervision_report.inputs import area_title

TITLE = "江苏省房屋建筑和市政基础设施工程安全监督报告"
NO_DATA = "本期无数据"
KEEP_ROWS = 15  # a table this short stays on one page with its chart
# The pool's thin spots: the draws refused for lack of eligible experts first, then the margin of those made.
THIN_SPOTS = ("failed_draws_by_city", "failed_draws_by_category", "thin_pool", "declines", "conflicts")
# Column widths (fractions of the text block) of the tables whose text columns need room.
WIDTHS: dict[str, tuple[float, ...]] = {
    "sanctions": (0.14, 0.1, 0.15, 0.13, 0.12, 0.13, 0.23),
    "failed_works": (0.5, 0.15, 0.17, 0.18),
    "hazard_closure": (0.16, 0.12, 0.14, 0.14, 0.14, 0.14, 0.16),
}


def _widths(table: Table) -> list[float]:
    if table.key in WIDTHS:
        return list(WIDTHS[table.key])
    n = len(table.columns)
    first = 0.34 if n <= 4 else 0.22
    return [first] + [(1 - first) / (n - 1)] * (n - 1) if n > 1 else [1.0]


def _cell(value: Cell) -> Cell:
    return f"{value:.1f}" if isinstance(value, float) else value


def table_block(
    table: Table, st: Styles, number: int, *, widths: Sequence[float] | None = None
) -> list[Flowable]:
    """Caption, table (or 本期无数据), chart and note of one figure; a short one kept on one page."""
    unit = f"（单位：{table.unit}）" if table.unit else ""
    story: list[Flowable] = [Paragraph(text(f"表{number} {table.title}{unit}"), st.lead)]
    if not has_data(table):
        story.append(Paragraph(text(NO_DATA), st.body))
    else:
        rows = [[_cell(c) for c in row] for row in table.rows]
        story.append(grid(table.columns, rows, st, widths or _widths(table)))
        if table.total is not None and table.total > len(table.rows):
            story.append(Paragraph(text(f"共 {table.total} 项，此处列出前 {len(table.rows)} 项。"), st.small))
        drawing = chart_for(table, st.fonts.body)
        if drawing is not None:
            story += [gap(), drawing]
    if table.note:
        story.append(Paragraph(text(table.note), st.small))
    kept: list[Flowable] = [KeepTogether(story)] if len(table.rows) <= KEEP_ROWS else story
    return [*kept, gap()]


class _Numbers:
    """Tables are numbered through the whole report."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


def _summary(f: ReportFigures, st: Styles, nums: _Numbers) -> list[Flowable]:
    story: list[Flowable] = [Paragraph(text(f"{numeral(1)}、本期概况"), st.h1)]
    if f.is_empty:
        story.append(
            Paragraph(text(f"{NO_DATA}：本期在本范围内没有登记危大工程、召开论证会或发现事故隐患。"), st.body)
        )
    story.append(Paragraph(text(f"“当前”类数字（逾期、督办、机械状态、预警清单）按期末（{f.as_of.isoformat()}）统计。"),
                           st.small))  # fmt: skip
    return story + table_block(f.board.summary, st, nums.next(), widths=[0.7, 0.3])


def _section(title: str, n: int, tables: Sequence[Table], st: Styles, nums: _Numbers) -> list[Flowable]:
    story: list[Flowable] = [Paragraph(text(f"{numeral(n)}、{title}"), st.h1)]
    for table in tables:
        story += table_block(table, st, nums.next())
    return story


def _cities(f: ReportFigures, st: Styles, n: int, nums: _Numbers) -> list[Flowable]:
    """The measures side by side in one table, then each measure's chart of the 13 cities."""
    story: list[Flowable] = [Paragraph(text(f"{numeral(n)}、各设区市对比"), st.h1)]
    if f.city is not None:
        return story + [
            Paragraph(text(f"本报告范围为{f.city.label}，不含13个设区市对比（见全省报告）。"), st.body)
        ]
    tables = f.city_tables
    if all(t.is_empty for t in tables):
        return story + [
            Paragraph(text(f"表{nums.next()} 13个设区市对比"), st.lead),
            Paragraph(text(NO_DATA), st.body),
        ]
    columns = ("设区市", *(f"{t.columns[1]}（{t.unit}）" for t in tables))
    rows = tuple((name, *(t.rows[i][1] for t in tables)) for i, (name, *_) in enumerate(tables[0].rows))
    side_by_side = Table("cities", "13个设区市对比", columns, rows, ChartKind.NONE)
    story += table_block(side_by_side, st, nums.next(), widths=[0.2] + [0.8 / len(tables)] * len(tables))
    for table in tables:
        drawing = chart_for(table, st.fonts.body)
        story += [drawing, gap()] if drawing is not None else []
    return story


def _integrity(f: ReportFigures, st: Styles, n: int, nums: _Numbers) -> list[Flowable]:
    story: list[Flowable] = [Paragraph(text(f"{numeral(n)}、专家诚信分析发现"), st.h1)]
    if f.integrity is None:
        return story + [Paragraph(text(f"【暂无记录】{NO_INTEGRITY_NOTE}"), st.body)]
    return story + table_block(f.integrity, st, nums.next())


def _board(f: ReportFigures, title: str) -> tuple[Table, ...]:
    found: list[Section] = [s for s in f.board.sections if s.title == title]
    return found[0].tables if found else ()


def _pick(tables: Sequence[Table], *keys: str) -> list[Table]:
    by = {t.key: t for t in tables}
    return [by[k] for k in keys if k in by]


def story_of(f: ReportFigures, st: Styles) -> list[Flowable]:
    nums = _Numbers()
    reviews, pool = _board(f, "危大工程与专家论证"), _board(f, "专家库")
    site, cranes = _board(f, "现场监管"), _board(f, "建筑起重机械")
    story = _summary(f, st, nums)
    story += _section("危大工程与专家论证", 2, reviews, st, nums)
    story += _cities(f, st, 3, nums)
    story += _section("论证未通过的危大工程", 4, [f.failed_works], st, nums)
    story += _section("事故隐患及整改销号", 5, [*_pick(site, "hazards"), f.hazard_closure, *_pick(site, "sweeps")],
                      st, nums)  # fmt: skip
    story += _section("专家信用处理", 6, [f.sanctions], st, nums)
    story += _section("专家库薄弱环节", 7, _pick(pool, *THIN_SPOTS), st, nums)
    story += _integrity(f, st, 8, nums)
    story += _section("建筑起重机械", 9, cranes, st, nums)
    story += _section(f"预警清单（截至{f.as_of.isoformat()}）", 10, f.board.warnings, st, nums)
    return story


def supervision_report_pdf(figures: ReportFigures) -> bytes:
    """The report's PDF; the same figures give the same bytes."""
    st = styles(pdf_fonts())
    period, place = figures.period, area_title(figures.city)
    heading: list[Flowable] = [
        Paragraph(text(TITLE), st.title),
        Paragraph(text(f"{place}\u3000{period.title}（{period.start.isoformat()} 至 {period.end.isoformat()}）"),
                  st.subtitle),
        gap(),
    ]  # fmt: skip
    return render(heading + story_of(figures, st), title=f"{TITLE}（{place} {period.label}）", subject=period.label,
                  footer=f"{TITLE}  {place}  {period.label}", fonts=st.fonts)  # fmt: skip
