"""The draw record as a PDF (专家抽取记录, DOMAIN 4): the request, the policy recorded with the draw, the funnel,
the seed commitment, the panel with its declines and top-ups, and the record's place in the hash chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph
from sqlalchemy.orm import Session

from expert_pool.draws import services as draws
from expert_pool.draws.models import Draw, Seat
from expert_pool.draws.panel import SPECIALTY_LABELS, algorithm_name, describe_algorithm, describe_weight
from expert_pool.draws.reveal import seed_visible
from expert_pool.experts.queries import experts_by_id
from expert_pool.pdf.fonts import pdf_fonts
from expert_pool.pdf.layout import Styles, fields, gap, grid, local, numeral, render, styles, text
from expert_pool.policy import POLICY_LABELS
from knowledge.accounts.models import Account
from knowledge.plans.models import PlanVersion
from knowledge.regions import City

TITLE = "专家抽取记录"
PANEL_LABELS = {
    "home_city": "工程所在城市",
    "required_specialties": "须覆盖的专业",
    "weight_function": "权重函数",
}


def draw_pdf(session: Session, draw: Draw, *, now: datetime) -> bytes:
    """The record's PDF for the office and regulators; the seed is printed only after the reveal time."""
    st = styles(pdf_fonts())
    meeting = draws.draws_of_meeting(session, draw)
    paired = {i for pair in draw.funnel.get("apart", []) for i in pair}
    experts = experts_by_id(session, sorted({s.expert_id for d in meeting for s in d.seats} | paired))
    names = {i: (e.name, e.city.label) for i, e in experts.items()}
    sections: list[tuple[str, list[Flowable]]] = [
        ("抽取申请", _request(session, draw, st)),
        ("抽取规则（随本记录保存的政策参数）", _policy(draw, st)),
        ("候选专家漏斗", _funnel(draw, names, st)),
        ("抽取结果、谢绝与递补", _results(draw, meeting, names, st)),
        ("可验证性", _verification(session, draw, st, now)),
    ]
    work = draw.work
    story: list[Flowable] = [
        Paragraph(TITLE, st.title),
        Paragraph(text(f"{work.project.name} · {work.name}"), st.subtitle),
        Paragraph(text(f"抽取记录 {draw.id} · 哈希链第{draw.seq}条" + _kind(draw)), st.subtitle),
        gap(3 * mm),
    ]
    for number, (title, body) in enumerate(sections, start=1):
        story += [Paragraph(f"{numeral(number)}、{title}", st.h1), *body]
    return render(story, title=f"{TITLE} {draw.id}", subject=f"{work.project.name} {work.name}",
                  footer=f"{TITLE} {draw.id} · 链上第{draw.seq}条 · 记录哈希 {draw.record_hash[:16]}…",
                  fonts=st.fonts)  # fmt: skip


def _kind(draw: Draw) -> str:
    return f"（补充抽取，原抽取记录 {draw.top_up_of}）" if draw.top_up_of else "（首次抽取）"


def _request(session: Session, draw: Draw, st: Styles) -> list[Flowable]:
    work = draw.work
    actor = session.get(Account, draw.requested_by) if draw.requested_by else None
    version = session.get(PlanVersion, draw.plan_version_id)
    rows = [("项目名称", work.project.name), ("危大工程", work.name), ("工程所在地", f"{work.city.label}{work.district}"),
            ("论证的方案", f"第{version.number}版 {version.title}" if version else "—"),
            ("论证会时间", f"{draw.meeting_day.isoformat()} {draw.half_day.label}"),
            ("抽取操作人", f"{actor.display_name}（{actor.role.label}）" if actor else "系统"),
            ("抽取时间", f"{local(draw.requested_at)}（北京时间）"),
            ("名单揭示时间", f"{local(draw.reveal_at)}（北京时间）")]  # fmt: skip
    return [fields(rows, st)]


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "home_city":
        return City(value).label
    if key == "required_specialties":
        return "、".join(SPECIALTY_LABELS.get(c, c) for c in value) or "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _pairs(items: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    """Label/value pairs two to a row, so a long policy fits on a page."""
    padded = items + [("", "")] * (len(items) % 2)
    return [(*padded[i], *padded[i + 1]) for i in range(0, len(padded), 2)]


# Told in words below the table (the method and the weight), not as their stored identifiers.
IN_WORDS = frozenset({"weight_function", "weight_exponent", "required_specialties"})


def _specialties(draw: Draw) -> str:
    """What the panel had to cover: the work's own specialty, which every candidate has (the funnel leaves the
    others out), and any further specialty the draw's policy required of the panel as a whole."""
    own = draw.work.category
    required = [c for c in draw.policy["panel"].get("required_specialties", []) if c != own]
    words = f"全部专家均须具备本工程的专业“{SPECIALTY_LABELS.get(own, own)}”（其他专业的专家不参加抽取）"
    if required:
        words += "；专家组还须覆盖：" + "、".join(SPECIALTY_LABELS.get(c, c) for c in required)
    return words + "。"


def _policy(draw: Draw, st: Styles) -> list[Flowable]:
    rules = draw.policy["panel"]
    panel = [
        (POLICY_LABELS.get(k) or PANEL_LABELS.get(k, k), _value(k, v))
        for k, v in rules.items()
        if k not in IN_WORDS
    ]
    pool = [(POLICY_LABELS.get(k, k), _value(k, v)) for k, v in (draw.policy.get("pool") or {}).items()]
    weight = describe_weight(rules.get("weight_function", ""), float(rules.get("weight_exponent", 1.0)))
    story: list[Flowable] = [
        Paragraph("本次抽取的规则：", st.lead),
        grid(["项目", "取值", "项目", "取值"], _pairs(panel), st, [0.22, 0.28, 0.22, 0.28]),
        gap(2 * mm),
        fields(
            [
                ("须覆盖的专业", _specialties(draw)),
                ("抽取方法", describe_algorithm(draw.algorithm)),
                ("公平性权重", weight),
            ],
            st,
            label_width=28 * mm,
        ),  # fmt: skip
    ]
    if pool:
        story += [gap(2 * mm), Paragraph("抽取时的专家库政策参数：", st.lead),
                  grid(["参数", "取值", "参数", "取值"], _pairs(pool), st, [0.3, 0.2, 0.3, 0.2])]  # fmt: skip
    top_up = draw.policy.get("top_up")
    if top_up:
        story.append(Paragraph(text(f"补充抽取：保留已确认专家{len(top_up.get('staying', []))}名，"
                                    f"补抽正选{top_up.get('seats', 0)}席、候补{top_up.get('alternates', 0)}名；"
                                    "本次论证会已抽到的专家均不再参加抽取。"), st.body))  # fmt: skip
    return story


def _funnel(draw: Draw, names: dict[int, tuple[str, str]], st: Styles) -> list[Flowable]:
    funnel = draw.funnel
    reasons = [(reason, f"{count}名") for reason, count in funnel.get("excluded_by_reason", {}).items()]
    story: list[Flowable] = [
        Paragraph(
            text(
                f"专家库 {funnel.get('pool', 0)} 名 → 可抽取 {funnel.get('eligible', 0)} 名。"
                "一名专家可因多项原因被排除，故各项人数之和可大于排除总数。"
            ),
            st.lead,
        ),
        grid(["排除原因", "人数"], reasons or [("无", "—")], st, [0.7, 0.3]),
    ]
    apart = funnel.get("apart", [])
    if apart:
        pool = draw.policy.get("pool", {})
        limit, window = pool.get("max_pair_sittings", ""), pool.get("recent_window_days", "")
        story += [gap(2 * mm), Paragraph(text(f"同组软限制：{len(apart)}对专家近{window}天内同组已达{limit}次，抽取时不再安排"
                                              "同组（无法兼顾时放宽）：" + "、".join(
                                                  f"{names.get(a, (a,))[0]}—{names.get(b, (b,))[0]}" for a, b in apart)
                                              + "。"), st.lead)]  # fmt: skip
    excluded = funnel.get("excluded", [])
    if excluded:
        rows = [(e.get("name", ""), "；".join(e.get("reasons", []))) for e in excluded]
        story += [gap(2 * mm), Paragraph(text(f"逐人排除原因（{len(excluded)}名；仅因专业不符而排除的"
                                              f"{len(funnel.get('other_specialty', []))}名未逐一列出）："), st.lead),
                  grid(["专家", "排除原因"], rows, st, [0.2, 0.8])]  # fmt: skip
    return story


def _results(
    draw: Draw, meeting: list[Draw], names: dict[int, tuple[str, str]], st: Styles
) -> list[Flowable]:
    story: list[Flowable] = []
    for d in meeting:
        mark = "（本记录）" if d.id == draw.id else ""
        story.append(
            Paragraph(text(f"抽取记录 {d.id}{_kind(d)}{mark} · {local(d.requested_at)} · {_size(d)}"), st.h2)
        )
        rows = [_seat_row(d, s, names) for s in d.seats]
        story.append(grid(["序", "专家", "城市", "身份", "状态", "答复"], rows or [("—",) * 6], st,
                          [0.06, 0.14, 0.12, 0.1, 0.12, 0.46]))  # fmt: skip
    return story


def _size(d: Draw) -> str:
    top_up = d.policy.get("top_up")
    if top_up:
        return f"补抽正选{top_up.get('seats', 0)}席，沿用已确认专家{len(top_up.get('staying', []))}名"
    return f"正选{len(d.seated)}名、候补{len(d.alternates)}名"


def _seat_row(d: Draw, seat: Seat, names: dict[int, tuple[str, str]]) -> tuple[Any, ...]:
    name, city = names.get(seat.expert_id, (f"专家{seat.expert_id}", "—"))
    role = "正选" if seat.position <= len(d.seated) else "候补"
    reply = local(seat.replied_at) if seat.replied_at else ""
    if seat.decline_reason:
        reply = f"{reply} 谢绝原因：{seat.decline_reason}".strip()
    return (seat.position, name, city, role, seat.status.label, reply or "—")


def _verification(session: Session, draw: Draw, st: Styles, now: datetime) -> list[Flowable]:
    check = draws.verify(session, draw)
    seed = draw.seed if seed_visible(draw, now) else f"将于名单揭示时间（{local(draw.reveal_at)}）后公开"
    rows = [("种子哈希（抽取前公布）", draw.seed_hash), ("随机种子", seed), ("算法版本", f"{algorithm_name(draw.algorithm)}（详见“抽取规则”）"),
            ("链上位置", f"第{draw.seq}条"), ("前一记录哈希", draw.prev_hash), ("本记录哈希", draw.record_hash),
            ("校验结果", check.message)]  # fmt: skip
    note = ("以记录中的候选名单、规则和随机种子重放抽取，可得到相同的名单；种子的 SHA-256 应等于种子哈希；"
            "本记录哈希覆盖记录的全部内容和前一记录哈希，任何删改都会使哈希链断开。")  # fmt: skip
    return [fields(rows, st, label_width=40 * mm), gap(2 * mm), Paragraph(note, st.small)]
