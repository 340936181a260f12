"""Forms of the crane register: shape only; the rules live in knowledge.cranes."""

from __future__ import annotations

from decimal import Decimal

from wtforms import BooleanField, DateField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from knowledge.cranes import services
from knowledge.cranes.machines import HoistDrive, MachineType
from knowledge.cranes.service_age import SafetyAssessment
from webapp.forms import EnumSelectField, Form, enum_or_none


class MachineForm(Form):
    machine_type = EnumSelectField("机械类别", MachineType, validators=[DataRequired("请选择机械类别")])
    maker = StringField("制造单位", validators=[DataRequired("请填写制造单位"), Length(max=100)])
    model = StringField("规格型号", validators=[DataRequired("请填写规格型号"), Length(max=64)])
    serial_number = StringField("出厂编号", validators=[DataRequired("请填写出厂编号"), Length(max=64)])
    manufactured_on = DateField("出厂日期", validators=[DataRequired("请填写出厂日期")])
    rated_moment_knm = DecimalField(
        "额定起重力矩（kN·m，塔式起重机填写）", places=None,
        validators=[Optional(), NumberRange(min=0, max=100000, message="起重力矩应在0至100000 kN·m之间")],
    )  # fmt: skip
    rated_load_kg = IntegerField(
        "额定载重量（kg，塔式起重机以外填写）",
        validators=[Optional(), NumberRange(min=1, max=1000000, message="额定载重量应在1至1000000 kg之间")],
    )
    hoist_drive = EnumSelectField("驱动型式（施工升降机填写）", HoistDrive, blank="（不适用）")
    design_life_years = IntegerField(
        "制造厂家规定的使用年限（年，可不填）",
        validators=[Optional(), NumberRange(min=1, max=100, message="使用年限应在1至100年之间")],
    )
    owner_credit_code = StringField(
        "产权单位统一社会信用代码（系统管理员代办时填写）", validators=[Length(max=18)]
    )
    assessed = BooleanField("已做安全评估（超过年限的机械须提交）")
    assessed_on = DateField("安全评估日期", validators=[Optional()])
    assessment_passed = BooleanField("安全评估结论为合格")
    assessment_valid_until = DateField("安全评估有效期至", validators=[Optional()])

    def to_input(self) -> services.MachineInput:
        moment = self.rated_moment_knm.data
        assessment = None
        if self.assessed.data and self.assessed_on.data and self.assessment_valid_until.data:
            assessment = SafetyAssessment(
                self.assessed_on.data, bool(self.assessment_passed.data), self.assessment_valid_until.data
            )
        return services.MachineInput(
            machine_type=MachineType(self.machine_type.data), maker=self.maker.data or "",
            model=self.model.data or "", serial_number=self.serial_number.data or "",
            manufactured_on=self.manufactured_on.data,
            rated_moment_knm=Decimal(moment) if moment is not None else None,
            rated_load_kg=self.rated_load_kg.data, hoist_drive=enum_or_none(HoistDrive, self.hoist_drive.data),
            design_life_years=self.design_life_years.data, owner_credit_code=self.owner_credit_code.data or "",
            assessment=assessment,
        )  # fmt: skip


class RevokeForm(Form):
    reason = TextAreaField(
        "撤销原因", validators=[DataRequired("请填写撤销原因"), Length(max=services.REASON_MAX)]
    )
