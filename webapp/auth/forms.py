"""Sign-in and API token forms: shape only."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from webapp.forms import Form


class LoginForm(Form):
    username = StringField(
        "用户名", validators=[DataRequired("请输入用户名"), Length(max=64, message="用户名过长")]
    )
    password = PasswordField(
        "密码", validators=[DataRequired("请输入密码"), Length(max=128, message="密码过长")]
    )


class PasswordForm(Form):
    """Shape only: the rules for the new password are knowledge/accounts/password_policy.py's."""

    old_password = PasswordField(
        "原密码", validators=[DataRequired("请输入原密码"), Length(max=128, message="密码过长")]
    )
    new_password = PasswordField(
        "新密码", validators=[DataRequired("请输入新密码"), Length(max=128, message="密码过长")]
    )
    confirm = PasswordField(
        "再次输入新密码",
        validators=[
            DataRequired("请再次输入新密码"),
            EqualTo("new_password", message="两次输入的新密码不一致"),
        ],
    )


class TokenForm(Form):
    name = StringField(
        "令牌用途",
        validators=[DataRequired("请填写令牌用途"), Length(max=64, message="令牌用途不能超过64个字符")],
    )


class CodeForm(Form):
    """The second factor: six digits from the authenticator app, or a recovery code."""

    code = StringField(
        "动态验证码",
        validators=[DataRequired("请输入验证码"), Length(max=32, message="验证码过长")],
        render_kw={"autocomplete": "one-time-code", "autofocus": True},
    )


class EmptyForm(Form):
    """A form with only the CSRF token, for POST buttons (sign out, revoke)."""
