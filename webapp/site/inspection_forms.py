"""Forms of the inspection pages: the fixed fields as a form, each check item's answer read from the request."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask import Request
from wtforms import BooleanField, DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from knowledge.site.checklist import CheckItem
from knowledge.site.files import Upload
from knowledge.site.inspection_models import ItemResult, Sweep
from knowledge.site.inspections import (
    CARELESS_NOTE_MAX,
    ITEM_NOTE_MAX,
    NOTE_MAX,
    PHOTOS_PER_ITEM,
    InspectionInput,
    ItemAnswer,
)
from webapp.forms import Form, enum_or_none

_NAME_SEPARATORS = re.compile(r"[\n\r,，、;；]+")
RESULT_PREFIX = "result-"


def split_names(raw: str) -> tuple[str, ...]:
    """Inspectors typed one a line, or separated by commas or 顿号."""
    return tuple(n.strip() for n in _NAME_SEPARATORS.split(raw or "") if n.strip())


class InspectionForm(Form):
    inspected_on = DateField("检查日期", validators=[Optional()])
    inspectors = TextAreaField("检查人员", validators=[Length(max=1000, message="检查人员名单过长")])
    sweep_id = SelectField("所属排查轮次", choices=[], validate_choice=False, validators=[Optional()])
    note = TextAreaField("检查意见", validators=[Length(max=NOTE_MAX, message=f"不能超过{NOTE_MAX}个字符")])
    review_careless = BooleanField("认定专家论证评审不认真（方案中的明显错误被论证通过）")
    careless_note = TextAreaField(
        "论证不认真的说明",
        validators=[Length(max=CARELESS_NOTE_MAX, message=f"不能超过{CARELESS_NOTE_MAX}个字符")],
    )

    def offer_sweeps(self, sweeps: list[Sweep]) -> None:
        self.sweep_id.choices = [("", "不属于排查轮次")] + [
            (str(s.id), f"{s.name}（{s.starts_on}至{s.ends_on}）") for s in sweeps
        ]

    def to_input(self, answers: tuple[ItemAnswer, ...]) -> InspectionInput:
        raw_sweep = self.sweep_id.data or ""
        return InspectionInput(
            inspected_on=self.inspected_on.data,
            inspectors=split_names(self.inspectors.data or ""),
            answers=answers,
            note=self.note.data or "",
            sweep_id=int(raw_sweep) if raw_sweep.isdigit() and len(raw_sweep) < 10 else None,
            review_careless=bool(self.review_careless.data),
            careless_note=self.careless_note.data or "",
        )


@dataclass
class ItemValues:
    """What was typed on each item (kept when the form comes back with an error) and the answers it makes."""

    results: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    answers: tuple[ItemAnswer, ...] = ()

    @classmethod
    def from_request(cls, request: Request, checklist: tuple[CheckItem, ...]) -> ItemValues:
        """Every ``result-<key>`` posted (a key off the checklist too: the service refuses it by name), and every
        checklist item, answered or not."""
        if request.method != "POST":
            return cls()
        keys = [c.key for c in checklist]
        keys += [k[len(RESULT_PREFIX) :] for k in request.form if k.startswith(RESULT_PREFIX)]
        keys = list(dict.fromkeys(k[:64] for k in keys))
        results = {k: request.form.get(RESULT_PREFIX + k, "") for k in keys}
        notes = {k: request.form.get(f"note-{k}", "")[: ITEM_NOTE_MAX + 1] for k in keys}
        answers = tuple(
            ItemAnswer(k, enum_or_none(ItemResult, results[k]), notes[k], _photos(request, k)) for k in keys
        )
        return cls(results, notes, answers)


def _photos(request: Request, key: str) -> tuple[Upload, ...]:
    files = [f for f in request.files.getlist(f"photos-{key}") if f and f.filename]
    # One more than allowed is read, so the service says how many are allowed rather than dropping any.
    return tuple(Upload(f.read(), f.filename or "") for f in files[: PHOTOS_PER_ITEM + 1])


class CarelessForm(Form):
    points = IntegerField("扣分", validators=[NumberRange(min=-100, max=0, message="扣分应为负数")])


def parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
