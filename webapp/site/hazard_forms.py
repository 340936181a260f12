"""Forms of the hazard loop pages: shape only; the rules live in knowledge.site.hazards and hazard_loop."""

from __future__ import annotations

from datetime import date

from flask_wtf.file import MultipleFileField
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from knowledge.site import hazards
from knowledge.site.files import Upload
from knowledge.site.hazard_catalogue import clause_label, items_for_category
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Source
from webapp.forms import EnumSelectField, Form


def uploads(field: MultipleFileField) -> list[Upload]:
    return [Upload(f.read(), f.filename or "") for f in (field.data or []) if getattr(f, "filename", "")]


class StepForm(Form):
    """One step of the loop: which step, a note (the reason, or what was rectified) and, to submit, evidence."""

    step = HiddenField(validators=[DataRequired()])
    note = TextAreaField("说明", validators=[Optional(), Length(max=hazards.NOTE_MAX)])
    evidence = MultipleFileField("整改证明材料（照片或PDF，可多选）")


class CreditForm(Form):
    expert_id = HiddenField(validators=[DataRequired()])


class SelfCheckForm(Form):
    """The constructor's own check (企业自查): a hazard it found on its work."""

    level = EnumSelectField("隐患级别", Level, validators=[DataRequired("请选择隐患级别")])
    catalogue_key = SelectField("判定标准条款（重大事故隐患必选）", choices=[], validate_choice=False)
    description = TextAreaField(
        "隐患描述", validators=[DataRequired("请描述隐患情况"), Length(max=hazards.DESCRIPTION_MAX)]
    )
    found_on = DateField("发现日期", validators=[DataRequired("请填写发现日期")])

    def offer_items(self, category: str) -> None:
        self.catalogue_key.choices = [("", "（一般事故隐患不选）")] + [
            (h.key, f"{clause_label(h)}：{h.wording[:60]}") for h in items_for_category(category)
        ]

    def to_input(self) -> hazards.HazardInput:
        found_on: date = self.found_on.data
        return hazards.HazardInput(
            level=Level(self.level.data), description=self.description.data or "", found_on=found_on,
            source=Source.SELF_CHECK, catalogue_key=self.catalogue_key.data or None, found_by_own_check=True,
        )  # fmt: skip
