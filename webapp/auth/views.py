"""Sign-in (throttled), sign-out on POST, and the page where an account manages its API tokens."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, logout_user

from knowledge.accounts import credentials, signin
from knowledge.accounts.password_policy import rules_text
from knowledge.accounts.throttle import ThrottlePolicy
from knowledge.db import utcnow
from knowledge.errors import DomainError
from webapp.auth import TWO_FACTOR_DONE, bp, current_account, password_policy, sign_in_session
from webapp.auth.forms import EmptyForm, LoginForm, PasswordForm, TokenForm
from webapp.auth.pending import begin_pending
from webapp.extensions import db
from webapp.forms import attach_error


def throttle_policy() -> ThrottlePolicy:
    cfg = current_app.config
    return ThrottlePolicy(
        max_failures=cfg["LOGIN_MAX_FAILURES"],
        window=timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"]),
        lock=timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"]),
        name_max_failures=cfg["LOGIN_NAME_MAX_FAILURES"],
        name_window=timedelta(minutes=cfg["LOGIN_NAME_WINDOW_MINUTES"]),
        name_lock=timedelta(minutes=cfg["LOGIN_NAME_LOCK_MINUTES"]),
    )


def _safe_next(target: str | None) -> str:
    """Only a local path: never an open redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            account = signin.authenticate(
                db.session,
                form.username.data,
                form.password.data,
                now=utcnow(),
                policy=throttle_policy(),
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                address=request.remote_addr or "",
            )
        except signin.TwoFactorNeeded as exc:
            begin_pending(exc.account, _safe_next(request.args.get("next")))
            enrol = isinstance(exc, signin.TwoFactorEnrolmentNeeded)
            return redirect(url_for("auth.two_factor_enrol" if enrol else "auth.two_factor_code"))
        except signin.SignInError as exc:
            form.form_errors.append(str(exc))
        else:
            sign_in_session(account, second_factor=False)
            flash(f"欢迎，{account.display_name}", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        signin.end_sessions(db.session, current_account(), reason="logout")
        logout_user()
        session.clear()
        flash("您已退出登录", "info")
    return redirect(url_for("auth.login"))


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> ResponseReturnValue:
    account = current_account()
    form = TokenForm()
    new_secret = None
    if form.validate_on_submit():
        days = current_app.config["API_TOKEN_DAYS"]
        try:
            _, new_secret = signin.create_token(
                db.session, account, form.name.data, now=utcnow(), valid_for=timedelta(days=days)
            )
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            form = TokenForm(formdata=None)
    return render_template(
        "auth/tokens.html",
        form=form,
        tokens=signin.tokens_of(db.session, account),
        new_secret=new_secret,
        revoke_form=EmptyForm(),
        now=utcnow(),
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        try:
            signin.revoke_token(db.session, current_account(), token_id, now=utcnow())
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash("令牌已撤销", "success")
    return redirect(url_for("auth.tokens"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    """The account's own password change; the session goes on in the new generation."""
    form = PasswordForm()
    account = current_account()
    if form.validate_on_submit():
        try:
            credentials.change_password(db.session, account, form.old_password.data, form.new_password.data,
                                        hash_method=current_app.config["PASSWORD_HASH_METHOD"], now=utcnow())  # fmt: skip
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            sign_in_session(account, second_factor=bool(session.get(TWO_FACTOR_DONE)))
            flash("密码已更新，其他设备上的登录已全部退出", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form, account=account,
                           rules=rules_text(password_policy()))  # fmt: skip
