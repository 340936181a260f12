"""The OpenAPI 3 document, built from the routes as they are declared, so it lists every endpoint."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_RULE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_NON_WORD = re.compile(r"\W+")
_TYPES = {"int": "integer", "float": "number", None: "string", "string": "string", "path": "string"}


@dataclass
class Operation:
    summary: str
    tag: str
    public: bool = False
    params: list[dict[str, Any]] = field(default_factory=list)
    body: dict[str, Any] | None = None
    # A multipart/form-data body (a file upload): the schema of its parts, and the parts sent as JSON text.
    form: dict[str, Any] | None = None
    form_json_parts: tuple[str, ...] = ()
    response: dict[str, Any] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()


@dataclass
class ApiSpec:
    title: str
    version: str
    paths: dict[str, dict[str, Operation]] = field(default_factory=dict)
    path_params: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    components: dict[str, Any] = field(default_factory=dict)

    def add(self, rule: str, method: str, op: Operation) -> None:
        path = _RULE_PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)
        self.path_params[path] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": _TYPES.get(conv or None, "string")},
            }
            for conv, name in _RULE_PARAM.findall(rule)
        ]
        self.paths.setdefault(path, {})[method.lower()] = op

    def document(self, server_url: str) -> dict[str, Any]:
        paths: dict[str, Any] = {}
        for path, ops in sorted(self.paths.items()):
            paths[path] = {m: self._operation(path, m, op) for m, op in sorted(ops.items())}
        return {
            "openapi": "3.0.3",
            "info": {"title": self.title, "version": self.version},
            "servers": [{"url": server_url}],
            "paths": paths,
            "components": {
                **self.components,
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            },
        }

    def _operation(self, path: str, method: str, op: Operation) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "operationId": method + "_" + _NON_WORD.sub("_", path).strip("_"),
            "parameters": [*self.path_params[path], *op.params],
            "responses": {
                str(op.status): {
                    "description": "成功",
                    **({"content": {"application/json": {"schema": op.response}}} if op.response else {}),
                },
                **{str(code): {"$ref": f"#/components/responses/E{code}"} for code in self._errors(path, op)},
            },
        }
        if not op.public:
            doc["security"] = [{"bearerAuth": []}]
        else:
            doc["security"] = []
        if op.body is not None:
            doc["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
        if op.form is not None:
            encoding = {part: {"contentType": "application/json"} for part in op.form_json_parts}
            multipart = {"schema": op.form, **({"encoding": encoding} if encoding else {})}
            content = doc.get("requestBody", {}).get("content", {})  # a JSON body stays offered beside it
            doc["requestBody"] = {"required": True, "content": {**content, "multipart/form-data": multipart}}
        return doc

    def _errors(self, path: str, op: Operation) -> list[int]:
        codes = set(op.errors)
        if not op.public:
            codes.add(401)
        if self.path_params[path]:
            codes.add(404)
        if op.body is not None or op.form is not None or op.params:
            codes.add(400)
        return sorted(codes)


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}
ERROR_DESCRIPTIONS = {
    400: "请求参数或JSON有误",
    401: "未提供或无效的API令牌",
    403: "无权操作",
    404: "不存在或无权查看",
    409: "与已有数据冲突",
    422: "不符合业务规则",
    413: "上传的内容超过大小限制",
    429: "请求过于频繁或已锁定",
}

PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    },
]


def page_of(item_schema: dict[str, Any]) -> dict[str, Any]:
    """The pagination envelope every list endpoint answers with."""
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": item_schema},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }


def new_spec() -> ApiSpec:
    spec = ApiSpec(title="江苏省危大工程及专家论证管理系统 API", version="1")
    spec.components = {
        "schemas": {"Error": ERROR_SCHEMA},
        "responses": {
            f"E{code}": {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            for code, text in ERROR_DESCRIPTIONS.items()
        },
    }
    return spec


SPEC = new_spec()
ViewFunc = Callable[..., Any]
