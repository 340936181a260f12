"""The ownership certificate of a crane (建筑起重机械产权备案证明) as a PDF with its QR code and verification code.

Built from the stored rows only, with the shared fonts and layout (invariant mode), so the same records give the
same bytes and the SHA-256 recorded at issue matches every download. It lives beside the shared PDF layout because
reportlab stays in ``expert_pool`` and ``knowledge`` may not import it; the crane service takes it as a callable.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph, Table

from expert_pool.pdf.fonts import pdf_fonts
from expert_pool.pdf.layout import WIDTH, fields, gap, qr_code, render, styles, text
from knowledge.cranes.models import Certificate
from knowledge.cranes.service_age import DECREE_166

QR_SIZE = 32 * 2.834645669  # 32 mm in points


def verify_url(base_url: str, code: str) -> str:
    """The public page that says whether a certificate with this code is current, superseded or revoked."""
    return f"{base_url.rstrip('/')}/cranes/verify/{code}"


def certificate_pdf(certificate: Certificate, *, base_url: str) -> bytes:
    """The certificate's PDF; the same rows give the same bytes."""
    st = styles(pdf_fonts())
    registration = certificate.registration
    machine = registration.machine
    owner = registration.owner
    url = verify_url(base_url, certificate.verify_code)
    rows: list[tuple[str, object]] = [
        ("备案编号", registration.number),
        ("产权单位", owner.name),
        ("统一社会信用代码", owner.credit_code),
        ("备案机关所在地", f"江苏省{registration.city.label}"),
        ("机械类别", machine.machine_type.label),
        ("制造单位", machine.maker),
        ("规格型号", machine.model),
        ("出厂编号", machine.serial_number),
        ("出厂日期", machine.manufactured_on.isoformat()),
        ("额定能力", machine.capacity_label),
        ("备案日期", registration.registered_on.isoformat()),
        ("第几次产权登记", f"第{registration.seq}次"),
        ("发证日期", certificate.issued_on.isoformat()),
    ]
    if certificate.supersedes is not None:
        rows.append(
            ("替代证书", f"验证码 {certificate.supersedes.verify_code}（产权变更前的证书，自本证发出起失效）")
        )
    story: list[Flowable] = [
        Paragraph(text(certificate.kind.label), st.title),
        Paragraph(text(f"依据《建筑起重机械安全监督管理规定》（{DECREE_166}）第五条"), st.subtitle),
        gap(),
        fields(rows, st, label_width=36 * 2.834645669),
        gap(6 * 2.834645669),
        Table(
            [[qr_code(url, QR_SIZE), Paragraph(text(
                f"验证码：{certificate.verify_code}\n扫描二维码或访问 {url} 核验本证书是否现行有效、已被替代或已撤销。"
                "一台机械一个备案编号，产权变更时编号不变、另发新证。"
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
