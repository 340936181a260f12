"""Bulk import of works: template download, a dry run of an upload, then the commit of that same stored file.

Between the two steps the bytes wait in the instance folder under a random token that is also kept in the
signed session, so only the account that uploaded a file can commit it; files older than an hour are removed.
"""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from knowledge.accounts.models import Role
from knowledge.registry import importing as work_import
from webapp.auth import current_scope, role_required
from webapp.bulk_import import ImportPages
from webapp.extensions import db
from webapp.pending_uploads import PendingUploads
from webapp.works import bp

IMPORT_ROLES = (Role.PROJECT_TEAM, Role.REGULATOR, Role.ADMIN)
PAGES = ImportPages(PendingUploads("work_import", "imports"), "works/import.html", "works.import_works",
                    "works.index", "危大工程导入模板.xlsx", "条危大工程")  # fmt: skip


@bp.route("/import", methods=["GET", "POST"])
@role_required(*IMPORT_ROLES)
def import_works() -> ResponseReturnValue:
    return PAGES.upload(lambda data, name: work_import.dry_run(db.session, data, name, scope=current_scope()))


@bp.route("/import/template.xlsx")
@role_required(*IMPORT_ROLES)
def import_template() -> ResponseReturnValue:
    return PAGES.template(work_import.template_xlsx)


@bp.route("/import/commit", methods=["POST"])
@role_required(*IMPORT_ROLES)
def import_commit() -> ResponseReturnValue:
    return PAGES.commit(
        lambda data, name: work_import.commit_import(db.session, data, name, scope=current_scope())
    )
