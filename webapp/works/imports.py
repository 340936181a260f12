"""Bulk import of works: template download, a dry run of an upload, then the commit of that same stored file.

Between the two steps the bytes wait in the instance folder under a random token that is also kept in the
signed session, so only the account that uploaded a file can commit it; files older than an hour are removed.
"""

from __future__ import annotations

import hmac
import io
import secrets
import time
from pathlib import Path

from flask import current_app, flash, redirect, render_template, send_file, session, url_for
from flask.typing import ResponseReturnValue

from knowledge import work_import
from knowledge.accounts import Role
from knowledge.work_import import ImportReport, WorkImportError
from webapp.auth import current_account, current_scope, role_required
from webapp.extensions import db
from webapp.works import bp
from webapp.works.import_forms import ImportConfirmForm, ImportUploadForm

IMPORT_ROLES = (Role.PROJECT_TEAM, Role.REGULATOR, Role.ADMIN)
STORE_SECONDS = 3600
SESSION_KEY = "work_import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/import", methods=["GET", "POST"])
@role_required(*IMPORT_ROLES)
def import_works() -> ResponseReturnValue:
    form = ImportUploadForm()
    report: ImportReport | None = None
    confirm: ImportConfirmForm | None = None
    if form.validate_on_submit():
        upload = form.file.data
        data, filename = upload.read(), upload.filename or ""
        report = work_import.dry_run(db.session, data, filename, scope=current_scope())
        db.session.rollback()  # the dry run only reads: end its transaction before the page renders
        if report.is_clean:
            confirm = ImportConfirmForm(formdata=None, token=_store(data, filename))
    return render_template("works/import.html", form=form, report=report, confirm=confirm)


@bp.route("/import/template.xlsx")
@role_required(*IMPORT_ROLES)
def import_template() -> ResponseReturnValue:
    return send_file(
        io.BytesIO(work_import.template_xlsx()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="危大工程导入模板.xlsx",
    )


@bp.route("/import/commit", methods=["POST"])
@role_required(*IMPORT_ROLES)
def import_commit() -> ResponseReturnValue:
    form = ImportConfirmForm()
    stored = _load(form.token.data or "") if form.validate_on_submit() else None
    if stored is None:
        flash("导入确认已失效或不属于当前账号，请重新上传文件", "warning")
        return redirect(url_for("works.import_works"))
    data, filename = stored
    try:
        count = work_import.commit_import(db.session, data, filename, scope=current_scope())
    except WorkImportError as exc:
        _discard()
        flash(str(exc), "danger")
        return render_template("works/import.html", form=ImportUploadForm(), report=exc.report, confirm=None)
    _discard()
    flash(f"已导入{count}条危大工程", "success")
    return redirect(url_for("works.index"))


def _folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def _store(data: bytes, filename: str) -> str:
    """Keep the checked bytes for the confirmation; one pending file per session."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    _discard()
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(data)
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
    if not path.is_file() or time.time() - path.stat().st_mtime > STORE_SECONDS:
        _discard()
        return None
    return path.read_bytes(), str(held.get("filename", ""))


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
