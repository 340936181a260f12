"""Uploaded plan files built for real (PDF, DOCX, TXT) and every refusal of a bad upload."""

import io
import random
import stat
import struct
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from knowledge.errors import ValidationError
from knowledge.plans.files import (
    ALLOWED,
    FALLBACK_DISPLAY_NAME,
    MAX_PLAN_BYTES,
    NO_TEXT_WARNING,
    PDF_BROKEN_MESSAGE,
    PDF_ENCRYPTED_MESSAGE,
    PlanFileError,
    inspect_upload,
    normalize_text,
    safe_display_name,
    store,
    stored_path,
)
from knowledge.plans.sections import find_sections

CHINESE_FONT = "STSong-Light"
PAGES = ["第一章 工程概况\n本工程基坑开挖深度6.5米。", "第八章 应急处置措施\n发生险情立即撤离。"]


def make_pdf(pages=PAGES) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(CHINESE_FONT))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    for text in pages:
        page.setFont(CHINESE_FONT, 12)
        for row, line in enumerate(text.splitlines()):
            page.drawString(72, 760 - 20 * row, line)
        page.showPage()
    page.save()
    return buffer.getvalue()


def make_scanned_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.rect(72, 72, 300, 400, fill=1)  # a drawing, no text: what a scan looks like to pypdf
    page.showPage()
    page.save()
    return buffer.getvalue()


def encrypt_pdf(data: bytes, *, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password, algorithm="RC4-128")  # RC4 needs no extra package
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx() -> bytes:
    document = docx.Document()
    document.add_heading("第一章 工程概况", level=1)
    document.add_paragraph("本工程为高支模工程，搭设高度9.2米。")
    table = document.add_table(rows=2, cols=3)
    for column, text in enumerate(["构件", "截面", "搭设高度"]):
        table.cell(0, column).text = text
    table.cell(1, 0).merge(table.cell(1, 1)).text = "框架梁KL1"
    table.cell(1, 2).text = "9.2米"
    document.add_heading("第九章 计算书及相关施工图纸", level=1)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "工程概况"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_lookalike(extra: dict[str, bytes]) -> bytes:
    """A zip with the two parts that mark a Word file, plus ``extra`` entries, deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        for name, content in extra.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def declare_uncompressed_size(data: bytes, entry: str, size: int) -> bytes:
    """Rewrite an entry's uncompressed size in the zip's central directory (offset 24 of its header)."""
    header = data.index(b"PK\x01\x02")
    while data[header + 46 : header + 46 + len(entry)] != entry.encode():
        header = data.index(b"PK\x01\x02", header + 4)
    return data[: header + 24] + struct.pack("<I", size) + data[header + 28 :]


def refusal(data: bytes, name: str = "方案.pdf", **kwargs) -> PlanFileError:
    with pytest.raises(PlanFileError) as caught:
        inspect_upload(data, name, **kwargs)
    return caught.value


# --- accepted files -------------------------------------------------------------------------------


def test_a_chinese_pdf_gives_its_text_pages_and_digest():
    data = make_pdf()

    plan = inspect_upload(data, "深基坑专项施工方案.pdf")

    assert (plan.kind, plan.content_type, plan.page_count, plan.size) == (
        "pdf",
        "application/pdf",
        2,
        len(data),
    )
    assert "第一章 工程概况" in plan.text
    assert "本工程基坑开挖深度6.5米。" in plan.text
    assert plan.text.index("工程概况") < plan.text.index("应急处置措施")
    assert plan.has_text
    assert len(plan.sha256) == 64 and plan.sha256 == inspect_upload(data, "copy.pdf").sha256
    assert find_sections(plan.text).found == (1, 8)


def test_a_scanned_pdf_is_accepted_without_text():
    plan = inspect_upload(make_scanned_pdf(), "扫描件.pdf")

    assert (plan.kind, plan.page_count, plan.text) == ("pdf", 1, "")
    assert not plan.has_text
    assert NO_TEXT_WARNING == "未能提取文字（可能是扫描件）"


def test_a_pdf_protected_only_by_an_owner_password_is_read():
    data = encrypt_pdf(make_pdf(), user_password="", owner_password="owner-secret")

    assert "工程概况" in inspect_upload(data, "方案.pdf").text


def test_a_docx_gives_paragraphs_and_table_cells_in_order():
    plan = inspect_upload(make_docx(), "高支模方案.docx")

    assert (plan.kind, plan.content_type, plan.page_count) == ("docx", ALLOWED["docx"], None)
    lines = plan.text.splitlines()
    assert lines[0] == "第一章 工程概况"
    assert "构件\t截面\t搭设高度" in lines
    assert "框架梁KL1\t9.2米" in lines  # the merged cell appears once
    assert lines[-1] == "第九章 计算书及相关施工图纸"


@pytest.mark.parametrize(
    ("encoded", "charset"),
    [
        ("第一章 工程概况\n基坑深度6.5米".encode(), "utf-8"),
        ("第一章 工程概况\n基坑深度6.5米".encode("utf-8-sig"), "utf-8"),
        ("第一章 工程概况\n基坑深度6.5米".encode("gb18030"), "gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "gb18030"],
)
def test_a_text_file_is_decoded(encoded, charset):
    plan = inspect_upload(encoded, "方案.txt")

    assert (plan.kind, plan.content_type) == ("txt", f"text/plain; charset={charset}")
    assert plan.text == "第一章 工程概况\n基坑深度6.5米"


def test_text_is_normalised():
    raw = "\ufeff１．工程概况\r\n\r\n\r\n\r\n\u3000\u3000基坑深度 \r\n\n\n\n编制依据\n".encode()

    # Full-width digits become ASCII; full-width punctuation stays as written (１． → 1．).
    assert inspect_upload(raw, "a.txt").text == "1．工程概况\n\n  基坑深度\n\n编制依据"
    assert normalize_text("\u2f2f程\x00概况\r计算书") == "工程概况\n计算书"


def test_a_text_file_with_nul_bytes_is_refused_as_binary():
    refusal("工程概况\x00".encode(), "a.txt")


def test_the_content_decides_the_type_not_the_name():
    assert inspect_upload(make_docx(), "方案.pdf").kind == "docx"
    assert inspect_upload(make_pdf(), "方案.docx").kind == "pdf"
    assert inspect_upload("工程概况".encode(), "方案.exe").kind == "txt"


# --- refusals -------------------------------------------------------------------------------------


def test_a_refusal_is_a_validation_error_on_the_file_field():
    error = refusal(b"")

    assert isinstance(error, ValidationError)
    assert (error.code, error.field, error.status) == ("invalid_plan_file", "file", 422)
    assert "为空" in str(error)


def test_a_file_over_the_limit_is_refused_with_the_limit_in_megabytes():
    assert MAX_PLAN_BYTES == 25 * 1024 * 1024
    data = "工程概况".encode() * 200_000  # 2.4 MB

    assert "不得超过 2 MB" in str(refusal(data, "a.txt", max_bytes=2 * 1024 * 1024))
    assert inspect_upload(data, "a.txt", max_bytes=len(data)).kind == "txt"


def test_png_bytes_named_pdf_are_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)

    message = str(refusal(png, "方案.pdf"))

    assert "PNG图片" in message and "PDF、Word（.docx）或纯文本" in message


def test_a_truncated_pdf_is_refused_as_damaged():
    data = make_pdf()

    assert str(refusal(data[: len(data) // 2])) == PDF_BROKEN_MESSAGE
    assert str(refusal(b"%PDF-1.7\n" + bytes(range(1, 200)))) == PDF_BROKEN_MESSAGE


def test_a_pdf_with_an_open_password_is_refused():
    data = encrypt_pdf(make_pdf(), user_password="secret")

    assert str(refusal(data)) == PDF_ENCRYPTED_MESSAGE


def test_an_xlsx_is_refused_as_not_a_word_file():
    assert "Excel" in str(refusal(make_xlsx(), "方案.docx"))


def test_a_zip_that_is_not_a_word_file_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("方案.txt", "工程概况")

    assert "压缩包" in str(refusal(buffer.getvalue(), "方案.docx"))


def test_a_docx_that_inflates_far_beyond_its_size_is_refused_as_a_zip_bomb():
    bomb = docx_lookalike({"word/media/zeros.bin": bytes(8 * 1024 * 1024)})  # 8 MB of zeros in ~8 KB

    assert len(bomb) < 100_000
    assert "压缩炸弹" in str(refusal(bomb, "方案.docx"))


def test_a_docx_declaring_a_huge_entry_is_refused_before_anything_is_inflated():
    data = declare_uncompressed_size(
        docx_lookalike({"word/media/big.bin": b"x"}), "word/media/big.bin", 2**32 - 1
    )

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("word/media/big.bin").file_size == 2**32 - 1
    assert "压缩炸弹" in str(refusal(data, "方案.docx"))


def test_a_damaged_docx_is_refused():
    data = make_docx()

    assert "Word文件已损坏" in str(refusal(data[: len(data) // 2], "方案.docx"))


def test_random_binary_is_refused():
    data = random.Random(7).randbytes(4096)

    assert "无法识别的文件类型" in str(refusal(data, "方案.txt"))


def test_an_executable_and_a_legacy_word_file_are_named_in_the_refusal():
    assert "可执行程序" in str(refusal(b"MZ\x90\x00\x03" + bytes(100), "方案.pdf"))
    assert "另存为.docx" in str(refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "方案.doc"))


def test_text_with_binary_control_characters_is_refused():
    refusal("工程概况\x1b[31m".encode(), "a.txt")


# --- storage --------------------------------------------------------------------------------------


def test_store_writes_under_a_generated_name(tmp_path: Path):
    folder = tmp_path / "plans" / "2026"

    name = store(b"%PDF-1.7 data", folder, "pdf")

    assert len(name) == 36 and name.endswith(".pdf")
    assert stored_path(folder, name).read_bytes() == b"%PDF-1.7 data"
    assert [path.name for path in folder.iterdir()] == [name]  # no temporary file left behind
    assert store(b"x", folder, "pdf") != name
    assert not stat.S_IMODE(stored_path(folder, name).stat().st_mode) & stat.S_IRWXO


def test_store_refuses_an_unknown_kind(tmp_path: Path):
    with pytest.raises(ValueError):
        store(b"x", tmp_path, "exe")


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "a/b.pdf",
        "../" + "a" * 32 + ".pdf",
        "/etc/passwd",
        "A" * 32 + ".pdf",
        "a" * 32 + ".exe",
        "a" * 32 + ".pdf\n",
        "a" * 31 + ".pdf",
        "",
    ],
)
def test_stored_path_refuses_names_store_never_generates(tmp_path: Path, name: str):
    with pytest.raises(PlanFileError):
        stored_path(tmp_path, name)


@pytest.mark.parametrize(
    ("original", "shown"),
    [
        ("深基坑专项施工方案.pdf", "深基坑专项施工方案.pdf"),
        ("C:\\Users\\张工\\Desktop\\方案.docx", "方案.docx"),
        ("../../etc/passwd", "passwd"),
        ("方案\r\n\x00.pdf", "方案.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override hides the real extension
        ("  方案.txt  ", "方案.txt"),
        ("", FALLBACK_DISPLAY_NAME),
        ("..", FALLBACK_DISPLAY_NAME),
        ("dir/", FALLBACK_DISPLAY_NAME),
        ("\x00\x01", FALLBACK_DISPLAY_NAME),
    ],
)
def test_safe_display_name(original, shown):
    assert safe_display_name(original) == shown


def test_a_long_display_name_is_cut_to_255_characters_keeping_its_extension():
    shown = safe_display_name("方" * 400 + ".docx")

    assert len(shown) == 255 and shown.endswith("方.docx")
