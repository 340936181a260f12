"""Forms of cranes on sites: shape only; the rules live in knowledge.cranes.site_services and site_acceptance."""

from __future__ import annotations

from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from knowledge.cranes import site_acceptance, site_services
from knowledge.cranes.service_age import SafetyAssessment
from knowledge.cranes.site_models import AcceptanceParty, RecordKind
from webapp.forms import EnumSelectField, Form

CODE = [Length(max=18)]


class NoticeForm(Form):
    """The installation notice (安装告知); the project follows from the chosen work."""

    registration_number = StringField(
        "产权备案编号", validators=[DataRequired("请填写产权备案编号"), Length(max=16)]
    )
    work_id = SelectField("安装依据的危大工程（起重机械安装和拆卸工程）", coerce=int,
                          validators=[DataRequired("请选择危大工程")])  # fmt: skip
    user_credit_code = StringField(
        "使用单位统一社会信用代码", validators=[DataRequired("请填写使用单位统一社会信用代码"), *CODE]
    )
    maintainer_credit_code = StringField("维保单位统一社会信用代码（可不填）", validators=CODE)
    installer_credit_code = StringField("安装单位统一社会信用代码（系统管理员代办时填写）", validators=CODE)
    planned_install_on = DateField("计划安装日期", validators=[DataRequired("请填写计划安装日期")])
    position = StringField("安装位置（如 3#楼北侧）", validators=[Length(max=site_services.POSITION_MAX)])


class QualificationForm(Form):
    credit_code = StringField(
        "安装单位统一社会信用代码", validators=[DataRequired("请填写统一社会信用代码"), *CODE]
    )
    certificate_number = StringField(
        "资质证书编号", validators=[DataRequired("请填写资质证书编号"), Length(max=64)]
    )
    grade = SelectField("资质等级", choices=[SelectChoice(g, g) for g in site_services.GRADES])
    valid_until = DateField("资质证书有效期至", validators=[DataRequired("请填写资质证书有效期")])
    safety_licence_number = StringField(
        "安全生产许可证编号", validators=[DataRequired("请填写安全生产许可证编号"), Length(max=64)]
    )
    safety_licence_valid_until = DateField(
        "安全生产许可证有效期至", validators=[DataRequired("请填写许可证有效期")]
    )

    def to_input(self) -> site_services.QualificationInput:
        return site_services.QualificationInput(
            self.credit_code.data or "", self.certificate_number.data or "", self.grade.data or "",
            self.valid_until.data, self.safety_licence_number.data or "", self.safety_licence_valid_until.data,
        )  # fmt: skip


class SignForm(Form):
    party = EnumSelectField("签字身份", AcceptanceParty, validators=[DataRequired("请选择签字身份")])
    signer_name = StringField(
        "签字人姓名", validators=[DataRequired("请填写签字人姓名"), Length(max=site_acceptance.SIGNER_MAX)]
    )
    opinion = StringField("验收意见（可不填）", validators=[Length(max=site_acceptance.OPINION_MAX)])


class DismantleForm(Form):
    planned_on = DateField("计划拆卸日期", validators=[DataRequired("请填写计划拆卸日期")])


class RecordForm(Form):
    kind = EnumSelectField("记录类别", RecordKind, validators=[DataRequired("请选择记录类别")])
    on = DateField("日期", validators=[DataRequired("请填写日期")])
    description = TextAreaField(
        "内容", validators=[DataRequired("请填写记录内容"), Length(max=site_services.DESCRIPTION_MAX)]
    )

    def to_input(self) -> site_services.RecordInput:
        return site_services.RecordInput(
            RecordKind(self.kind.data), self.on.data, self.description.data or ""
        )


class OwnerForm(Form):
    """A change of owner (产权变更): a new registration under the same number; an assessment when past age."""

    owner_credit_code = StringField(
        "新产权单位统一社会信用代码", validators=[DataRequired("请填写新产权单位统一社会信用代码"), *CODE]
    )
    assessed = BooleanField("已做安全评估（超过年限的机械须提交）")
    assessed_on = DateField("安全评估日期", validators=[Optional()])
    assessment_passed = BooleanField("安全评估结论为合格")
    assessment_valid_until = DateField("安全评估有效期至", validators=[Optional()])

    def assessment(self) -> SafetyAssessment | None:
        if self.assessed.data and self.assessed_on.data and self.assessment_valid_until.data:
            return SafetyAssessment(
                self.assessed_on.data, bool(self.assessment_passed.data), self.assessment_valid_until.data
            )
        return None
