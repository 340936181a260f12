"""Reading request input for the API: JSON bodies with typed fields, and query parameters."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from flask import request

from knowledge.db import MAX_KEY
from knowledge.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE, Page
from webapp.api import ApiError

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class Field:
    kind: type
    required: bool = True
    max_length: int | None = None


_KIND_NAMES = {str: "字符串", int: "整数", bool: "布尔值", dict: "对象"}


def json_body(fields: dict[str, Field]) -> dict[str, Any]:
    """The request's JSON object with each field checked for presence, type and length."""
    if not request.is_json:
        raise ApiError(400, "invalid_json", "请求体须为JSON（Content-Type: application/json）")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "请求体不是合法的JSON对象")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise ApiError(400, "unknown_field", f"不认识的字段：{', '.join(unknown)}", field=unknown[0])
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        value = body.get(name)
        if value is None:
            if spec.required:
                raise ApiError(400, "missing_field", f"缺少必填字段：{name}", field=name)
            continue
        is_bool = isinstance(value, bool)
        if not isinstance(value, spec.kind) or (is_bool and spec.kind is not bool):
            raise ApiError(
                400,
                "wrong_type",
                f"字段 {name} 应为{_KIND_NAMES.get(spec.kind, spec.kind.__name__)}",
                field=name,
            )
        if (
            spec.kind is int and not is_bool and not (isinstance(value, int) and 1 <= value <= MAX_KEY)
        ):  # every int field is a key
            raise ApiError(400, "out_of_range", f"字段 {name} 应为1至{MAX_KEY}之间的编号", field=name)
        if spec.max_length is not None and isinstance(value, str) and len(value) > spec.max_length:
            raise ApiError(400, "too_long", f"字段 {name} 不能超过{spec.max_length}个字符", field=name)
        values[name] = value
    return values


def int_arg(name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise ApiError(400, "invalid_parameter", f"参数 {name} 应为正整数", field=name)
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"{minimum}至{maximum}" if maximum is not None else f"不小于{minimum}"
        raise ApiError(400, "invalid_parameter", f"参数 {name} 应在{bound}之间", field=name)
    return value


def page_args() -> tuple[int, int]:
    return int_arg("page", 1), int_arg("per_page", DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE)


def enum_arg(name: str, enum_cls: type[E]) -> E | None:
    raw = request.args.get(name, "")
    return enum_value(name, raw, enum_cls, code="invalid_parameter") if raw else None


def enum_value(name: str, raw: str, enum_cls: type[E], *, code: str = "invalid_value") -> E:
    try:
        return enum_cls(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        raise ApiError(400, code, f"{name} 的取值无效，可选：{allowed}", field=name) from None


def page_json(page: Page[Any], item: Any) -> dict[str, Any]:
    return {
        "items": [item(x) for x in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }
