"""Forms of the inspection-report pages: shape only; each item's tick, figure, note and photos read from the request."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Request
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from knowledge.cranes import bodies, checklists
from knowledge.cranes.inspection_models import Conclusion
from knowledge.cranes.inspection_queries import ItemOutcome, ReportLine
from knowledge.cranes.inspections import MEASURED_MAX, NOTE_MAX, PHOTOS_PER_ITEM, ItemEntry, StartInput
from knowledge.site.files import Upload
from webapp.forms import EnumSelectField, Form, enum_or_none

KEY_MAX = 64


class StartForm(Form):
    registration_number = StringField(
        "备案编号", validators=[DataRequired("请填写机械的备案编号"), Length(max=32, message="备案编号过长")]
    )
    at_installation = BooleanField("安装后检验（关联该机械当前的在装记录）", default=True)
    retest_of_number = StringField(
        "复检的原报告编号（复检时填写）", validators=[Optional(), Length(max=32, message="报告编号过长")]
    )

    def to_input(self) -> StartInput:
        return StartInput(self.registration_number.data or "", bool(self.at_installation.data),
                          self.retest_of_number.data or "")  # fmt: skip


class PublishForm(Form):
    conclusion = EnumSelectField("检验结论", Conclusion, blank="由系统按检验项目判定")

    def stated(self) -> Conclusion | None:
        found: Conclusion | None = enum_or_none(Conclusion, self.conclusion.data)
        return found


class BodyForm(Form):
    credit_code = StringField(
        "检验机构统一社会信用代码",
        validators=[DataRequired("请填写统一社会信用代码"), Length(max=18, message="代码过长")],
    )
    qualification_number = StringField(
        "检验检测机构资质证书编号",
        validators=[
            DataRequired("请填写资质证书编号"),
            Length(max=bodies.QUALIFICATION_MAX, message="编号过长"),
        ],
    )
    valid_until = DateField("资质有效期至", validators=[DataRequired("请填写资质有效期")])

    def to_input(self) -> bodies.BodyInput:
        return bodies.BodyInput(self.credit_code.data or "", self.qualification_number.data or "",
                                self.valid_until.data)  # fmt: skip


@dataclass
class ItemValues:
    """What is shown on each item (the recorded values, or what was typed when the form comes back with an error)
    and the entries a POST makes."""

    results: dict[str, str] = field(default_factory=dict)
    measured: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    entries: tuple[ItemEntry, ...] = ()

    @classmethod
    def recorded(cls, lines: list[ReportLine]) -> ItemValues:
        rows = [line.row for line in lines if line.row is not None]
        return cls({r.item_key: r.result for r in rows}, {r.item_key: r.measured or "" for r in rows},
                   {r.item_key: r.note for r in rows})  # fmt: skip

    @classmethod
    def from_request(cls, request: Request, checklist: checklists.Checklist) -> ItemValues:
        """Every ``result-<key>`` posted (a key off the checklist too: the service refuses it by name), and every
        checklist item, ticked or not."""
        keys = [item.key for item in checklist.items]
        keys += [k[len("result-") :] for k in request.form if k.startswith("result-")]
        keys = list(dict.fromkeys(k[:KEY_MAX] for k in keys))
        results = {k: request.form.get(f"result-{k}", "") for k in keys}
        measured = {k: request.form.get(f"measured-{k}", "")[: MEASURED_MAX + 1] for k in keys}
        notes = {k: request.form.get(f"note-{k}", "")[: NOTE_MAX + 1] for k in keys}
        photos = {k: _photos(request, k) for k in keys}
        entries = tuple(
            ItemEntry(k, enum_or_none(ItemOutcome, results[k]), measured[k], notes[k], photos[k])
            for k in keys
            if results[k] or measured[k].strip() or notes[k].strip() or photos[k]
        )
        return cls(results, measured, notes, entries)


def _photos(request: Request, key: str) -> tuple[Upload, ...]:
    files = [f for f in request.files.getlist(f"photos-{key}") if f and f.filename]
    # One more than allowed is read, so the service says how many are allowed rather than dropping any.
    return tuple(Upload(f.read(), f.filename or "") for f in files[: PHOTOS_PER_ITEM + 1])
