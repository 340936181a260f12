"""Audit entries as sentences people read: the object and the details of each row in Chinese, no personal data.

``describe`` is pure: the names of the objects a sentence mentions come in a mapping that ``resolve_names``
fills for a whole page, one query per object type. Only the detail fields listed in ``FIELDS`` are ever
shown, so an ID number, a phone, an e-mail, a key or a hash recorded in a row never reaches a sentence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from sqlalchemy import column, null, select, table
from sqlalchemy.orm import Session

Ref = tuple[str, str]  # (object type, id as text), as the log names objects
Names = Mapping[Ref, str]
Vocabulary = Mapping[str, Mapping[str, str]]  # field -> stored value -> label (statuses, kinds…)
ID_BATCH = 900  # ids per IN list: under SQLite's bound-parameter limit
TEXT_MAX = 80  # a typed reason or note is cut here in a sentence (the raw row keeps all of it)


class Entry(Protocol):
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


# How the log's object types read; "{id}" is the object's id.
OBJECTS: dict[str, str] = {
    "account": "账号{id}", "expert": "专家{id}", "work": "危大工程{id}", "project": "项目{id}",
    "enterprise": "单位{id}", "plan_version": "方案版本{id}", "draw": "抽取第{id}号记录", "seat": "座位{id}",
    "review": "论证{id}", "review_report": "论证报告{id}", "api_token": "API令牌{id}", "hazard": "隐患{id}",
    "inspection": "监督检查{id}", "system_flag": "系统预警{id}", "sweep": "排查轮次{id}",
    "crane_machine": "起重机械{id}", "crane_inspection_report": "起重机械检验报告{id}",
    "crane_inspection_body": "检验检测机构{id}", "crane_spot_check": "检验机构抽查{id}",
    "audit_log": "审计日志", "keys": "密钥", "path": "页面 {id}", "username": "用户名 {id}",
    "policy": "政策参数（{id}）", "works": "危大工程清单（{id}）", "hazards": "隐患清单（{id}）",
    "expert_import": "专家导入批次", "work_import": "危大工程导入批次",
}  # fmt: skip
# The object types people filter by, in Chinese (the page's select).
OBJECT_TYPE_LABELS: dict[str, str] = {
    "account": "账号", "expert": "专家", "work": "危大工程", "plan_version": "方案版本", "draw": "抽取记录",
    "seat": "抽取座位", "review": "论证", "review_report": "论证报告", "enterprise": "单位", "hazard": "隐患",
    "inspection": "监督检查", "crane_machine": "起重机械", "crane_inspection_report": "起重机械检验报告",
    "api_token": "API令牌", "policy": "政策参数", "audit_log": "审计日志", "path": "页面（拒绝访问）",
}  # fmt: skip
# Detail fields that point at another object: the field and the object type it names.
REFERENCES: dict[str, str] = {
    "draw": "draw", "draw_id": "draw", "seat_id": "seat", "work_id": "work", "project_id": "project",
    "expert_id": "expert", "replaces": "expert", "leader": "expert", "voter": "expert", "candidate": "expert",
    "review": "review", "review_id": "review", "hazard_id": "hazard", "body_id": "crane_inspection_body",
    "report_id": "crane_inspection_report", "flag_id": "system_flag",
}  # fmt: skip
# The other detail fields a sentence shows, with their Chinese labels; every field not here is left out.
FIELDS: dict[str, str] = {
    "reason": "事由", "note": "说明", "points": "分值", "day": "日期", "on": "日期", "kind": "类型",
    "status": "状态", "sanction": "信用处理", "score": "信用分", "until": "暂停至", "number": "编号",
    "version": "版本", "conclusion": "结论", "result": "结果", "level": "等级", "seq": "序号", "name": "名称",
    "count": "条数", "rows": "条数", "page": "页码", "checked": "校验条数", "problems": "问题数",
    "failures": "连续失败次数", "appeal": "申诉编号", "event": "信用记录编号", "reversed": "撤销的信用记录编号",
    "start": "开始", "end": "结束", "place": "地点", "held_on": "会议日期", "how": "方式", "proposed": "意见",
    "role": "角色", "city": "城市", "display_name": "姓名", "is_active": "启用", "reservation": "有保留意见",
    "filename": "文件名", "format": "格式", "object_type": "对象类型", "action": "操作", "username": "用户名",
    "date_from": "起始日期", "date_to": "截止日期", "method": "请求方式", "title": "职称",
    "starts_on": "开始日期", "ends_on": "结束日期", "planned_on": "计划日期", "valid_until": "有效期至",
}  # fmt: skip


# A panel's members are not named beside their seat or draw (DOMAIN 6: leaking panel identities is misconduct, and
# the names are sealed until the reveal): there experts stay numbers, as the log stores them.
PANEL_OBJECTS = ("seat", "draw")


def references(entry: Entry) -> set[Ref]:
    """The objects whose names ``describe`` would use for ``entry``: its own object and those its details name."""
    refs = {(entry.object_type, entry.object_id)}
    for details in (entry.before, entry.after):
        for key, value in (details or {}).items():
            if key in REFERENCES and _is_id(value):
                refs.add((REFERENCES[key], str(value)))
    if entry.object_type in PANEL_OBJECTS:
        refs = {r for r in refs if r[0] != "expert"}
    return refs


def describe(entry: Entry, names: Names, vocabulary: Vocabulary | None = None) -> str:
    """ "座位293（专家5）；抽取第37号记录" and the like: the object, then what was recorded or what changed
    (a field the change left as it was is not repeated)."""
    words = vocabulary or {}
    subject = object_text(entry.object_type, entry.object_id, names)
    before, after = entry.before or {}, entry.after or {}
    parts = []
    for key, value in after.items():
        if key not in before:
            parts.append(_field(key, value, names, words))
        elif before[key] != value:
            parts.append(_change(key, before[key], value, names, words))
    gone = (_field(k, v, names, words) for k, v in before.items() if k not in after)
    parts += [f"原{text}" for text in gone if text]
    details = "，".join(p for p in parts if p)
    return f"{subject}；{details}" if details else subject


def object_text(object_type: str, object_id: str, names: Names) -> str:
    pattern = OBJECTS.get(object_type)
    text = pattern.format(id=_clip(object_id)) if pattern else f"{object_type} {_clip(object_id)}"
    name = names.get((object_type, object_id))
    return f"{text}（{name}）" if name else text


def _field(key: str, value: Any, names: Names, words: Vocabulary) -> str:
    if value is None or value == "" or value == [] or key not in REFERENCES | FIELDS:
        return ""
    if key in REFERENCES and _is_id(value):
        return object_text(REFERENCES[key], str(value), names)
    return f"{FIELDS[key]}：{_value(key, value, words)}" if key in FIELDS else ""


def _change(key: str, old: Any, new: Any, names: Names, words: Vocabulary) -> str:
    if key in REFERENCES:
        return f"{_field(key, old, names, words) or '无'} → {_field(key, new, names, words) or '无'}"
    if key not in FIELDS:
        return ""
    return f"{FIELDS[key]}：{_value(key, old, words)} → {_value(key, new, words)}"


def _value(key: str, value: Any, words: Vocabulary) -> str:
    if value is None or value == "":
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "points" and isinstance(value, int):
        return f"{value:+d}分"
    text = words.get(key, {}).get(str(value), str(value))
    return _clip(text)


def _clip(text: str) -> str:
    flat = " ".join(str(text).split())  # one line: the CSV keeps a row per entry
    return flat if len(flat) <= TEXT_MAX else flat[: TEXT_MAX - 1] + "…"


def _is_id(value: Any) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) or (isinstance(value, str) and value.isdigit())
    )


# -- names for a whole page ------------------------------------------------------------------------------------
# The log names objects by their table; their display names are read by table too (lightweight table clauses),
# so this module stays below the packages that own those tables (knowledge never imports expert_pool).
_account = table("account", column("id"), column("username"), column("display_name"))
_expert = table("expert", column("id"), column("name"))
_work = table("work", column("id"), column("name"))
_project = table("project", column("id"), column("name"))
_unit = table("enterprise", column("id"), column("name"))
_seat = table("seat", column("id"), column("expert_id"))
_draw = table("draw", column("id"), column("work_id"))
_review = table("review", column("id"), column("work_id"))
_plan = table("plan_version", column("id"), column("work_id"), column("number"))
_report = table("review_report", column("id"), column("review_id"))


def _lookups() -> dict[str, Callable[[list[int]], Any]]:
    """One statement per object type: (id, name, extra) rows for the given ids; ``_name`` joins the parts."""
    return {
        "account": lambda ids: select(_account.c.id, _account.c.display_name, _account.c.username)
        .where(_account.c.id.in_(ids)),
        "expert": lambda ids: select(_expert.c.id, _expert.c.name, null()).where(_expert.c.id.in_(ids)),
        "work": lambda ids: select(_work.c.id, _work.c.name, null()).where(_work.c.id.in_(ids)),
        "project": lambda ids: select(_project.c.id, _project.c.name, null()).where(_project.c.id.in_(ids)),
        "enterprise": lambda ids: select(_unit.c.id, _unit.c.name, null()).where(_unit.c.id.in_(ids)),
        "seat": lambda ids: select(_seat.c.id, _seat.c.expert_id, null()).where(_seat.c.id.in_(ids)),
        "draw": lambda ids: select(_draw.c.id, _work.c.name, null())
        .join(_work, _work.c.id == _draw.c.work_id).where(_draw.c.id.in_(ids)),
        "review": lambda ids: select(_review.c.id, _work.c.name, null())
        .join(_work, _work.c.id == _review.c.work_id).where(_review.c.id.in_(ids)),
        "plan_version": lambda ids: select(_plan.c.id, _work.c.name, _plan.c.number)
        .join(_work, _work.c.id == _plan.c.work_id).where(_plan.c.id.in_(ids)),
        "review_report": lambda ids: select(_report.c.id, _work.c.name, null())
        .join(_review, _review.c.id == _report.c.review_id).join(_work, _work.c.id == _review.c.work_id)
        .where(_report.c.id.in_(ids)),
    }  # fmt: skip


def _name(object_type: str, name: object, extra: object) -> str:
    if object_type == "account":
        return f"{name}（{extra}）"
    if object_type == "seat":  # the expert's number, never his name (PANEL_OBJECTS)
        return f"专家{name}"
    if object_type == "plan_version":
        return f"{name} 第{extra}版"
    return str(name)


def resolve_names(session: Session, refs: Iterable[Ref]) -> dict[Ref, str]:
    """The display names of ``refs``: one query per object type that has any (per ``ID_BATCH`` ids)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for object_type, object_id in refs:
        if object_id.isdigit() and len(object_id) < 12:
            wanted[object_type].add(int(object_id))
    lookups = _lookups()
    names: dict[Ref, str] = {}
    for object_type, ids in wanted.items():
        if object_type not in lookups:
            continue
        ordered = sorted(ids)
        for at in range(
            0, len(ordered), ID_BATCH
        ):  # one batch for a page; an export of 100 000 rows takes more
            for found_id, name, extra in session.execute(lookups[object_type](ordered[at : at + ID_BATCH])):
                names[(object_type, str(found_id))] = _name(object_type, name, extra)
    return names


def describe_all(
    session: Session, entries: Iterable[Entry], vocabulary: Vocabulary | None = None
) -> list[str]:
    """``describe`` for each entry, the names they mention read for all of them at once."""
    rows = list(entries)
    names = resolve_names(session, (ref for e in rows for ref in references(e)))
    return [describe(e, names, vocabulary) for e in rows]
