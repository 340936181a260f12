"""Forms of the works registry: shape only; the rules and the workflow live in knowledge/."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from knowledge.registry.services import NAME_MAX, PERSON_MAX, WorkInput
from webapp.forms import Form


def _person(label: str) -> StringField:
    return StringField(
        label, validators=[Optional(), Length(max=PERSON_MAX, message=f"不能超过{PERSON_MAX}个字符")]
    )


class WorkForm(Form):
    name = StringField(
        "危大工程名称",
        validators=[
            DataRequired("请填写危大工程名称"),
            Length(max=NAME_MAX, message=f"不能超过{NAME_MAX}个字符"),
        ],
    )
    location = StringField("部位", validators=[Optional(), Length(max=NAME_MAX, message="部位描述过长")])
    planned_start = DateField("计划开工日期", validators=[Optional()])
    planned_end = DateField("计划完工日期", validators=[Optional()])
    project_manager = _person("项目负责人")
    technical_lead = _person("项目技术负责人")
    chief_supervisor = _person("总监理工程师")
    safety_officer = _person("专职安全生产管理人员")
    subcontractor_credit_code = StringField(
        "实施的专业分包单位统一社会信用代码（如有）",
        validators=[Optional(), Length(max=40, message="代码过长")],
    )

    def to_input(
        self, project_id: int, category: str, sub_type: str, parameters: dict[str, str]
    ) -> WorkInput:
        return WorkInput(
            project_id=project_id,
            name=self.name.data,
            category=category,
            sub_type=sub_type,
            parameters=parameters,
            location=self.location.data or "",
            planned_start=self.planned_start.data,
            planned_end=self.planned_end.data,
            project_manager=self.project_manager.data or "",
            technical_lead=self.technical_lead.data or "",
            chief_supervisor=self.chief_supervisor.data or "",
            safety_officer=self.safety_officer.data or "",
            subcontractor_credit_code=self.subcontractor_credit_code.data or "",
        )


class PlanForm(Form):
    title = StringField(
        "方案名称", validators=[Optional(), Length(max=200, message="方案名称不能超过200个字符")]
    )
    note = TextAreaField(
        "版本说明", validators=[Optional(), Length(max=500, message="说明不能超过500个字符")]
    )
    file = FileField("方案文件（PDF、DOCX 或 TXT）", validators=[FileRequired("请选择要上传的方案文件")])


class ActionForm(Form):
    """A POST button with its CSRF token and one value (a status or a sign-off kind)."""

    value = HiddenField()
