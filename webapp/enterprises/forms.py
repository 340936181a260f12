"""Enterprise form: shape only; the credit code's check character is checked by the service."""

from __future__ import annotations

from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from knowledge.enterprises.models import EnterpriseType
from knowledge.enterprises.services import NAME_MAX, EnterpriseInput
from knowledge.regions import City
from webapp.forms import EnumSelectField, Form


class EnterpriseForm(Form):
    name = StringField(
        "单位名称",
        validators=[
            DataRequired("请填写单位名称"),
            Length(max=NAME_MAX, message=f"单位名称不能超过{NAME_MAX}个字符"),
        ],
    )
    credit_code = StringField(
        "统一社会信用代码",
        validators=[DataRequired("请填写统一社会信用代码"), Length(max=40, message="代码过长")],
    )
    type = EnumSelectField("单位类型", EnterpriseType, validators=[DataRequired("请选择单位类型")])
    city = EnumSelectField("所在城市", City, validators=[DataRequired("请选择城市")])
    parent_credit_code = StringField(
        "上级单位（母公司）统一社会信用代码", validators=[Optional(), Length(max=40, message="代码过长")]
    )
    parent_since = DateField("加入该集团的日期（被收购或设立之日）", validators=[Optional()])
    parent_until = DateField("退出原集团的日期（在集团内的最后一天）", validators=[Optional()])

    def to_input(self) -> EnterpriseInput:
        return EnterpriseInput(
            name=self.name.data,
            credit_code=self.credit_code.data,
            type=EnterpriseType(self.type.data),
            city=City(self.city.data),
            parent_credit_code=self.parent_credit_code.data or "",
            parent_since=self.parent_since.data,
            parent_until=self.parent_until.data,
        )
