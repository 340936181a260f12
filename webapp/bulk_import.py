"""The pages every bulk import shares: template download, dry run of an upload, commit of that stored file."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired, Optional

from knowledge.spreadsheets.importing import ImportRefused, ImportReport
from knowledge.spreadsheets.reading import MAX_BYTES
from webapp.extensions import db
from webapp.forms import Form
from webapp.pending_uploads import PendingUploads

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportUploadForm(Form):
    file = FileField(
        "导入文件（.xlsx 或 .csv）",
        validators=[
            FileRequired("请选择要导入的文件"),
            FileSize(MAX_BYTES, message=f"文件超过{MAX_BYTES // 1024 // 1024}MB，请拆分后分批导入"),
        ],
    )
    action = HiddenField(default="dry_run", validators=[Optional(), AnyOf(["dry_run"], message="未知操作")])


class ImportConfirmForm(Form):
    token = HiddenField(validators=[DataRequired("导入确认已失效，请重新上传文件")])


@dataclass(frozen=True)
class ImportPages:
    """One import's pages: its template page, where it starts again and where it ends, and what it imports."""

    pending: PendingUploads
    page: str  # the template: works/import.html
    start: str  # the upload page's endpoint
    done: str  # where a successful import goes
    template_name: str  # the download name of the empty template
    imported: str  # 条危大工程: the flash says 已导入{count}{imported}

    def upload(self, check: Callable[[bytes, str], ImportReport[Any]]) -> ResponseReturnValue:
        """The upload form and, once a file is posted, ``check``'s dry run of it; a clean file waits to be
        confirmed."""
        form = ImportUploadForm()
        report: ImportReport[Any] | None = None
        confirm: ImportConfirmForm | None = None
        if form.validate_on_submit():
            upload = form.file.data
            data, filename = upload.read(), upload.filename or ""
            report = check(data, filename)
            db.session.rollback()  # the dry run only reads: end its transaction before the page renders
            if report.is_clean:
                confirm = ImportConfirmForm(formdata=None, token=self.pending.store(data, filename))
        return render_template(self.page, form=form, report=report, confirm=confirm)

    def template(self, build: Callable[[], bytes]) -> ResponseReturnValue:
        return send_file(
            io.BytesIO(build()), mimetype=XLSX, as_attachment=True, download_name=self.template_name
        )

    def commit(self, store: Callable[[bytes, str], int]) -> ResponseReturnValue:
        """``store`` the file this account checked, all or nothing; a refusal shows the new dry run's report."""
        form = ImportConfirmForm()
        stored = self.pending.load(form.token.data or "") if form.validate_on_submit() else None
        if stored is None:
            flash("导入确认已失效或不属于当前账号，请重新上传文件", "warning")
            return redirect(url_for(self.start))
        data, filename = stored
        try:
            count = store(data, filename)
        except ImportRefused as exc:
            self.pending.discard()
            flash(str(exc), "danger")
            return render_template(self.page, form=ImportUploadForm(), report=exc.report, confirm=None)
        self.pending.discard()
        flash(f"已导入{count}{self.imported}", "success")
        return redirect(url_for(self.done))
