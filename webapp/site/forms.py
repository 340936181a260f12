"""Forms of the site records: shape only; the rules live in knowledge.site.records."""

from __future__ import annotations

from datetime import UTC

from flask_wtf.file import MultipleFileField
from wtforms import DateField, DateTimeLocalField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from knowledge.clock import CST
from knowledge.site import records
from knowledge.site.files import Upload
from knowledge.site.models import AcceptanceResult, AcceptanceSigner, AlarmLevel, BriefingKind
from webapp.forms import EnumSelectField, Form


def names(text: str | None) -> list[str]:
    """Names typed one per line, or separated by commas (Chinese or Latin) or 、."""
    text = text or ""
    for sep in ("，", ",", "、", "；", ";"):
        text = text.replace(sep, "\n")
    return [n.strip() for n in text.splitlines() if n.strip()]


def uploads(field: MultipleFileField) -> list[Upload]:
    return [Upload(f.read(), f.filename or "") for f in (field.data or []) if getattr(f, "filename", "")]


class BriefingForm(Form):
    kind = EnumSelectField("交底类型", BriefingKind, validators=[DataRequired("请选择交底类型")])
    plan_version_id = HiddenField()
    briefed_on = DateField("交底日期", validators=[DataRequired("请填写交底日期")])
    briefer = StringField("交底人", validators=[DataRequired("请填写交底人"), Length(max=records.PERSON_MAX)])
    audience = StringField("被交底对象", validators=[DataRequired("请填写被交底对象"), Length(max=200)])
    attendees = TextAreaField("参加人员（每行一人或以逗号分隔）", validators=[DataRequired("请填写参加人员")])
    content = TextAreaField("交底内容摘要", validators=[Optional(), Length(max=2000)])
    attachments = MultipleFileField("附件（签字的交底记录照片或PDF）")

    def to_input(self) -> records.BriefingInput:
        try:
            version_id = int(self.plan_version_id.data or 0)
        except ValueError:
            version_id = 0
        return records.BriefingInput(
            kind=BriefingKind(self.kind.data), plan_version_id=version_id, briefed_on=self.briefed_on.data,
            briefer=self.briefer.data, audience=self.audience.data, attendees=names(self.attendees.data),
            content=self.content.data or "", attachments=uploads(self.attachments),
        )  # fmt: skip


class MonitoringForm(Form):
    credit_code = StringField(
        "监测单位统一社会信用代码", validators=[DataRequired("请填写监测单位代码"), Length(max=40)]
    )
    starts_on = DateField("监测开始日期", validators=[DataRequired("请填写监测开始日期")])
    scheme = TextAreaField("监测方案（名称、编号）", validators=[Optional(), Length(max=500)])


class AlarmForm(Form):
    raised_at = DateTimeLocalField(
        "报警时间", format="%Y-%m-%dT%H:%M", validators=[DataRequired("请填写报警时间")]
    )
    quantity = StringField("监测项目", validators=[DataRequired("请填写监测项目"), Length(max=64)])
    level = EnumSelectField("报警级别", AlarmLevel, validators=[DataRequired("请选择报警级别")])
    value = StringField("监测值", validators=[DataRequired("请填写监测值"), Length(max=32)])
    unit = StringField("单位", validators=[Optional(), Length(max=16)])

    def to_input(self) -> records.AlarmInput:
        raised = self.raised_at.data.replace(tzinfo=CST).astimezone(UTC)
        return records.AlarmInput(raised, self.quantity.data, AlarmLevel(self.level.data), self.value.data,
                                  self.unit.data or "")  # fmt: skip


class HandlingForm(Form):
    handled_on = DateField("处置日期", validators=[DataRequired("请填写处置日期")])
    measures = TextAreaField("处置措施", validators=[DataRequired("请填写处置措施"), Length(max=1000)])


class AcceptanceForm(Form):
    accepted_on = DateField("验收日期", validators=[DataRequired("请填写验收日期")])
    participants = TextAreaField(
        "验收人员（每行一人或以逗号分隔）", validators=[DataRequired("请填写验收人员")]
    )
    result = EnumSelectField("验收结论", AcceptanceResult, validators=[DataRequired("请选择验收结论")])
    note = TextAreaField("说明（不合格须写明问题）", validators=[Optional(), Length(max=1000)])

    def to_input(self) -> records.AcceptanceInput:
        return records.AcceptanceInput(self.accepted_on.data, names(self.participants.data),
                                       AcceptanceResult(self.result.data), self.note.data or "")  # fmt: skip


class SignForm(Form):
    kind = EnumSelectField("签字身份", AcceptanceSigner, validators=[DataRequired("请选择签字身份")])
    signer_name = StringField(
        "签字人姓名", validators=[DataRequired("请填写签字人姓名"), Length(max=records.PERSON_MAX)]
    )
