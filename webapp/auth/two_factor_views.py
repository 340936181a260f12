"""The second step of sign-in (a TOTP code or a recovery code), enrolment, recovery codes shown once, and the
account's own two-factor settings page."""

from __future__ import annotations

import segno
from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from markupsafe import Markup

from knowledge.accounts import signin
from knowledge.accounts import two_factor as rules
from knowledge.accounts import two_factor_services as services
from knowledge.accounts.models import Account
from knowledge.db import utcnow
from knowledge.errors import DomainError
from webapp.auth import TWO_FACTOR_DONE, bp, current_account, sign_in_session, totp_cipher
from webapp.auth.forms import CodeForm, EmptyForm
from webapp.auth.pending import clear_pending, pending_account, pending_next
from webapp.auth.views import throttle_policy
from webapp.extensions import db


def _address() -> str:
    return request.remote_addr or ""


def _finish_pending(account: Account, kind: str) -> str:
    """The second factor checked: the session is signed in at last; returns where to go next."""
    next_url = pending_next()
    signin.complete_sign_in(db.session, account, now=utcnow(), address=_address(), second_factor=kind)
    sign_in_session(account, second_factor=True)
    return next_url


NO_STORE = {"Cache-Control": "no-store"}


def qr_svg(uri: str) -> Markup:
    """The otpauth URI as inline SVG markup: CSP does not restrict inline SVG, and the secret never leaves the page."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, svgid="otpauth-qr", title="用身份验证器扫码绑定")
    return Markup(svg)  # segno writes the markup; the URI only shapes the path data, it is never echoed


def _codes_page(codes: list[str], next_url: str) -> ResponseReturnValue:
    page = render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
    return page, 200, NO_STORE


@bp.route("/two-factor/code", methods=["GET", "POST"])
def two_factor_code() -> ResponseReturnValue:
    """After a right password: the code, before the session counts as signed in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    account = pending_account()
    if account is None or not rules.is_enrolled(account):
        flash("请重新登录", "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            kind = services.check_code(db.session, account, form.code.data, cipher=totp_cipher(), now=utcnow(),
                                       policy=throttle_policy(), address=_address())  # fmt: skip
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            next_url = _finish_pending(account, kind)
            flash(f"欢迎，{account.display_name}", "success")
            if kind == services.RECOVERY:
                left = services.recovery_codes_left(db.session, account)
                flash(f"已使用一个恢复码，还剩{left}个；请在“双因素认证”页面重新生成恢复码", "warning")
            return redirect(next_url)
    return render_template("auth/two_factor_code.html", form=form, cancel_form=EmptyForm(), account=account)


@bp.route("/two-factor/cancel", methods=["POST"])
def two_factor_cancel() -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        clear_pending()
    return redirect(url_for("auth.login"))


def _enrolling_account() -> tuple[Account | None, bool]:
    """(the account enrolling, whether it is a pending sign-in rather than a signed-in session)."""
    if current_user.is_authenticated:
        return current_account(), False
    account = pending_account()
    return (account, True) if account is not None and rules.must_enrol(account) else (None, True)


@bp.route("/two-factor/enrol", methods=["GET", "POST"])
def two_factor_enrol() -> ResponseReturnValue:
    account, is_pending = _enrolling_account()
    if account is None:
        return redirect(url_for("auth.login"))
    if rules.is_enrolled(account):
        return redirect(url_for("auth.two_factor"))
    cipher = totp_cipher()
    if request.method == "POST" and request.form.get("step") == "start":
        if EmptyForm().validate_on_submit():
            services.start_enrolment(db.session, account, cipher=cipher)
        return redirect(url_for("auth.two_factor_enrol"))
    form = CodeForm()
    try:
        secret = services.pending_secret(account, cipher)
    except DomainError as exc:
        flash(str(exc), "danger")
        secret = None
    if secret is not None and form.validate_on_submit():
        try:
            codes = services.activate(db.session, account, form.code.data, cipher=cipher, now=utcnow(),
                                      policy=throttle_policy(), address=_address())  # fmt: skip
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            if is_pending:
                return _codes_page(codes, _finish_pending(account, services.TOTP))
            session[TWO_FACTOR_DONE] = True
            return _codes_page(codes, url_for("auth.two_factor"))
    uri = rules.provisioning_uri(secret, account.username) if secret else ""
    page = render_template(
        "auth/two_factor_enrol.html", account=account, form=form, start_form=EmptyForm(), cancel_form=EmptyForm(),
        secret=secret, grouped=rules.grouped(secret) if secret else "", uri=uri, qr=qr_svg(uri) if uri else "",
        required=rules.must_enrol(account), is_pending=is_pending,
    )  # fmt: skip
    return page, 200, NO_STORE  # the secret, also on a page of a sign-in not yet complete


@bp.route("/two-factor")
@login_required
def two_factor() -> ResponseReturnValue:
    account = current_account()
    return render_template(
        "auth/two_factor.html",
        account=account,
        enrolled=rules.is_enrolled(account),
        required=rules.requires_two_factor(account.role),
        may_disable=rules.may_disable(account),
        codes_left=services.recovery_codes_left(db.session, account),
        regen_form=CodeForm(prefix="regen"),
        off_form=CodeForm(prefix="off"),
    )


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
def two_factor_recovery() -> ResponseReturnValue:
    form = CodeForm(prefix="regen")
    if form.validate_on_submit():
        try:
            codes = services.regenerate_recovery_codes(db.session, current_account(), form.code.data,
                                                       cipher=totp_cipher(), now=utcnow(),
                                                       policy=throttle_policy(), address=_address())  # fmt: skip
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            return _codes_page(codes, url_for("auth.two_factor"))
    else:
        flash("请输入身份验证器上的动态验证码", "danger")
    return redirect(url_for("auth.two_factor"))


@bp.route("/two-factor/disable", methods=["POST"])
@login_required
def two_factor_disable() -> ResponseReturnValue:
    form = CodeForm(prefix="off")
    if form.validate_on_submit():
        try:
            services.disable(db.session, current_account(), form.code.data, cipher=totp_cipher(), now=utcnow(),
                             policy=throttle_policy(), address=_address())  # fmt: skip
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            session.pop(TWO_FACTOR_DONE, None)
            flash("双因素认证已停用", "success")
    else:
        flash("请输入身份验证器上的动态验证码", "danger")
    return redirect(url_for("auth.two_factor"))
