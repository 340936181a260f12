"""Issue 18, item 13: a DOCX that inflates far (but under the ratio guard), one whose declared sizes lie, and
an extraction that runs out of time or memory are refused with a Chinese message, quickly, and nothing is
stored; the text indexed per plan is capped."""

from __future__ import annotations

import io
import random
import struct
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import ParticipantRole
from knowledge.plans import services as plan_services
from knowledge.plans.extraction import (
    DIED_MESSAGE,
    MAX_INDEXED_CHARS,
    MAX_STORED_CHARS,
    MEMORY_MESSAGE,
    ExtractionLimits,
    inflated_message,
    run_isolated,
)
from knowledge.plans.files import MAX_DOCX_RATIO, PlanFileError, inspect_upload
from knowledge.plans.models import PlanVersion
from knowledge.search_docs import plan_document
from tests.factories import (
    PLAN_AUTHORS,
    SAMPLE_PLAN,
    TEST_VAULT,
    login,
    make_account,
    make_enterprise,
    make_plan_version,
    make_project,
    make_work,
)

MIB = 1024 * 1024
BOMB_MESSAGE = inflated_message(50 * MIB)
_DOCUMENT = "word/document.xml"
_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
)
_TAIL = b"</w:body></w:document>"


def _paragraphs() -> bytes:
    """About 1 MB of paragraphs that deflate about 150×: each long run of text starts with a random number."""
    rng = random.Random(18)
    filler = "基坑支护" * 150
    return "".join(
        f"<w:p><w:r><w:t>{rng.getrandbits(24):x}{filler}</w:t></w:r></w:p>" for _ in range(550)
    ).encode()


def docx_with_document_of(mib: int) -> bytes:
    """A real DOCX (python-docx's skeleton) whose document.xml is ``mib`` MiB of paragraphs, written streaming."""
    skeleton = io.BytesIO()
    docx.Document().save(skeleton)
    chunk = _paragraphs()
    out = io.BytesIO()
    with zipfile.ZipFile(skeleton) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != _DOCUMENT:
                target.writestr(info.filename, source.read(info))
        with target.open(_DOCUMENT, "w", force_zip64=True) as stream:
            stream.write(_HEAD)
            for _ in range(mib * MIB // len(chunk)):
                stream.write(chunk)
            stream.write(_TAIL)
    return out.getvalue()


def declare_size(data: bytes, entry: str, size: int) -> bytes:
    """Rewrite an entry's uncompressed size in its central directory record and its local header."""
    raw = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(entry)
    name = entry.encode()
    central = raw.rfind(b"PK\x01\x02", 0, raw.rfind(name))
    assert raw[central + 46 : central + 46 + len(name)] == name
    struct.pack_into("<I", raw, central + 24, size)
    struct.pack_into("<I", raw, info.header_offset + 22, size)
    return bytes(raw)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return docx_with_document_of(195)  # the file: 195 MiB of XML, under the old 200 MiB guard


@pytest.fixture
def site(session: Any, tmp_path: Path) -> dict[str, Any]:
    gc = make_enterprise(session)
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR)])
    account = make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id)
    return {"work": make_work(session, project), "account": account, "team": Scope.of(account),
            "uploads": tmp_path / "uploads"}  # fmt: skip


def submit(session: Any, site: dict[str, Any], data: bytes, **limits: Any) -> PlanVersion:
    upload = plan_services.PlanUpload(data, "方案.docx", "高支模方案", authors=PLAN_AUTHORS)
    return plan_services.submit_version(session, site["work"], upload, scope=site["team"],
                                        upload_dir=site["uploads"], max_bytes=25 * MIB, vault=TEST_VAULT,
                                        limits=ExtractionLimits(**limits))  # fmt: skip


def refused_and_nothing_stored(session: Any, site: dict[str, Any], data: bytes, **limits: Any) -> str:
    with pytest.raises(PlanFileError) as caught:
        submit(session, site, data, **limits)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(PlanVersion)) == 0
    uploads: Path = site["uploads"]
    assert not uploads.exists() or not any(uploads.iterdir())
    return str(caught.value)


def test_a_docx_inflating_150_times_to_195_mib_is_refused_quickly_and_nothing_is_stored(session, site, bomb):
    info = zipfile.ZipFile(io.BytesIO(bomb)).getinfo(_DOCUMENT)
    assert len(bomb) < 2 * MIB and info.file_size > 194 * MIB
    assert info.file_size < MAX_DOCX_RATIO * info.compress_size  # the attack: under the ratio guard

    started = time.perf_counter()
    message = refused_and_nothing_stored(session, site, bomb)

    assert time.perf_counter() - started < 3
    assert message == BOMB_MESSAGE == "文件解压后超过50MB，可能是压缩炸弹，请另存为普通DOCX或PDF后上传"


def test_the_upload_page_shows_the_message_for_the_bomb_not_an_error(client, app, session, site, bomb):
    login(client, site["account"])
    data = {"title": "高支模方案", "file": (io.BytesIO(bomb), "方案.docx")}

    page = client.post(f"/works/{site['work'].id}/plans/new", data=data, content_type="multipart/form-data")

    assert page.status_code == 200 and BOMB_MESSAGE in page.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(PlanVersion)) == 0
    assert not any(Path(app.config["UPLOAD_DIR"]).glob("*.docx"))


def test_a_docx_declaring_small_sizes_but_inflating_large_is_refused_while_reading(session, site, bomb):
    liar = declare_size(bomb, _DOCUMENT, MIB - 1)  # under the absolute cap and below the ratio check
    assert zipfile.ZipFile(io.BytesIO(liar)).getinfo(_DOCUMENT).file_size == MIB - 1

    started = time.perf_counter()
    message = refused_and_nothing_stored(session, site, liar)

    assert time.perf_counter() - started < 3
    assert message == BOMB_MESSAGE


def test_the_inflated_cap_counts_bytes_actually_inflated_not_the_declared_ones():
    data = docx_with_document_of(12)
    liar = declare_size(data, _DOCUMENT, 5 * MIB)  # all declared sizes sum under an 8 MiB cap

    with pytest.raises(PlanFileError) as caught:
        inspect_upload(liar, "方案.docx", limits=ExtractionLimits(max_inflated=8 * MIB))
    assert (
        str(caught.value)
        == inflated_message(8 * MIB)
        == "文件解压后超过8MB，可能是压缩炸弹，请另存为普通DOCX或PDF后上传"
    )


def test_extraction_past_its_time_limit_is_refused_with_a_message_and_nothing_is_stored(session, site):
    data = docx_with_document_of(6)  # over the in-process threshold: read in the worker

    message = refused_and_nothing_stored(session, site, data, seconds=0.05)

    assert message == "文件内容过于复杂，0.05秒内未能提取文字，已拒绝。请另存为普通DOCX或PDF后上传"


def test_extraction_past_its_memory_limit_is_refused_with_a_message(session, site):
    data = docx_with_document_of(20)  # a worker of 64 MiB after its imports cannot hold 20 MiB of XML twice

    assert refused_and_nothing_stored(session, site, data, memory=100 * MIB) == MEMORY_MESSAGE


def test_a_worker_that_dies_gives_a_message_not_an_error():
    with pytest.raises(PlanFileError) as caught:
        run_isolated(sys.exit, b"", ExtractionLimits(), PlanFileError)  # the worker exits without an answer

    assert str(caught.value) == DIED_MESSAGE


def test_a_large_docx_within_the_limits_is_read_in_the_worker(session, site):
    data = docx_with_document_of(5)  # over the in-process threshold, under the stored-text cap

    version = submit(session, site, data)

    paragraphs = 5 * MIB // len(_paragraphs()) * 550
    assert version.text.count("\n") + 1 == paragraphs
    assert version.text.endswith("基坑支护" * 150) and version.sha256


def test_a_pdf_is_always_read_in_the_worker_under_the_limits():
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 760, "Section 1 Overview")
    page.showPage()
    page.save()

    plan = inspect_upload(buffer.getvalue(), "方案.pdf")
    assert (plan.text, plan.page_count) == ("Section 1 Overview", 1)
    with pytest.raises(PlanFileError, match="秒内未能提取文字"):
        inspect_upload(buffer.getvalue(), "方案.pdf", limits=ExtractionLimits(seconds=0.01))


def test_the_indexed_text_of_a_plan_is_capped_and_the_stored_text_is_not(session, site):
    long_text = SAMPLE_PLAN + "\n" + "模板支撑体系立杆间距0.9米。\n" * (MAX_INDEXED_CHARS // 15 + 10_000)
    version = make_plan_version(session, site["work"], str(site["uploads"]), text=long_text)

    document = plan_document(session, version)

    indexed = len(document["body"]) + sum(
        len(heading) + len(text) for _, heading, text in document["sections"]
    )
    assert len(version.text) > MAX_INDEXED_CHARS
    assert indexed <= MAX_INDEXED_CHARS
    assert document["sections"][0][1] == "第一章 工程概况"


def test_the_stored_text_is_capped_generously():
    line = "模板支撑体系立杆间距0.9米。\n"
    plan = inspect_upload((line * (MAX_STORED_CHARS // len(line) + 1000)).encode(), "方案.txt")

    assert len(plan.text) == MAX_STORED_CHARS and plan.text.startswith(line)


def test_the_limits_come_from_the_settings():
    limits = ExtractionLimits.from_config(
        {"PLAN_MAX_INFLATED_MB": 30, "PLAN_EXTRACT_SECONDS": 5, "PLAN_EXTRACT_MEMORY_MB": 256}
    )

    assert (limits.max_inflated, limits.seconds, limits.memory) == (30 * MIB, 5.0, 256 * MIB)
    assert ExtractionLimits.from_config({}) == ExtractionLimits()


def test_the_upload_page_applies_the_configured_cap(client, app, session, site):
    app.config["PLAN_MAX_INFLATED_MB"] = 1
    login(client, site["account"])
    data = {"title": "高支模方案", "file": (io.BytesIO(docx_with_document_of(2)), "方案.docx")}
    page = client.post(f"/works/{site['work'].id}/plans/new", data=data, content_type="multipart/form-data")
    assert page.status_code == 200 and "文件解压后超过1MB" in page.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(PlanVersion)) == 0
