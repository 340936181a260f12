"""Expert forms: shape only; identity, duplicates and rules are checked by expert_pool.experts.services."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from expert_pool.experts.models import TitleLevel
from expert_pool.experts.services import SPECIALTIES, ExpertInput
from knowledge.regions import City
from webapp.forms import EnumSelectField, Form, enum_or_none


class ExpertForm(Form):
    name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(max=64, message="姓名过长")])
    id_number = StringField(
        "身份证号码", validators=[DataRequired("请填写身份证号码"), Length(max=30, message="号码过长")]
    )
    city = EnumSelectField("所在城市", City, validators=[DataRequired("请选择城市")])
    title = StringField("职称", validators=[Optional(), Length(max=64, message="职称过长")])
    title_level = EnumSelectField("职称级别", TitleLevel, blank="未填")
    phone = StringField("电话", validators=[Optional(), Length(max=20, message="电话过长")])
    email = StringField("电子邮箱", validators=[Optional(), Length(max=120, message="邮箱过长")])
    specialties = SelectMultipleField(
        "专业（对应工程类别）", choices=[SelectChoice(code, label) for code, label in SPECIALTIES.items()]
    )
    annual_cap = IntegerField(
        "年度评审上限（留空按政策默认）", validators=[Optional(), NumberRange(1, 200, "应在1至200之间")]
    )

    def to_input(self) -> ExpertInput:
        return ExpertInput(
            name=self.name.data, city=City(self.city.data), id_number=self.id_number.data,
            title=self.title.data or "", title_level=enum_or_none(TitleLevel, self.title_level.data),
            phone=self.phone.data or "", email=self.email.data or "", specialties=self.specialties.data or [],
            annual_cap=self.annual_cap.data,
        )  # fmt: skip


class ExpertEditForm(ExpertForm):
    """Editing: the ID number is never shown again; left empty it keeps the stored one, filled it replaces it."""

    id_number = StringField(
        "身份证号码（重新填写以更换）", validators=[Optional(), Length(max=30, message="号码过长")]
    )


class StatusForm(Form):
    status = StringField()
    until = DateField("暂停至", validators=[Optional()])
    reason = StringField("原因", validators=[DataRequired("请填写原因"), Length(max=500, message="原因过长")])


class EmploymentForm(Form):
    enterprise_credit_code = StringField("单位统一社会信用代码", validators=[DataRequired("请填写单位代码")])
    position = StringField("职务", validators=[Optional(), Length(max=64, message="职务过长")])
    start = DateField("入职日期", validators=[DataRequired("请填写入职日期")])
    end_date = DateField("离职日期（在职留空）", validators=[Optional()])


class ContactForm(Form):
    phone = StringField("电话", validators=[Optional(), Length(max=20, message="电话过长")])
    email = StringField("电子邮箱", validators=[Optional(), Length(max=120, message="邮箱过长")])


class LeaveForm(Form):
    start = DateField("开始日期", validators=[DataRequired("请填写开始日期")])
    end_date = DateField("结束日期", validators=[DataRequired("请填写结束日期")])
    reason = StringField("事由", validators=[Optional(), Length(max=200, message="事由过长")])


class DeclarationForm(Form):
    enterprise_credit_code = StringField(
        "相关单位统一社会信用代码（如有）", validators=[Optional(), Length(max=40)]
    )
    note = TextAreaField(
        "利害关系说明", validators=[DataRequired("请说明利害关系"), Length(max=500, message="说明过长")]
    )
