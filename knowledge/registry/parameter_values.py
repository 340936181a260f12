"""Reading a scope parameter's value as it arrives from JSON or a form: exact Decimals and explicit 是/否."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from knowledge.errors import ValidationError
from knowledge.registry.clauses import Kind, Parameter

# What a form or an API client may send for a qualitative condition, compared after strip() and lower().
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "on", "是"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "off", "否"})


class ClassificationInputError(ValidationError):
    """A category, sub-type or parameter value that cannot be classified; ``field`` names the culprit."""

    code = "classification_input"


def read_value(param: Parameter, raw: object) -> Decimal | bool:
    """The value of ``raw`` for ``param``: a checked Decimal for a number, a bool for a condition.

    :raises ClassificationInputError: with a Chinese message naming the parameter, and ``field`` set to its code.
    """
    if param.kind is Kind.BOOL:
        return read_bool(param, raw)
    return read_number(param, raw)


def read_number(param: Parameter, raw: object) -> Decimal:
    """A finite Decimal within the parameter's range; floats go through repr(), so 4.99 stays 4.99."""
    value = _to_decimal(param, raw)
    if not value.is_finite():
        raise _error(param, f"{param.label}应为有限的数值，收到“{raw}”")
    if param.minimum is not None and value < param.minimum:
        if value < 0 <= param.minimum:
            raise _error(param, f"{param.label}不能为负数：{fmt(value)} {param.unit}".rstrip())
        raise _error(param, _out_of_range(param, value))
    if param.maximum is not None and value > param.maximum:
        raise _error(param, _out_of_range(param, value))
    return value


def _to_decimal(param: Parameter, raw: object) -> Decimal:
    # bool is a subclass of int: True must not pass as 1 m.
    if isinstance(raw, bool):
        raise _error(param, f"{param.label}应为数字，不能是是/否值")
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if isinstance(raw, str):
        try:
            return Decimal(raw.strip())
        except InvalidOperation:
            pass
    unit = f"（单位 {param.unit}）" if param.unit else ""
    raise _error(param, f"{param.label}应为数字{unit}，收到“{raw}”")


def read_bool(param: Parameter, raw: object) -> bool:
    """True or False from a bool, 0/1, or a word such as 是/否, true/false, on/off."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise _error(param, f"“{param.label}”应为是或否，收到“{raw}”")


def _out_of_range(param: Parameter, value: Decimal) -> str:
    unit = f" {param.unit}" if param.unit else ""
    bounds = f"{fmt(param.minimum)}–{fmt(param.maximum)}{unit}"
    return f"{param.label} {fmt(value)}{unit} 超出合理范围 {bounds}，请检查单位"


def _error(param: Parameter, message: str) -> ClassificationInputError:
    return ClassificationInputError(message, field=param.code)


def fmt(value: Decimal | None) -> str:
    """A Decimal as a person writes it: 500 not 5E+2, 5 not 5.00."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def json_schema(param: Parameter) -> dict[str, object]:
    """A JSON-schema property for the parameter, for OpenAPI and form generation (the bounds are whole numbers)."""
    if param.kind is Kind.BOOL:
        return {"type": "boolean", "title": param.label}
    schema: dict[str, object] = {"type": "number", "title": param.label, "x-unit": param.unit}
    if param.minimum is not None:
        schema["minimum"] = _json_number(param.minimum)
    if param.maximum is not None:
        schema["maximum"] = _json_number(param.maximum)
    return schema


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
