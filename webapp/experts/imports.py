"""Bulk import of experts: template download, a dry run of an upload, then the commit of that same stored file.

The same steps as the works import (``webapp.works.imports``). Between the two steps the bytes wait in the
instance folder under a random token that is also kept in the signed session, so only the account that
uploaded a file can commit it. The file holds ID numbers (PIPL sensitive data), so it is kept encrypted with
the expert ID key, and Fernet's timestamp refuses it after an hour even if the sweep has not removed it yet.
"""

from __future__ import annotations

import hmac
import io
import secrets
import time
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, flash, redirect, render_template, send_file, session, url_for
from flask.typing import ResponseReturnValue

from expert_pool import expert_import
from expert_pool.expert_import import ExpertImportError, ImportReport
from webapp.auth import current_account, role_required
from webapp.experts import OFFICE, bp, vault
from webapp.extensions import db
from webapp.works.import_forms import ImportConfirmForm, ImportUploadForm

STORE_SECONDS = 3600
SESSION_KEY = "expert_import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/import", methods=["GET", "POST"])
@role_required(*OFFICE)
def import_experts() -> ResponseReturnValue:
    form = ImportUploadForm()
    report: ImportReport | None = None
    confirm: ImportConfirmForm | None = None
    if form.validate_on_submit():
        upload = form.file.data
        data, filename = upload.read(), upload.filename or ""
        report = expert_import.dry_run(db.session, data, filename, vault=vault())
        db.session.rollback()  # the dry run only reads: end its transaction before the page renders
        if report.is_clean:
            confirm = ImportConfirmForm(formdata=None, token=_store(data, filename))
    return render_template("experts/import.html", form=form, report=report, confirm=confirm)


@bp.route("/import/template.xlsx")
@role_required(*OFFICE)
def import_template() -> ResponseReturnValue:
    return send_file(
        io.BytesIO(expert_import.template_xlsx()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="专家导入模板.xlsx",
    )


@bp.route("/import/commit", methods=["POST"])
@role_required(*OFFICE)
def import_commit() -> ResponseReturnValue:
    form = ImportConfirmForm()
    stored = _load(form.token.data or "") if form.validate_on_submit() else None
    if stored is None:
        flash("导入确认已失效或不属于当前账号，请重新上传文件", "warning")
        return redirect(url_for("experts.import_experts"))
    data, filename = stored
    try:
        count = expert_import.commit_import(
            db.session, data, filename, vault=vault(), actor_id=current_account().id
        )
    except ExpertImportError as exc:
        _discard()
        flash(str(exc), "danger")
        return render_template(
            "experts/import.html", form=ImportUploadForm(), report=exc.report, confirm=None
        )
    _discard()
    flash(f"已导入{count}位专家", "success")
    return redirect(url_for("experts.index"))


def _folder() -> Path:
    return Path(current_app.instance_path) / "expert_imports"


def _fernet() -> Fernet:
    return Fernet(current_app.config["EXPERT_ID_KEY"].encode())


def _store(data: bytes, filename: str) -> str:
    """Keep the checked bytes, encrypted, for the confirmation; one pending file per session."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    _discard()
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(_fernet().encrypt(data))
    session[SESSION_KEY] = {"token": token, "filename": filename, "account_id": current_account().id}
    return token


def _load(token: str) -> tuple[bytes, str] | None:
    held = session.get(SESSION_KEY)
    if not held or held.get("account_id") != current_account().id:
        return None
    if not hmac.compare_digest(str(held.get("token", "")), token):
        return None
    path = (
        _folder() / f"{held['token']}.bin"
    )  # the session's own token, never the posted text, names the file
    try:
        data = _fernet().decrypt(path.read_bytes(), ttl=STORE_SECONDS)
    except (FileNotFoundError, InvalidToken):
        _discard()
        return None
    return data, str(held.get("filename", ""))


def _discard() -> None:
    held = session.pop(SESSION_KEY, None)
    if held:
        (_folder() / f"{held['token']}.bin").unlink(missing_ok=True)


def _sweep(folder: Path) -> None:
    """Remove files of dry runs nobody confirmed within the hour."""
    cutoff = time.time() - STORE_SECONDS
    for path in folder.glob("*.bin"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:  # another process swept it first
            continue
