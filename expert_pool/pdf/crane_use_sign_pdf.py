"""The use-registration sign of a crane (建筑起重机械使用登记标志, 建设部令第166号 第十七条) as a PDF with its QR code.

Built from the stored rows only (the certificate, its use registration, the installation and its parties), with
the shared fonts and layout in invariant mode, so the same rows give the same bytes and the SHA-256 recorded at
issue matches every download. The QR code opens the same public verification page as the ownership certificate.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph, Table

from expert_pool.pdf.crane_certificate_pdf import QR_SIZE, verify_url
from expert_pool.pdf.fonts import pdf_fonts
from expert_pool.pdf.layout import WIDTH, fields, gap, qr_code, render, styles, text
from knowledge.cranes.models import Certificate
from knowledge.cranes.service_age import DECREE_166
from knowledge.cranes.site_models import UseRegistration

MM = 2.834645669
# STSong-Light (not embedded) shows U+00B7 of "kN·m" as a missing glyph in common viewers; U+30FB draws.
MIDDLE_DOT = "・"


def use_sign_pdf(certificate: Certificate, registration: UseRegistration, *, base_url: str) -> bytes:
    """The sign's PDF; the same rows give the same bytes."""
    st = styles(pdf_fonts())
    installation = registration.installation
    machine = installation.machine
    url = verify_url(base_url, certificate.verify_code)
    accepted = registration.acceptance.accepted_on
    rows: list[tuple[str, object]] = [
        ("使用登记编号", registration.number),
        ("产权备案编号", machine.registration_number or "—"),
        ("机械类别", machine.machine_type.label),
        ("规格型号", f"{machine.model}（{machine.maker}，出厂编号 {machine.serial_number}）"),
        ("额定能力", machine.capacity_label.replace("·", MIDDLE_DOT)),
        ("工程名称", installation.project.name),
        ("安装位置", installation.position or "—"),
        ("使用单位", installation.user.name),
        ("产权（出租）单位", installation.lessor.name),
        ("安装单位", installation.installer.name),
        ("监理单位", installation.supervisor.name),
        ("验收合格日期", accepted.isoformat() if accepted else "—"),
        ("登记机关所在地", f"江苏省{registration.city.label}"),
        ("登记日期", registration.registered_on.isoformat()),
    ]
    story: list[Flowable] = [
        Paragraph(text(certificate.kind.label), st.title),
        Paragraph(text(f"依据《建筑起重机械安全监督管理规定》（{DECREE_166}）第十七条"), st.subtitle),
        gap(),
        fields(rows, st, label_width=36 * MM),
        gap(6 * MM),
        Table(
            [[qr_code(url, QR_SIZE), Paragraph(text(
                f"验证码：{certificate.verify_code}\n扫描二维码或访问 {url} 核验本标志是否现行有效或已撤销。"
                "登记标志应置于或者附着于该设备的显著位置；拆卸后本次登记终止。"
            ).replace("\n", "<br/>"), st.body)]],
            colWidths=[QR_SIZE + 8, WIDTH - QR_SIZE - 8],
        ),
    ]  # fmt: skip
    return render(
        story,
        title=certificate.kind.label,
        subject=registration.number,
        footer=f"{registration.number}  验证码 {certificate.verify_code}",
        fonts=st.fonts,
    )
