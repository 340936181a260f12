"""Form pieces shared by several areas: choices from the domain's enums, never restated here."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from knowledge.errors import DomainError


class Form(FlaskForm):  # type: ignore[misc]
    """Every form of the app: WTForms' own messages in Chinese too (its bundled zh catalogue)."""

    class Meta:
        locales = ("zh",)


def enum_choices(enum_cls: type[StrEnum], *, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(m.value, m.label) for m in enum_cls]  # type: ignore[attr-defined]
    return [("", blank), *choices] if blank is not None else choices


def enum_or_none(enum_cls: type[StrEnum], value: Any) -> Any:
    """The member for a submitted value, or None for blank or unknown values."""
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


class EnumSelectField(SelectField):  # type: ignore[misc]  # wtforms is untyped (no stubs for 3.3)
    def __init__(self, label: str, enum_cls: type[StrEnum], blank: str | None = None, **kwargs: Any) -> None:
        choices = [SelectChoice(value, text) for value, text in enum_choices(enum_cls, blank=blank)]
        super().__init__(label, choices=choices, **kwargs)


def attach_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a domain error beside the field it names, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))
