"""The fonts the PDFs use (README, "PDF font"): WenQuanYi Zen Hei embedded, DejaVu Sans for ✓ and ✗.

reportlab embeds TrueType outlines only, so the CFF-based Noto CJK fonts cannot be used. Without the
WenQuanYi file the built-in CID font STSong-Light is the fallback: it is not embedded, so the reader must
have a Song font, and text extraction depends on the reader.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

CJK_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")  # Debian fonts-wqy-zenhei
SYMBOL_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian fonts-dejavu-core
CJK_NAME = "WenQuanYiZenHei"
SYMBOL_NAME = "DejaVuSans"
CID_FALLBACK = "STSong-Light"

_lock = threading.Lock()
_registered: dict[tuple[Path, Path], PdfFonts] = {}


@dataclass(frozen=True)
class PdfFonts:
    body: str  # the font of every text
    embedded: bool  # False: the CID fallback, which the reader has to supply
    tick: str  # Paragraph markup for a met checklist item
    cross: str  # and for one not met

    @property
    def face(self) -> str:
        return "WenQuanYi Zen Hei（已嵌入）" if self.embedded else "STSong-Light（未嵌入）"


def pdf_fonts(cjk_path: Path = CJK_PATH, symbol_path: Path = SYMBOL_PATH) -> PdfFonts:
    """Register the fonts once per process (reportlab's registry is global) and say which are in use."""
    key = (cjk_path, symbol_path)
    with _lock:
        found = _registered.get(key)
        if found is None:
            found = _registered[key] = _register(cjk_path, symbol_path)
        return found


def _register(cjk_path: Path, symbol_path: Path) -> PdfFonts:
    if cjk_path.is_file():
        body = f"{CJK_NAME}-{len(_registered)}" if _registered else CJK_NAME
        pdfmetrics.registerFont(TTFont(body, str(cjk_path), subfontIndex=0))
        embedded = True
    else:
        body = CID_FALLBACK
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
        embedded = False
    for bold in (0, 1):  # one face serves as bold too, so <b> in a paragraph never fails
        for italic in (0, 1):
            addMapping(body, bold, italic, body)
    if symbol_path.is_file():
        if SYMBOL_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(SYMBOL_NAME, str(symbol_path)))
        return PdfFonts(
            body, embedded, f'<font name="{SYMBOL_NAME}">✓</font>', f'<font name="{SYMBOL_NAME}">✗</font>'
        )
    # Neither Chinese font has ✓ or ✗; both have √ and ×.
    return PdfFonts(body, embedded, "√", "×")
