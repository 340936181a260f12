"""Sign-in and API token forms: shape only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64, message="用户名过长")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=128, message="密码过长")])


class TokenForm(FlaskForm):  # type: ignore[misc]
    name = StringField(
        "令牌用途",
        validators=[DataRequired("请填写令牌用途"), Length(max=64, message="令牌用途不能超过64个字符")],
    )


class EmptyForm(FlaskForm):  # type: ignore[misc]
    """A form with only the CSRF token, for POST buttons (sign out, revoke)."""
