"""Forms of the works import: the upload, and the confirmation that commits the stored file."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired, Optional

from knowledge.spreadsheets import MAX_BYTES
from webapp.forms import Form


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
