"""Bulk import of experts: template download, a dry run of an upload, then the commit of that same stored file.

The same pages as the works import (``webapp.bulk_import``). The file holds ID numbers (PIPL sensitive data),
so while it waits for the confirmation it is kept encrypted with the expert ID key.
"""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from expert_pool.experts import importing as expert_import
from webapp.auth import current_scope, role_required
from webapp.bulk_import import ImportPages
from webapp.experts import OFFICE, bp, vault
from webapp.extensions import db
from webapp.pending_uploads import PendingUploads

PAGES = ImportPages(PendingUploads("expert_import", "expert_imports", encrypted=True), "experts/import.html",
                    "experts.import_experts", "experts.index", "专家导入模板.xlsx", "位专家")  # fmt: skip


@bp.route("/import", methods=["GET", "POST"])
@role_required(*OFFICE)
def import_experts() -> ResponseReturnValue:
    return PAGES.upload(
        lambda data, name: expert_import.dry_run(db.session, data, name, vault=vault(), scope=current_scope())
    )


@bp.route("/import/template.xlsx")
@role_required(*OFFICE)
def import_template() -> ResponseReturnValue:
    return PAGES.template(expert_import.template_xlsx)


@bp.route("/import/commit", methods=["POST"])
@role_required(*OFFICE)
def import_commit() -> ResponseReturnValue:
    return PAGES.commit(
        lambda data, name: expert_import.commit_import(
            db.session, data, name, vault=vault(), scope=current_scope()
        )
    )
