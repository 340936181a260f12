"""The page layout the system's PDFs share: styles, tables, the QR code, numbered pages, reproducible bytes."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from expert_pool.pdf.fonts import PdfFonts
from knowledge.clock import CST

PRODUCER = "江苏省危大工程及专家论证管理系统"
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN  # the text block
GRID = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef2f6")
ALERT = colors.HexColor("#b42318")
_NUMERALS = "一二三四五六七八九十"
# A heading or a table's caption starts a new page unless this much room is left below it (a section
# heading needs room for a sub-heading's own room too).
ROOM = {"h1": 50 * mm, "h2": 35 * mm, "lead": 30 * mm}


def local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in Beijing time, as every date in the PDFs is printed."""
    return moment.astimezone(CST).strftime(fmt) if moment else "—"


def text(value: object) -> str:
    """Stored text as Paragraph markup: escaped, line breaks kept."""
    return escape(str(value)).replace("\n", "<br/>")


def numeral(n: int) -> str:
    """1 → 一 … 19 → 十九: section numbers."""
    return _NUMERALS[n - 1] if n <= 10 else "十" + _NUMERALS[n - 11]


@dataclass(frozen=True)
class Styles:
    fonts: PdfFonts
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    point: ParagraphStyle
    body: ParagraphStyle
    lead: ParagraphStyle  # a paragraph that introduces a table
    indent: ParagraphStyle
    numbered: ParagraphStyle
    cell: ParagraphStyle
    head: ParagraphStyle
    small: ParagraphStyle
    caption: ParagraphStyle
    alert: ParagraphStyle


def styles(fonts: PdfFonts) -> Styles:
    def style(name: str, size: float, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=fonts.body, fontSize=size, leading=size * 1.5, wordWrap="CJK", **kw
        )

    return Styles(
        fonts=fonts,
        title=style("title", 18, alignment=TA_CENTER, spaceAfter=4),
        subtitle=style("subtitle", 10, alignment=TA_CENTER, textColor=colors.HexColor("#344054")),
        h1=style("h1", 12.5, spaceBefore=10, spaceAfter=4, textColor=colors.HexColor("#12355b")),
        h2=style(
            "h2",
            10.5,
            spaceBefore=9,
            spaceAfter=4,
            backColor=SHADE,
            borderPadding=(3, 4, 2, 4),
        ),
        point=style("point", 9.5, spaceBefore=3, textColor=colors.HexColor("#12355b"), keepWithNext=1),
        body=style("body", 9.5, spaceAfter=2),
        lead=style("lead", 9.5, spaceAfter=2),
        indent=style("indent", 9.5, leftIndent=14, spaceAfter=2),
        numbered=style(
            "numbered", 9.5, leftIndent=22, bulletIndent=8, bulletFontName=fonts.body, spaceAfter=3
        ),
        cell=style("cell", 9),
        head=style("head", 9, textColor=colors.HexColor("#12355b")),
        small=style("small", 8, textColor=colors.HexColor("#475467"), keepWithNext=1),
        caption=style("caption", 8, textColor=colors.HexColor("#475467"), alignment=TA_CENTER),
        alert=style("alert", 10.5, textColor=ALERT, alignment=TA_CENTER, spaceBefore=2, spaceAfter=2),
    )


def _cell(value: object, st: Styles) -> Flowable:
    return value if isinstance(value, Flowable) else Paragraph(text(value), st.cell)


def fields(rows: Iterable[tuple[str, object]], st: Styles, *, label_width: float = 32 * mm) -> Table:
    """Label / value rows: short values only (a table row cannot break across pages)."""
    data = [[Paragraph(text(label), st.head), _cell(value, st)] for label, value in rows]
    table = Table(data, colWidths=[label_width, WIDTH - label_width])
    table.setStyle(TableStyle([*_LINES, ("BACKGROUND", (0, 0), (0, -1), SHADE)]))
    return table


def grid(
    header: Sequence[str], rows: Iterable[Sequence[object]], st: Styles, widths: Sequence[float]
) -> Table:
    """A table with a header row repeated on every page; ``widths`` are fractions of the text block."""
    data = [[Paragraph(text(h), st.head) for h in header], *([_cell(v, st) for v in row] for row in rows)]
    table = Table(data, colWidths=[w * WIDTH for w in widths], repeatRows=1)
    table.setStyle(TableStyle([*_LINES, ("BACKGROUND", (0, 0), (-1, 0), SHADE)]))
    return table


_LINES = [
    ("GRID", (0, 0), (-1, -1), 0.5, GRID),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
]


def qr_code(url: str, size: float = 30 * mm) -> Flowable:
    """The flowable draws straight on the canvas (the widget's Drawing costs a quarter of a report's time)."""
    return QrCode(url, width=size, height=size, qrLevel="M")


def gap(height: float = 3 * mm) -> Spacer:
    return Spacer(1, height)


def render(story: list[Flowable], *, title: str, subject: str, footer: str, fonts: PdfFonts) -> bytes:
    """The PDF's bytes; the same story gives the same bytes (invariant mode: fixed date and document id)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
        title=title, subject=subject, author=PRODUCER, creator=PRODUCER, producer=PRODUCER, invariant=1,
    )  # fmt: skip

    def numbered(*args: Any, **kwargs: Any) -> Canvas:
        return _NumberedCanvas(*args, footer=footer, font=fonts.body, **kwargs)

    doc.build(_with_room(story), canvasmaker=numbered)
    return buffer.getvalue()


def _with_room(story: list[Flowable]) -> list[Flowable]:
    """Headings and captions never end a page. A conditional break rather than keepWithNext, which would
    carry a long table whole to the next page and leave a gap."""
    out: list[Flowable] = []
    for flowable in story:
        if isinstance(flowable, Paragraph) and flowable.style.name in ROOM:
            out.append(CondPageBreak(ROOM[flowable.style.name]))
        out.append(flowable)
    return out


class _NumberedCanvas(Canvas):
    """Holds the pages back until the end, so each footer can say "第 n 页 共 m 页"."""

    def __init__(self, *args: Any, footer: str, font: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer, self._font = footer, font
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        self.saveState()
        self.setFont(self._font, 8)
        self.setFillColor(colors.HexColor("#475467"))
        self.setStrokeColor(GRID)
        self.setLineWidth(0.5)
        y = MARGIN - 2 * mm
        self.line(MARGIN, y + 9, A4[0] - MARGIN, y + 9)
        self.drawString(MARGIN, y, self._footer)
        self.drawRightString(A4[0] - MARGIN, y, f"第 {self._pageNumber} 页 共 {total} 页")
        self.restoreState()
