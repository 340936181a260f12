"""The review report as a PDF (专项施工方案专家论证报告, Decree 37 Art. 13): what it prints comes from the signed
content (``review_reports.report_content``) and the records that content names; the rules stay where they are.

One builder, two editions of the same signed content (one code, one hash, one verification page): the report
the project team receives (the panel's joint conclusion, numbered changes, signatures) and the regulators'
record, which adds an annex with each expert's own opinion, reservations and refusals. Which edition a reader
gets is the same predicate as the pages' (``Access.individual_opinions``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.draws.models import Seat
from expert_pool.draws.panel import SPECIALTY_LABELS
from expert_pool.experts.models import Expert
from expert_pool.experts.queries import experts_by_id
from expert_pool.pdf.fonts import pdf_fonts
from expert_pool.pdf.layout import (
    WIDTH,
    Styles,
    fields,
    gap,
    grid,
    local,
    numeral,
    qr_code,
    render,
    styles,
    text,
)
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews.models import Conclusion, Review, ReviewReport
from expert_pool.reviews.reports import report_content
from expert_pool.reviews.rules import ATTENDEE_ROLES, REVIEW_POINTS
from expert_pool.reviews.signing_models import ReportChainEntry
from knowledge.enterprises.models import ParticipantRole
from knowledge.registry.clauses import Annex, Operator
from knowledge.registry.rules import catalogue

TITLE = "专项施工方案专家论证报告"


class Edition(StrEnum):
    ISSUED = "issued"  # the report as the project team receives it: no per-expert opinion
    RECORD = "record"  # the regulators' record: the same report with the annex of individual opinions

    @property
    def label(self) -> str:
        return {"issued": "", "record": "监管存档本"}[self.value]


def edition_for(acc: reviews.Access) -> Edition:
    return Edition.RECORD if acc.individual_opinions else Edition.ISSUED


SUB_TYPE_LABELS = {(c.code, s.code): s.label for c in catalogue() for s in c.sub_types}
QR_SIZE = 30 * mm


def verify_url(base_url: str, code: str) -> str:
    """The public page that says whether a report with this code is genuine and in force."""
    return f"{base_url.rstrip('/')}/verify/{code}"


@dataclass(frozen=True)
class _Report:
    session: Session
    review: Review
    report: ReviewReport
    content: dict[str, Any]
    st: Styles
    experts: dict[int, Expert]
    edition: Edition

    @property
    def annex(self) -> bool:
        return self.edition is Edition.RECORD

    def name(self, expert_id: int) -> str:
        expert = self.experts.get(expert_id)
        return expert.name if expert else f"专家{expert_id}"

    def led(self, expert_id: int) -> str:
        return self.name(expert_id) + ("（组长）" if expert_id == self.content["leader"] else "")


def report_pdf(
    session: Session,
    review: Review,
    report: ReviewReport,
    *,
    base_url: str,
    edition: Edition = Edition.ISSUED,
) -> bytes:
    """The report version's PDF in one edition; the same records give the same bytes."""
    seats = reviews.confirmed_seats(session, review)
    experts = experts_by_id(session, [s.expert_id for s in seats] + [report.drafted_by])
    content = report_content(session, review, report)
    r = _Report(session, review, report, content, styles(pdf_fonts()), experts, edition)
    sections: list[tuple[str, list[Flowable]]] = [
        ("工程概况", _work(r)),
        ("论证的专项施工方案", _plan(r)),
        ("论证会", _meeting(r)),
        ("论证专家组", _panel(r, seats)),
        ("论证材料送达", _materials(r)),
        ("论证结论", _conclusion(r)),
        *([("修改意见", _changes(r))] if r.content["changes"] else []),
        ("专家签署", _signatures(r)),
        ("版本与核验", _version(r, base_url)),
    ]
    story = _head(r, base_url)
    for number, (title, body) in enumerate(sections, start=1):
        story += [Paragraph(f"{numeral(number)}、{title}", r.st.h1), *body]
    if r.annex:
        story += _annex(r)
    code, work = report.verify_code, review.work
    kind = f" · {edition.label}" if edition.label else ""
    return render(story, title=f"{TITLE}（第{report.version}版）{kind}", subject=f"{work.project.name} {work.name}",
                  footer=f"{TITLE}{kind} · 第{report.version}版 · 验证码 {code}", fonts=r.st.fonts)  # fmt: skip


def _status(r: _Report) -> tuple[str, bool]:
    """What this version is now, and whether the reader must be warned."""
    report = r.report
    if report.finalised_at is None:
        if report.withdrawn_at is not None:
            return f"本稿已于{local(report.withdrawn_at)}被组长撤回，未生效，不得作为论证结论使用", True
        return "草稿：尚未经全体论证专家签署，未生效，不得作为论证结论使用", True
    current = reviews.current_report(r.review)
    if current is not None and current.id != report.id:
        return f"本版已被第{current.version}版更正取代，请以现行版本为准", True
    return f"全体论证专家已签署，于{local(report.finalised_at)}（北京时间）定稿生效", False


def _head(r: _Report, base_url: str) -> list[Flowable]:
    status, is_alert = _status(r)
    work = r.review.work
    left = [
        Paragraph(TITLE, r.st.title),
        Paragraph(text(f"{work.project.name} · {work.name}"), r.st.subtitle),
        Paragraph(text(f"第{r.report.version}版 · 验证码 {r.report.verify_code}"), r.st.subtitle),
        gap(2 * mm),
        Paragraph(text(status), r.st.alert if is_alert else r.st.subtitle),
        *(
            [Paragraph("监管存档本：含专家个人意见、保留意见及拒签附件，不向项目单位提供", r.st.alert)]
            if r.annex
            else []
        ),
    ]
    right = [
        qr_code(verify_url(base_url, r.report.verify_code), QR_SIZE),
        Paragraph("扫码核验", r.st.caption),
    ]
    head = Table([[left, right]], colWidths=[WIDTH - QR_SIZE - 6 * mm, QR_SIZE + 6 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "CENTER")]))
    return [head, gap(2 * mm)]


def _work(r: _Report) -> list[Flowable]:
    work = r.review.work
    project = work.project
    units = [
        (f"{role.label}单位", "、".join(p.enterprise.name for p in project.participants if p.role is role))
        for role in ParticipantRole
        if any(p.role is role for p in project.participants)
    ]
    if work.subcontractor is not None:
        units.append(("本工程专业分包单位", work.subcontractor.name))
    kind = f"{SPECIALTY_LABELS.get(work.category, work.category)} · "
    kind += SUB_TYPE_LABELS.get((work.category, work.sub_type), work.sub_type)
    rows = [("项目名称", project.name),
            ("工程地点", f"{project.city.label}{project.district} {work.location or project.address}"), *units,
            ("危大工程名称", work.name), ("工程类别", kind),
            ("判定结论", f"{work.verdict.label}（判定规则版本 {work.rules_version}）")]  # fmt: skip
    over_scale = [c for c in work.clauses if c.get("annex") == Annex.OVER_SCALE] or work.clauses
    clauses = [(c["citation"], c["text"], _measured(c), _threshold(c)) for c in over_scale]
    return [
        fields(rows, r.st),
        gap(2 * mm),
        Paragraph("须经专家论证的依据（建办质〔2018〕31号）：", r.st.lead),
        grid(["条款", "内容", "填报值", "界限值"], clauses, r.st, [0.16, 0.54, 0.15, 0.15]),
    ]


def _measured(clause: dict[str, Any]) -> str:
    value = clause.get("measured")
    if value is True:
        return "是"
    return "—" if value is None or value is False else f"{value} {clause.get('unit', '')}".strip()


def _threshold(clause: dict[str, Any]) -> str:
    if clause.get("threshold") is None:
        return "—"
    return f"{Operator(clause['operator']).symbol} {clause['threshold']} {clause.get('unit', '')}".strip()


def _plan(r: _Report) -> list[Flowable]:
    version = r.review.plan_version
    signed = "\n".join(f"{s.kind.label} {s.signer_name}（{local(s.signed_at)}）" for s in version.signoffs)
    rows = [("方案版本", f"第{r.content['plan_number']}版"), ("方案名称", version.title),
            ("文件名", version.original_name), ("文件 SHA-256", r.content["plan_sha256"]),
            ("提交时间", local(version.submitted_at)), ("方案签字", signed or "—")]  # fmt: skip
    return [fields(rows, r.st)]


def _meeting(r: _Report) -> list[Flowable]:
    review, content = r.review, r.content
    held = content["held_on"] or "—"
    rows = [("会议日期", f"{held}（抽取时约定：{review.meeting_day.isoformat()} {review.half_day.label}）"),
            ("会议地点", content["place"] or "—")]  # fmt: skip
    people = [
        (ATTENDEE_ROLES.get(a["role"], a["role"]), a["name"], a.get("unit", "")) for a in content["attendees"]
    ]
    return [
        fields(rows, r.st),
        gap(2 * mm),
        Paragraph("参会人员（论证专家除外）：", r.st.lead),
        grid(["身份", "姓名", "单位"], people, r.st, [0.46, 0.14, 0.4]),
    ]


def _panel(r: _Report, seats: list[Seat]) -> list[Flowable]:
    absent = set(r.content["absent"] or [])
    rows = []
    for n, seat in enumerate(seats, start=1):
        e = r.experts[seat.expert_id]
        remark = "、".join(
            x for x, on in (("组长", e.id == r.content["leader"]), ("缺席", e.id in absent)) if on
        )
        specialties = "、".join(SPECIALTY_LABELS.get(c, c) for c in e.specialty_codes)
        rows.append((n, e.name, e.title or "—", specialties or "—", e.city.label, remark))
    draw = r.review.draw
    return [
        Paragraph(text(f"专家由专家库随机抽取产生（抽取记录 {draw.id}，哈希链第{draw.seq}条）。"), r.st.lead),
        grid(
            ["序号", "姓名", "职称", "专业", "所在城市", "备注"],
            rows,
            r.st,
            [0.08, 0.14, 0.2, 0.3, 0.14, 0.14],
        ),
    ]


def _materials(r: _Report) -> list[Flowable]:
    rows, minimum, short = [], None, 0
    for m in reviews.materials(r.session, r.review):
        if m.lead is None:
            rows.append((m.expert.name, "—", "—", "未送达"))
            continue
        minimum, short = m.lead.minimum, short + m.lead.short
        verdict = f"不足规定的{m.lead.minimum}天" if m.lead.short else "符合"
        rows.append((m.expert.name, local(m.available_at), f"{m.lead.days}天", verdict))
    story: list[Flowable] = []
    if minimum is not None:
        story.append(
            Paragraph(
                f"按规定，论证材料应于会前至少{minimum}天送达论证专家（专家确认参加时即可查阅方案）。",
                r.st.lead,
            )
        )
    story.append(
        grid(["专家", "送达时间（北京时间）", "距会议天数", "是否符合"], rows, r.st, [0.2, 0.34, 0.18, 0.28])
    )
    if short:
        story.append(Paragraph(f"注意：{short}名专家收到材料的时间少于规定天数。", r.st.alert))
    return story


def _conclusion(r: _Report) -> list[Flowable]:
    label = Conclusion(r.content["conclusion"]).label
    story: list[Flowable] = [Paragraph(f"论证结论：{label}", r.st.title)]
    if r.content["summary"]:
        story.append(Paragraph(text(r.content["summary"]), r.st.body))
    return story


def _changes(r: _Report) -> list[Flowable]:
    story: list[Flowable] = []
    for change in r.content["changes"]:
        sources = "、".join(r.name(i) for i in change["from"])
        body = text(change["text"])
        if r.annex:  # which expert a change came from is per-expert information: the record only
            body += f'<font color="#475467">（意见来源：{text(sources)}）</font>'
        story.append(Paragraph(body, r.st.numbered, bulletText=f"{change['n']}."))
    return story


def _annex(r: _Report) -> list[Flowable]:
    story: list[Flowable] = [Paragraph("附件　监管存档：专家个人意见、保留意见与拒签", r.st.h1)]
    story += [Paragraph("（一）专家个人意见", r.st.h2), *_opinions(r)]
    story += [Paragraph("（二）签署时的保留意见", r.st.h2), *_reservations(r)]
    story += [Paragraph("（三）本版拒签及抽取办公室答复", r.st.h2), *_refusals(r)]
    return story


def _reservations(r: _Report) -> list[Flowable]:
    rows = [(s.signer_name, local(s.signed_at), s.reservation) for s in r.report.signatures if s.reservation]
    if not rows:
        return [Paragraph("无。", r.st.body)]
    return [grid(["专家", "签署时间（北京时间）", "保留意见及理由"], rows, r.st, [0.14, 0.26, 0.6])]


def _refusals(r: _Report) -> list[Flowable]:
    rows = [(r.name(f.expert_id), local(f.refused_at), f.reason,
             f"{f.answer}（{local(f.answered_at)}）" if f.answered_at else "尚未答复")
            for f in r.report.refusals]  # fmt: skip
    if not rows:
        return [Paragraph("无。", r.st.body)]
    return [grid(["专家", "拒签时间", "拒签理由", "抽取办公室答复"], rows, r.st, [0.14, 0.2, 0.33, 0.33])]


def _opinions(r: _Report) -> list[Flowable]:
    st = r.st
    legend = f"各位专家独立提交的意见，按提交顺序（{st.fonts.tick} 满足，{st.fonts.cross} 不满足）："
    story: list[Flowable] = [Paragraph(legend, st.small)]
    for o in r.content["opinions"]:
        at = local(datetime.fromisoformat(o["at"]))
        head = f"{r.led(o['expert'])}　建议结论：{Conclusion(o['proposed']).label}　提交于 {at}"
        story.append(Paragraph(text(head), st.h2))
        for point, (title, items) in REVIEW_POINTS.items():
            checks = o["checks"].get(point, {})
            ticks = "<br/>".join(
                f"{st.fonts.tick if checks.get(key) else st.fonts.cross} {text(label)}"
                for key, label in items.items()
            )
            story += [
                Paragraph(text(f"（{numeral(int(point))}）{title}"), st.point),
                Paragraph(ticks, st.indent),
                Paragraph("意见：" + text(o["findings"].get(point) or "无"), st.indent),
            ]
    return story


def _signatures(r: _Report) -> list[Flowable]:
    # The issued report names who signed and when, not who signed with a reservation: with a panel of five,
    # even a mark beside one name says who disagreed. The reservations are in the record's annex.
    signed = {s.expert_id: s for s in r.report.signatures}
    rows: list[tuple[object, ...]] = [
        (n, s.signer_name + ("（组长）" if s.expert_id == r.content["leader"] else ""), local(s.signed_at),
         *(["有保留意见（见附件）" if s.reservation else "—"] if r.annex else []))
        for n, s in enumerate(r.report.signatures, start=1)
    ]  # fmt: skip
    pending = [i for i in reviews.present_ids(r.session, r.review) if i not in signed]
    rows += [
        (len(rows) + k, r.led(i), "未签署", *([""] if r.annex else []))
        for k, i in enumerate(pending, start=1)
    ]
    note = "每位专家在本人账号中签署，签署即表示同意本报告的结论和修改意见（住建部令第37号第十三条）。"
    if r.annex:
        head, widths = ["序号", "专家", "签署时间（北京时间）", "保留意见"], [0.1, 0.3, 0.3, 0.3]
    else:
        head, widths = ["序号", "专家", "签署时间（北京时间）"], [0.1, 0.45, 0.45]
    return [Paragraph(note, r.st.lead), grid(head, rows, r.st, widths)]


def _version(r: _Report, base_url: str) -> list[Flowable]:
    report = r.report
    rows = [
        ("报告版本", f"第{report.version}版"),
        ("起草", f"{r.led(report.drafted_by)}，{local(report.drafted_at)}"),
    ]
    if report.supersedes_id is not None:
        previous = r.session.get(ReviewReport, report.supersedes_id)
        was = f"第{previous.version}版（验证码 {previous.verify_code}）" if previous else "前一版本"
        rows.append(("更正", f"本版更正{was}；更正原因：{report.correction_reason}"))
    kind = r.session.scalar(select(ReportChainEntry.kind).where(ReportChainEntry.report_id == report.id))
    legacy = kind == "legacy"  # finalised before electronic signatures (migration 0018): its unkeyed hash
    algorithm = "SHA-256（早于电子签名启用）" if legacy else "HMAC-SHA256（系统密钥）"
    rows += [("定稿时间", f"{local(report.finalised_at)}（北京时间）" if report.finalised_at else "尚未定稿"),
             ("内容摘要", report.content_hash or "定稿时生成"), ("摘要算法", algorithm), ("验证码", report.verify_code),
             ("核验网址", verify_url(base_url, report.verify_code))]  # fmt: skip
    how = ("本报告早于电子签名启用，未含专家电子签名；内容摘要是签署时报告全部内容的 SHA-256。" if legacy else
           "内容摘要是全体专家签署时报告全部内容（含存档的专家个人意见）以系统密钥计算的 HMAC-SHA256，"
           "报告内容若被改动即与之不符；每位专家的签署附其本人 Ed25519 电子签名，核验页逐一显示是否有效。")  # fmt: skip
    note = ("扫描首页二维码或访问核验网址，可查验本报告是否由本系统出具、是否为现行版本；" + how +
            "项目单位收执本与监管存档本验证码相同；专家个人意见及保留意见载于监管存档本。")  # fmt: skip
    return [fields(rows, r.st), gap(2 * mm), Paragraph(note, r.st.small)]
