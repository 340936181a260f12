"""Bulk import of works: template download, a dry run of an upload, then the commit of that same stored file.

Between the two steps the bytes wait in the instance folder under a random token that is also kept in the
signed session, so only the account that uploaded a file can commit it; files older than an hour are removed.
"""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue

from knowledge.accounts.models import Role
from knowledge.registry import importing as work_import
from knowledge.registry.importing import ImportReport, WorkImportError
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.pending_uploads import PendingUploads
from webapp.works import bp
from webapp.works.import_forms import ImportConfirmForm, ImportUploadForm

IMPORT_ROLES = (Role.PROJECT_TEAM, Role.REGULATOR, Role.ADMIN)
PENDING = PendingUploads("work_import", "imports")
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
            confirm = ImportConfirmForm(formdata=None, token=PENDING.store(data, filename))
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
    stored = PENDING.load(form.token.data or "") if form.validate_on_submit() else None
    if stored is None:
        flash("导入确认已失效或不属于当前账号，请重新上传文件", "warning")
        return redirect(url_for("works.import_works"))
    data, filename = stored
    try:
        count = work_import.commit_import(db.session, data, filename, scope=current_scope())
    except WorkImportError as exc:
        PENDING.discard()
        flash(str(exc), "danger")
        return render_template("works/import.html", form=ImportUploadForm(), report=exc.report, confirm=None)
    PENDING.discard()
    flash(f"已导入{count}条危大工程", "success")
    return redirect(url_for("works.index"))
