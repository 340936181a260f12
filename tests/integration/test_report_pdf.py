"""The review report and draw record PDFs: the Chinese text comes back out (embedded font), the QR code
opens the verification page, the same records give the same bytes, and long texts flow across pages."""

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from expert_pool.draws import invitations
from expert_pool.draws.models import SeatStatus
from expert_pool.draws.panel import SPECIALTY_LABELS
from expert_pool.draws.record_pdf import draw_pdf
from expert_pool.pdf.fonts import CID_FALLBACK, pdf_fonts
from expert_pool.pdf.layout import render, styles
from expert_pool.policy import set_policy
from expert_pool.reviews import reports as review_reports
from expert_pool.reviews.models import Conclusion
from expert_pool.reviews.report_pdf import Edition, report_pdf
from expert_pool.reviews.rules import FINDINGS_MAX
from tests.review_fixtures import (
    AT_MEETING,
    DRAWN_AT,
    all_opinions,
    concluded,
    draft,
    opinion,
    ready_meeting,
    record,
    sign_all,
)

BASE = "https://weida.example.gov.cn"
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


@pytest.fixture
def m(session, tmp_path):
    return ready_meeting(session, str(tmp_path / "up"))


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    """pdftotext breaks long lines where the PDF wraps them; compare without the breaks."""
    return "".join(text.split())


@needs_poppler
def test_report_text_comes_back_in_chinese(session, m, tmp_path):
    report = concluded(session, m, Conclusion.PASS_AFTER_REVISION)
    data = report_pdf(session, m.review, report, base_url=BASE, edition=Edition.RECORD)
    text = flat(pdf_text(data, tmp_path))
    for expected in ("专项施工方案专家论证报告", m.project.name, m.work.name, "论证结论：修改后通过", "超过一定规模的危大工程",
                     "附件2一", "支护结构计算缺少坑底抗隆起验算。", "补充坑底抗隆起验算。", report.verify_code,
                     m.review.plan_version.sha256, f"{BASE}/verify/{report.verify_code}", "苏州市工业园区某会议室",
                     "建设单位项目负责人", "专家00（组长）", "✓方案包含规定的九项内容", "2026-12-0312:00"):  # fmt: skip
        assert expected in text, expected
    assert b"/FontFile2" in data  # the TrueType outlines are embedded


def test_same_records_give_the_same_bytes(session, m):
    report = concluded(session, m)
    first = report_pdf(session, m.review, report, base_url=BASE)
    assert report_pdf(session, m.review, report, base_url=BASE) == first
    assert b"/CreationDate (D:20000101000000" in first  # invariant mode: a fixed date, not the clock
    assert report_pdf(session, m.review, report, base_url="http://other.example") != first


@pytest.mark.skipif(
    not shutil.which("zbarimg") or not shutil.which("pdftoppm"), reason="zbar-tools or poppler"
)
def test_qr_code_opens_the_verification_page(session, m, tmp_path):
    report = concluded(session, m)
    (tmp_path / "r.pdf").write_bytes(report_pdf(session, m.review, report, base_url=BASE))
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"),
                    str(tmp_path / "p")], check=True)  # fmt: skip
    png = next(tmp_path.glob("p*.png"))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True).stdout
    assert decoded.strip() == f"{BASE}/verify/{report.verify_code}"


@needs_poppler
def test_draft_says_it_is_not_in_force_and_who_has_not_signed(session, m, tmp_path):
    record(session, m)
    all_opinions(session, m)
    report = draft(session, m)
    review_reports.sign_report(session, m.review, report, m.panel[0].id, now=AT_MEETING + timedelta(hours=1))
    text = flat(pdf_text(report_pdf(session, m.review, report, base_url=BASE), tmp_path))
    assert "草稿：尚未经全体论证专家签署，未生效" in text and "未签署" in text and "尚未定稿" in text


@needs_poppler
def test_superseded_version_names_its_replacement_and_the_correction_its_reason(session, m, tmp_path):
    first = concluded(session, m)
    fixed = review_reports.correct_report(
        session, m.review, m.panel[0].id, reason="第2条修改意见笔误", summary="更正后的说明",
        changes=[("补充坑底抗隆起验算。", [m.panel[0].id])], now=AT_MEETING + timedelta(hours=2),
    )  # fmt: skip
    sign_all(session, m, fixed)
    session.refresh(m.review)
    old = flat(pdf_text(report_pdf(session, m.review, first, base_url=BASE), tmp_path))
    assert "本版已被第2版更正取代" in old
    new = flat(pdf_text(report_pdf(session, m.review, fixed, base_url=BASE), tmp_path))
    assert f"本版更正第1版（验证码{first.verify_code}）" in new and "更正原因：第2条修改意见笔误" in new


@needs_poppler
def test_short_materials_lead_is_flagged_against_the_policy(session, tmp_path):
    set_policy(session, "pool", {"materials_lead_days": 10}, actor_id=None)  # recorded with the draw
    m = ready_meeting(session, str(tmp_path / "up"))
    set_policy(session, "pool", {"materials_lead_days": 3}, actor_id=None)  # later: old records keep 10
    report = concluded(session, m)
    text = flat(pdf_text(report_pdf(session, m.review, report, base_url=BASE), tmp_path))
    assert "会前至少10天" in text and "不足规定的10天" in text and "5名专家收到材料的时间少于规定天数" in text


def test_longest_texts_flow_across_pages(session, m, tmp_path):
    record(session, m)
    long = "支护结构水平位移监测点间距过大，应按规范加密并明确报警值。" * (FINDINGS_MAX // 30)
    for expert in m.panel:
        opinion(
            session, m, expert, Conclusion.PASS_AFTER_REVISION, findings={"1": long, "2": long, "3": long}
        )
    changes = [("修改意见：" + "补充验算并完善监测方案。" * 80, [m.panel[i % 5].id]) for i in range(8)]
    report = review_reports.draft_report(session, m.review, m.panel[0].id, conclusion=Conclusion.PASS_AFTER_REVISION,
                                         summary="专家组意见。" * 600, changes=changes, now=AT_MEETING)  # fmt: skip
    sign_all(session, m, report)
    data = report_pdf(session, m.review, report, base_url=BASE, edition=Edition.RECORD)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
        assert int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))) > 10


def test_chinese_font_falls_back_to_the_builtin_cid_font(tmp_path):
    fonts = pdf_fonts(tmp_path / "missing.ttc", tmp_path / "missing.ttf")
    assert fonts.body == CID_FALLBACK and not fonts.embedded and fonts.tick == "√"
    from reportlab.platypus import Paragraph

    data = render(
        [Paragraph("论证结论：通过", styles(fonts).body)], title="t", subject="s", footer="页脚", fonts=fonts
    )
    assert b"STSong-Light" in data and b"/FontFile2" not in data


@needs_poppler
def test_draw_record_shows_the_funnel_the_panel_declines_top_ups_and_the_chain(session, m, tmp_path):
    seats = [s for s in m.draw.seats if s.status is SeatStatus.CONFIRMED]
    when = DRAWN_AT + timedelta(hours=2)
    for seat in seats[:1]:
        invitations.decline(session, seat, "单位临时安排出差", now=when, actor_id=None)
    for _ in range(4):  # every alternate declines too, then the seat is drawn again (a top-up)
        called = next((s for s in m.draw.seats if s.status is SeatStatus.INVITED), None)
        if called is None:
            break
        invitations.decline(session, called, "时间冲突", now=when, actor_id=None)
    before_reveal = datetime(2026, 11, 25, tzinfo=UTC)
    text = flat(pdf_text(draw_pdf(session, m.draw, now=before_reveal), tmp_path))
    for expected in ("专家抽取记录", m.project.name, "专家库12名→可抽取12名", m.draw.seed_hash, m.draw.record_hash,
                     "已谢绝", "谢绝原因：单位临时安排出差", "本地专家上限", "材料提前送达天数", "校验通过",
                     "将于名单揭示时间"):  # fmt: skip
        assert expected in text, expected
    assert "seed-r" not in text  # the seed stays secret until the reveal time
    assert "补充抽取" in text  # the alternates ran out: the top-up record of the meeting is listed
    after = flat(pdf_text(draw_pdf(session, m.draw, now=datetime(2026, 12, 2, 2, tzinfo=UTC)), tmp_path))
    assert "seed-r" in after
    assert draw_pdf(session, m.draw, now=before_reveal) == draw_pdf(session, m.draw, now=before_reveal)


@needs_poppler
def test_draw_record_tells_the_method_and_weight_in_words_and_the_specialties_to_cover(session, m, tmp_path):
    text = flat(pdf_text(draw_pdf(session, m.draw, now=datetime(2026, 11, 25, tzinfo=UTC)), tmp_path))
    assert "weighted-sample" not in text and "inverse-recent-reviews" not in text
    for expected in ("加权不放回随机抽样", "被抽中的机会与其权重成正比", "近12个月参加论证次数越少", "须覆盖的专业",
                     SPECIALTY_LABELS[m.draw.work.category]):  # fmt: skip
        assert expected in text, expected


@needs_poppler
def test_issued_edition_has_no_individual_opinion_and_the_record_has_the_annex(session, m, tmp_path):
    """One builder, two editions: the team's report states the joint conclusion, the numbered changes and who
    signed when; the regulators' record adds each expert's proposed conclusion, findings and reservation."""
    record(session, m)
    for expert in m.panel[:4]:
        opinion(session, m, expert, Conclusion.PASS_AFTER_REVISION)
    opinion(
        session, m, m.panel[4], Conclusion.FAIL, findings={"1": "高支模立杆间距明显过大。", "2": "", "3": ""}
    )
    report = draft(session, m)
    for expert in m.panel[:4]:
        review_reports.sign_report(session, m.review, report, expert.id, now=AT_MEETING + timedelta(hours=1))
    review_reports.sign_report(session, m.review, report, m.panel[4].id, now=AT_MEETING + timedelta(hours=1),
                               reservation="本人认为应为不通过，立杆间距须重新验算。")  # fmt: skip
    session.refresh(report)
    issued = flat(pdf_text(report_pdf(session, m.review, report, base_url=BASE), tmp_path))
    kept = flat(
        pdf_text(report_pdf(session, m.review, report, base_url=BASE, edition=Edition.RECORD), tmp_path)
    )
    for both in (
        "论证结论：修改后通过",
        "补充坑底抗隆起验算。",
        report.verify_code,
        report.content_hash,
        m.panel[4].name,
    ):
        assert both in issued and both in kept, both
    for private in (
        "建议结论",
        "不通过",
        "高支模立杆间距明显过大。",
        "意见来源",
        "立杆间距须重新验算",
        "保留意见（见附件）",
    ):
        assert private not in issued, private
        assert private in kept, private
    assert "监管存档本" in kept and "附件" in kept
