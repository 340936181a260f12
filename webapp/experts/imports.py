"""Bulk import of experts: template download, a dry run of an upload, then the commit of that same stored file.

The same steps as the works import (``webapp.works.imports``). Between the two steps the bytes wait in the
instance folder under a random token that is also kept in the signed session, so only the account that
uploaded a file can commit it (``webapp.pending_uploads``). The file holds ID numbers (PIPL sensitive data), so
it is kept encrypted with the expert ID key.
"""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue

from expert_pool.experts import importing as expert_import
from expert_pool.experts.importing import ExpertImportError, ImportReport
from webapp.auth import current_account, role_required
from webapp.experts import OFFICE, bp, vault
from webapp.extensions import db
from webapp.pending_uploads import PendingUploads
from webapp.works.import_forms import ImportConfirmForm, ImportUploadForm

PENDING = PendingUploads("expert_import", "expert_imports", encrypted=True)
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
            confirm = ImportConfirmForm(formdata=None, token=PENDING.store(data, filename))
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
    stored = PENDING.load(form.token.data or "") if form.validate_on_submit() else None
    if stored is None:
        flash("导入确认已失效或不属于当前账号，请重新上传文件", "warning")
        return redirect(url_for("experts.import_experts"))
    data, filename = stored
    try:
        count = expert_import.commit_import(
            db.session, data, filename, vault=vault(), actor_id=current_account().id
        )
    except ExpertImportError as exc:
        PENDING.discard()
        flash(str(exc), "danger")
        return render_template(
            "experts/import.html", form=ImportUploadForm(), report=exc.report, confirm=None
        )
    PENDING.discard()
    flash(f"已导入{count}位专家", "success")
    return redirect(url_for("experts.index"))
