"""Uploaded plan files: recognise PDF, DOCX or TXT by their content, extract the text, store them safely."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from knowledge.errors import ValidationError
from knowledge.plans.extraction import (
    DEFAULT_LIMITS,
    MAX_STORED_CHARS,
    ExtractionLimits,
    inflated_size,
    run_isolated,
)

MIB = 1024 * 1024
MAX_PLAN_BYTES = 25 * MIB

# Zip-bomb guards, read from the zip's central directory before anything is decompressed; the absolute cap on
# the inflated size (declared, then counted while inflating) is ExtractionLimits.max_inflated, see extraction.py.
MAX_DOCX_RATIO = 200
MAX_DOCX_ENTRIES = 5000
# Below this size an entry may compress far beyond the ratio (styles, settings) without harm.
RATIO_CHECK_FROM = MIB

ALLOWED: Mapping[str, str] = MappingProxyType(
    {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "txt": "text/plain",
    }
)
NO_TEXT_WARNING = "未能提取文字（可能是扫描件）"
FALLBACK_DISPLAY_NAME = "未命名文件"
MAX_DISPLAY_NAME = 255

EMPTY_MESSAGE = "文件为空，请选择要上传的方案文件"
UNSUPPORTED_MESSAGE = "只接受PDF、Word（.docx）或纯文本（.txt）格式的方案文件"
PDF_BROKEN_MESSAGE = "PDF文件已损坏或无法解析"
PDF_ENCRYPTED_MESSAGE = "PDF文件已加密（设有打开密码），无法读取，请上传未加密的文件"
DOCX_BROKEN_MESSAGE = "Word文件已损坏或无法解析（只接受.docx格式，不接受宏文档或模板）"
DOCX_BOMB_MESSAGE = "Word文件解压后的内容异常庞大（疑似压缩炸弹），请另存为普通DOCX或PDF后上传"
NOT_WORD_ZIP_MESSAGE = "该文件是压缩包或非Word的Office文件（如Excel、PowerPoint），" + UNSUPPORTED_MESSAGE

_PDF_MAGIC = b"%PDF-"
_PDF_HEADER_WINDOW = 1024  # readers accept a few bytes of junk before the header
_ZIP_MAGIC = b"PK\x03\x04"
_DOCX_REQUIRED_PARTS = ("[Content_Types].xml", "word/document.xml")
_KNOWN_BINARIES = (
    (b"\x89PNG", "PNG图片"),
    (b"\xff\xd8\xff", "JPEG图片"),
    (b"GIF8", "GIF图片"),
    (b"II*\x00", "TIFF图片"),
    (b"MM\x00*", "TIFF图片"),
    (b"BM", "BMP图片"),
    (b"\xd0\xcf\x11\xe0", "旧版Office文件（.doc/.xls）"),
    (b"PK", "压缩包"),
    (b"Rar!", "RAR压缩包"),
    (b"7z\xbc\xaf", "7z压缩包"),
    (b"MZ", "可执行程序"),
    (b"\x7fELF", "可执行程序"),
)
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:" + "|".join(ALLOWED) + r")")
_UNSAFE_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class PlanFileError(ValidationError):
    """An uploaded plan file that cannot be accepted; the message says why, in Chinese."""

    code = "invalid_plan_file"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


@dataclass(frozen=True)
class PlanFile:
    """What an upload turned out to be; ``kind`` comes from the content, never from the name."""

    kind: str
    content_type: str
    size: int
    sha256: str
    text: str
    page_count: int | None = None

    @property
    def has_text(self) -> bool:
        """False for a scanned PDF: show ``NO_TEXT_WARNING`` to the person who uploaded it."""
        return bool(self.text.strip())


def inspect_upload(
    data: bytes,
    original_name: str,
    *,
    max_bytes: int = MAX_PLAN_BYTES,
    limits: ExtractionLimits = DEFAULT_LIMITS,
) -> PlanFile:
    """Recognise and read an uploaded plan.

    ``original_name`` is accepted but deliberately not used: the type is decided by the content
    alone, so a renamed file is read as what it really is. Text is extracted in a worker process under
    ``limits`` (time, memory) unless the input is known to be small (``limits.in_process_max``): every PDF
    goes to the worker, a DOCX or TXT only when it inflates past that.

    :raises PlanFileError: empty, too big, of another type, damaged, encrypted, a zip bomb, or its
        extraction ran out of time or memory.
    """
    _check_size(len(data), max_bytes)
    if _PDF_MAGIC in data[:_PDF_HEADER_WINDOW]:
        text, pages = run_isolated(_pdf_text, data, limits, PlanFileError)
        return _plan_file(data, "pdf", ALLOWED["pdf"], text, pages)
    if data.startswith(_ZIP_MAGIC):
        inflated = _check_docx(data, limits.max_inflated)
        small = inflated <= limits.in_process_max
        text = _docx_text(data) if small else run_isolated(_docx_text, data, limits, PlanFileError)
        return _plan_file(data, "docx", ALLOWED["docx"], text, None)
    decoded = _decode_text(data)
    if decoded is None:
        raise PlanFileError(_unsupported_message(data))
    text, encoding = decoded
    text = (
        normalize_text(text)
        if len(data) <= limits.in_process_max
        else run_isolated(_txt_text, data, limits, PlanFileError)
    )
    return _plan_file(data, "txt", f"{ALLOWED['txt']}; charset={encoding}", text, None)


# Kept as written by normalize_text: punctuation, symbols and number forms whose NFKC form is one other
# character (，。；：（）！？～ and ² ³ ①). The search index folds each of them to that character itself
# (search_index.analysis.normalize), so m² is found as m² or m2 and a plan still reads as its author wrote it.
# Kangxi and CJK radicals (symbols too) are not kept: PDFs emit them for ideographs, and NFKC mends them.
_KEPT_CATEGORIES = ("P", "S", "No", "Nl")
_RADICALS = range(0x2E80, 0x2FE0)


@cache
def _compatibility_runs() -> re.Pattern[str]:
    """Runs of text between kept characters, each normalised whole (NFKC composes across characters)."""
    kept = [
        ch
        for ch in map(chr, range(0x80, 0x10000))
        if ord(ch) not in _RADICALS
        and unicodedata.category(ch).startswith(_KEPT_CATEGORIES)
        and len(folded := unicodedata.normalize("NFKC", ch)) == 1
        and folded != ch
    ]
    return re.compile("[^" + "".join(re.escape(ch) for ch in kept) + "]+")


def normalize_text(text: str) -> str:
    """NFKC but for the kept punctuation and symbols (full-width digits and letters become ASCII, Kangxi
    radicals from PDFs the ideographs they stand for), no NULs, LF lines, at most one blank line."""
    text = _compatibility_runs().sub(lambda run: unicodedata.normalize("NFKC", run.group()), text)
    text = text.replace("\x00", "")
    lines = (line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def _check_size(size: int, max_bytes: int) -> None:
    if size == 0:
        raise PlanFileError(EMPTY_MESSAGE)
    if size > max_bytes:
        limit = f"{round(max_bytes / MIB, 2):g}"
        raise PlanFileError(f"文件过大（{size / MIB:.1f} MB），方案文件不得超过 {limit} MB")


def _plan_file(data: bytes, kind: str, content_type: str, text: str, pages: int | None) -> PlanFile:
    digest = hashlib.sha256(data).hexdigest()
    return PlanFile(kind, content_type, len(data), digest, text[:MAX_STORED_CHARS], pages)


def _pdf_text(data: bytes) -> tuple[str, int]:
    """The normalised text and page count of a PDF (run in the extraction worker)."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        _unlock(reader)
        texts = [_page_text(page) for page in reader.pages]
    except (PlanFileError, MemoryError):
        raise
    except Exception as exc:  # a malformed file can make pypdf raise almost anything
        raise PlanFileError(PDF_BROKEN_MESSAGE) from exc
    if not texts:
        raise PlanFileError(PDF_BROKEN_MESSAGE)
    return normalize_text("\n".join(texts)), len(texts)


def _unlock(reader: PdfReader) -> None:
    """Open a PDF that is only owner-protected (empty user password); refuse one with a real password."""
    if not reader.is_encrypted:
        return
    try:
        unlocked = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except DependencyError:  # AES needs the optional ``cryptography`` package, which we do not ship
        unlocked = False
    if not unlocked:
        raise PlanFileError(PDF_ENCRYPTED_MESSAGE)


def _page_text(page: Any) -> str:
    # One odd page (an unusual font or image) must not sink a plan whose structure pypdf has read.
    try:
        return str(page.extract_text())
    except MemoryError:
        raise
    except Exception:
        return ""


def _check_docx(data: bytes, max_inflated: int) -> int:
    """How many bytes the DOCX inflates to, counted while inflating within ``max_inflated``; refuses a zip bomb
    (too many entries, an entry far beyond the ratio, more than ``max_inflated`` in all) or a zip that is no DOCX."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_zip_bomb(infos)
            names = {info.filename for info in infos}
            if not all(part in names for part in _DOCX_REQUIRED_PARTS):
                raise PlanFileError(NOT_WORD_ZIP_MESSAGE)
            return inflated_size(archive, max_inflated)
    except ValidationError as exc:
        raise PlanFileError(exc.message) from None
    except Exception as exc:  # bad CRC, unknown compression, encrypted entries, truncated data…
        raise PlanFileError(DOCX_BROKEN_MESSAGE) from exc


def _docx_text(data: bytes) -> str:
    """The normalised text of a DOCX that ``_check_docx`` passed (run in the extraction worker when large)."""
    try:
        document = docx.Document(io.BytesIO(data))
        return normalize_text("\n".join(_block_lines(document)))
    except MemoryError:
        raise
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors… on bad parts
        raise PlanFileError(DOCX_BROKEN_MESSAGE) from exc


def _txt_text(data: bytes) -> str:
    """The normalised text of a plain-text upload (run in the extraction worker when large)."""
    decoded = _decode_text(data)
    return normalize_text(decoded[0]) if decoded else ""


def _check_zip_bomb(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_DOCX_ENTRIES:
        raise PlanFileError(DOCX_BOMB_MESSAGE)
    for info in infos:
        if info.file_size >= RATIO_CHECK_FROM and info.file_size > MAX_DOCX_RATIO * max(
            info.compress_size, 1
        ):
            raise PlanFileError(DOCX_BOMB_MESSAGE)


def _block_lines(container: Any) -> Iterator[str]:
    """Paragraphs and tables in document order; a table row is one line of tab-separated cells."""
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block.text
        elif isinstance(block, Table):
            for row in block.rows:
                yield "\t".join(_row_cell_texts(row.cells))


def _row_cell_texts(cells: list[Any]) -> Iterator[str]:
    previous = None
    for cell in cells:
        if cell._tc is previous:  # a merged cell repeats in every grid column it spans
            continue
        previous = cell._tc
        yield "\n".join(_block_lines(cell))


def _decode_text(data: bytes) -> tuple[str, str] | None:
    """The text and its charset when ``data`` is plain text in UTF-8 (BOM or not) or GB18030."""
    if b"\x00" in data:
        return None
    for codec, charset in (("utf-8-sig", "utf-8"), ("gb18030", "gb18030")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        return None if _BINARY_CONTROLS.search(text) else (text, charset)
    return None


def _unsupported_message(data: bytes) -> str:
    for magic, label in _KNOWN_BINARIES:
        if data.startswith(magic):
            hint = "，请另存为.docx或PDF后上传" if label.startswith("旧版") else ""
            return f"文件内容是{label}，不是受支持的格式{hint}。{UNSUPPORTED_MESSAGE}"
    return f"无法识别的文件类型。{UNSUPPORTED_MESSAGE}"


def store(data: bytes, directory: str | Path, kind: str) -> str:
    """Write ``data`` atomically under a generated name in ``directory`` and return that name."""
    if kind not in ALLOWED:
        raise ValueError(f"unknown plan file kind: {kind!r}")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = f"{uuid.uuid4().hex}.{kind}"
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, folder / stored_name)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return stored_name


def stored_path(directory: str | Path, stored_name: str) -> Path:
    """The path of a stored file; only names that ``store`` generates are accepted (no traversal)."""
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise PlanFileError("无效的文件名")
    return Path(directory) / stored_name


def safe_display_name(original_name: str) -> str:
    """The uploaded name for display: no directories, no control or bidi characters, at most 255 chars."""
    base = re.split(r"[/\\]", original_name or "")[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch) not in _UNSAFE_NAME_CATEGORIES)
    cleaned = unicodedata.normalize("NFC", cleaned).strip()
    if cleaned in {"", ".", ".."}:
        return FALLBACK_DISPLAY_NAME
    if len(cleaned) <= MAX_DISPLAY_NAME:
        return cleaned
    stem, dot, ext = cleaned.rpartition(".")
    if dot and stem and len(ext) <= 10:
        return stem[: MAX_DISPLAY_NAME - len(ext) - 1] + "." + ext
    return cleaned[:MAX_DISPLAY_NAME]
