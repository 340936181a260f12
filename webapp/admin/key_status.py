"""The security administrator's key status page (knowledge/accounts/key_status.py): never a key's contents."""

from __future__ import annotations

import os
from pathlib import Path

from flask import abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from knowledge.accounts.key_status import key_statuses
from knowledge.errors import PermissionDenied
from webapp.admin import bp
from webapp.auth import current_scope
from webapp.config import KEYS_DIR
from webapp.extensions import db

KEY_LABELS = {
    "SECRET_KEY": "会话与表单签名密钥",
    "EXPERT_ID_KEY": "专家身份证号码加密密钥",
    "DRAW_CHAIN_KEY": "抽取记录链密钥",
    "DRAW_DIGEST_KEY": "抽取记录每日摘要签名私钥",
    "AUDIT_CHAIN_KEY": "审计日志链密钥",
    "TOTP_KEY": "双因素认证密钥加密密钥",
    "REPORT_KEY": "论证报告链密钥",
    "SIGNING_KEY_WRAP_KEY": "专家签名私钥加密密钥",
}


@bp.route("/keys")
@login_required
def key_status() -> ResponseReturnValue:
    config = current_app.config
    try:
        keys = key_statuses(
            db.session,
            actor_id=current_scope().account_id,
            keys_dir=Path(current_app.instance_path) / KEYS_DIR,
            configured={name: str(config.get(name) or "") for name in KEY_LABELS},
            labels=KEY_LABELS,
            from_env=frozenset(name for name in KEY_LABELS if os.environ.get(name)),
        )
    except PermissionDenied:
        abort(403)
    return render_template("admin/keys.html", keys=keys)
