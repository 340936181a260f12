"""Sign-in and API token forms: shape only."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from webapp.forms import Form


class LoginForm(Form):
    username = StringField(
        "用户名", validators=[DataRequired("请输入用户名"), Length(max=64, message="用户名过长")]
    )
    password = PasswordField(
        "密码", validators=[DataRequired("请输入密码"), Length(max=128, message="密码过长")]
    )


class TokenForm(Form):
    name = StringField(
        "令牌用途",
        validators=[DataRequired("请填写令牌用途"), Length(max=64, message="令牌用途不能超过64个字符")],
    )


class EmptyForm(Form):
    """A form with only the CSRF token, for POST buttons (sign out, revoke)."""
