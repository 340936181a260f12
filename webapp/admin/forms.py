"""Account forms for the administrators: shape only; bindings, uniqueness and duties are checked by the service."""

from __future__ import annotations

from typing import Any

from wtforms import IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from knowledge.accounts.models import Role
from knowledge.accounts.password_policy import MAX_LENGTH, MIN_LENGTH
from knowledge.accounts.services import AccountInput, BindingInput
from knowledge.regions import City
from webapp.forms import EnumSelectField, Form, enum_or_none


class BindingForm(Form):
    """What an account acts for under its role: a city, an enterprise (by credit code) or an expert record."""

    city = EnumSelectField("所属城市（监管、抽取办公室；留空为省级）", City, blank="省级 / 不适用")
    enterprise_credit_code = StringField(
        "绑定单位统一社会信用代码（项目团队、检验机构）",
        validators=[Optional(), Length(max=40, message="代码过长")],
    )
    expert_id = IntegerField(
        "绑定专家编号（评审专家）",
        validators=[Optional(), NumberRange(min=1, message="专家编号无效")],
    )

    def to_binding(self, enterprise_id: int | None) -> BindingInput:
        return BindingInput(enum_or_none(City, self.city.data), enterprise_id, self.expert_id.data)


class AccountForm(BindingForm):
    username = StringField(
        "用户名", validators=[DataRequired("请填写用户名"), Length(max=32, message="用户名过长")]
    )
    display_name = StringField(
        "姓名", validators=[DataRequired("请填写姓名"), Length(max=64, message="姓名过长")]
    )
    password = PasswordField(
        "初始密码",
        validators=[
            DataRequired("请填写初始密码"),
            Length(min=MIN_LENGTH, max=MAX_LENGTH, message=f"密码长度须为{MIN_LENGTH}至{MAX_LENGTH}位"),
        ],
    )
    # The system administrator creates business accounts only; administrator roles are the security
    # administrator's to grant (knowledge/accounts/permissions.py can_create_with_role).
    role = EnumSelectField("角色", Role, validators=[DataRequired("请选择角色")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [c for c in self.role.choices if Role(c.value).is_business]

    def to_input(self, enterprise_id: int | None) -> AccountInput:
        return AccountInput(
            username=self.username.data,
            display_name=self.display_name.data,
            password=self.password.data,
            role=Role(self.role.data),
            city=enum_or_none(City, self.city.data),
            enterprise_id=enterprise_id,
            expert_id=self.expert_id.data,
            must_change_password=True,  # the administrator knows it: the user sets his own at first sign-in
        )


class EditAccountForm(BindingForm):
    display_name = StringField(
        "姓名", validators=[DataRequired("请填写姓名"), Length(max=64, message="姓名过长")]
    )


class RoleForm(BindingForm):
    role = EnumSelectField("角色", Role, validators=[DataRequired("请选择角色")])
