"""The crane inspection report (建筑起重机械检验报告) as a PDF: the machine, the body and its inspector, the
conclusion with its reason, every checklist item (保证项目 marked ★) with its measured value, and the QR code of the
public verification page.

Built from the stored rows only (the report, its items, the body, the machine's registration in force when it was
published, the installation it was made on) with the shared fonts and layout in invariant mode, so the same records
give the same bytes and the SHA-256 recorded at publication matches every download. Nothing of the moment of
rendering is printed.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph, Table
from sqlalchemy.orm import object_session

from expert_pool.pdf.crane_certificate_pdf import QR_SIZE
from expert_pool.pdf.fonts import pdf_fonts
from expert_pool.pdf.layout import WIDTH, Styles, fields, gap, grid, local, qr_code, render, styles, text
from knowledge.cranes import checklists
from knowledge.cranes.inspection_models import Conclusion, InspectionReport
from knowledge.cranes.inspection_queries import ItemOutcome, ReportLine, report_lines
from knowledge.cranes.models import OwnershipRegistration
from knowledge.cranes.service_age import DECREE_166
from knowledge.cranes.site_models import Installation

TITLE = "建筑起重机械检验报告"
MM = 2.834645669
ITEM_WIDTHS = (0.10, 0.43, 0.17, 0.18, 0.12)


def verify_url(base_url: str, code: str) -> str:
    """The public page that says whether a report with this code was issued by the system, and its conclusion."""
    return f"{base_url.rstrip('/')}/cranes/reports/verify/{code}"


def report_pdf(report: InspectionReport, *, base_url: str) -> bytes:
    """The published report's PDF; the same rows give the same bytes."""
    assert report.verify_code is not None and report.number is not None
    st = styles(pdf_fonts())
    lines = report_lines(report)
    found = checklists.checklist(report.machine_type, report.checklist_version)
    computed = checklists.conclusion(
        report.machine_type, [r for line in lines if (r := line.result) is not None], report.checklist_version
    )
    url = verify_url(base_url, report.verify_code)
    story: list[Flowable] = [
        Paragraph(text(TITLE), st.title),
        Paragraph(
            text(
                f"依据 {found.standard}（检查表{found.version}版）；《建筑起重机械安全监督管理规定》"
                f"（{DECREE_166}）第十六条"
            ),
            st.subtitle,
        ),  # fmt: skip
        gap(),
        fields(_header_rows(report), st, label_width=30 * MM),
        Paragraph(text("一、检验结论"), st.h1),
        *_conclusion(report, computed, found, st),
        Paragraph(text("二、检验项目"), st.h1),
        Paragraph(text("★ 为保证项目；实测值超出允许范围的项目判为不合格。"), st.body),
        grid(
            ("编号", "检验项目", "依据", "实测值（允许范围）", "结果"),
            [_item_row(line, st) for line in lines],
            st,
            ITEM_WIDTHS,
        ),  # fmt: skip
        gap(6 * MM),
        _qr_block(report, url, st),
    ]
    return render(story, title=TITLE, subject=report.number, footer=f"{report.number}  验证码 {report.verify_code}",
                  fonts=st.fonts)  # fmt: skip


def _header_rows(report: InspectionReport) -> list[tuple[str, object]]:
    machine, body = report.machine, report.body
    registration = _registration_in_force(report)
    rows: list[tuple[str, object]] = [
        ("报告编号", report.number),
        ("检验机构", body.enterprise.name),
        ("资质证书编号", body.qualification_number),
        ("检验人员", report.inspector.display_name),
        ("备案编号", machine.registration_number or "—"),
        (
            "机械",
            f"{machine.machine_type.label} {machine.model}（{machine.maker}，出厂编号 {machine.serial_number}）",
        ),
        ("额定能力", machine.capacity_label),
        ("产权单位", registration.owner.name if registration else "—"),
    ]
    installation = _installation(report)
    if installation is not None:
        rows.append(("使用地点", f"{installation.project.name} {installation.position}".strip()))
        rows.append(("使用单位", installation.user.name))
    if report.retest_of is not None:
        rows.append(("复检", f"本报告为检验报告 {report.retest_of.number} 不合格后的复检"))
    rows += [
        ("检验时间", f"{local(report.started_at)} 至 {local(report.finished_at)}"),
        ("出具日期", report.published_on.isoformat() if report.published_on else "—"),
    ]
    return rows


def _registration_in_force(report: InspectionReport) -> OwnershipRegistration | None:
    """The owner's registration on the day the report was published, not today's: a later change of owner leaves
    the report's bytes as they were."""
    registrations = report.machine.registrations
    on = report.published_on
    found = [r for r in registrations if on is None or r.registered_on <= on]
    return found[-1] if found else (registrations[0] if registrations else None)


def _installation(report: InspectionReport) -> Installation | None:
    if report.installation_id is None:
        return None
    session = object_session(report)
    return session.get(Installation, report.installation_id) if session is not None else None


def _conclusion(
    report: InspectionReport, computed: checklists.Conclusion, found: checklists.Checklist, st: Styles
) -> list[Flowable]:
    label = report.conclusion.label if report.conclusion else computed.label
    failed = report.conclusion is Conclusion.FAIL
    out: list[Flowable] = [Paragraph(text(f"检验结论：{label}"), st.alert if failed else st.h2)]
    keys = sum(1 for item in found.items if item.is_key)
    out.append(Paragraph(text(
        f"保证项目{keys}项，不合格{len(computed.failed_key)}项；一般项目{len(found.items) - keys}项，"
        f"不合格{len(computed.failed_general)}项（允许不超过{found.max_general_failures}项）。"
        f"判定规则：{found.rule_source}"), st.body))  # fmt: skip
    for n, reason in enumerate(computed.reasons, 1):
        out.append(Paragraph(text(f"{n}. {reason}"), st.indent))
    return out


def _item_row(line: ReportLine, st: Styles) -> list[object]:
    item, row = line.item, line.row
    number = f"★{item.number}" if item.is_key else item.number
    described = item.text + (f"\n说明：{row.note}" if row is not None and row.note else "")
    if line.photos:
        described += f"\n现场照片{len(line.photos)}张"
    measured = "—"
    if item.measure is not None:
        value = f"{row.measured}{item.measure.unit}" if row is not None and row.measured is not None else "—"
        measured = f"{value}\n（{item.measure.range_label}）"
    return [number, described, item.clause, measured, _result(line, st)]


def _result(line: ReportLine, st: Styles) -> Flowable:
    outcome = line.outcome
    if outcome is None:
        return Paragraph(text("未记录"), st.cell)
    if outcome is ItemOutcome.NOT_APPLICABLE:
        return Paragraph(text("不适用"), st.cell)
    if line.fails:
        return Paragraph(f'{st.fonts.cross} <font color="#b42318">不合格</font>', st.cell)
    return Paragraph(f"{st.fonts.tick} 合格", st.cell)


def _qr_block(report: InspectionReport, url: str, st: Styles) -> Table:
    note = (
        f"验证码：{report.verify_code}\n扫描二维码或访问 {url} 核验本报告是否由系统出具及其结论。"
        "本报告由检验人员在系统中逐项记录后自动生成，不接受线下出具或上传的报告。"
    )
    return Table(
        [[qr_code(url, QR_SIZE), Paragraph(text(note), st.body)]],
        colWidths=[QR_SIZE + 8, WIDTH - QR_SIZE - 8],
    )
