"""The crane register's exports (CSV/XLSX of the filtered list) and its bulk import (template, dry run, commit).

The import uses the works' and experts' pages (``webapp.bulk_import``): the checked file waits for the
confirmation under a token only the uploading account's session holds.
"""

from __future__ import annotations

from flask import Response, abort, request
from flask.typing import ResponseReturnValue

from expert_pool.pdf.crane_certificate_pdf import certificate_pdf
from expert_pool.pdf.crane_report_pdf import report_pdf
from expert_pool.pdf.crane_use_sign_pdf import use_sign_pdf
from knowledge import audit
from knowledge.cranes import machine_export, machine_import, queries
from knowledge.demo.crane_documents import CraneRenderers
from knowledge.errors import PermissionDenied
from webapp.auth import current_scope, role_required
from webapp.bulk_import import XLSX, ImportPages
from webapp.cranes import bp
from webapp.cranes.pages import READERS, REGISTRANTS, render_certificate, today
from webapp.extensions import db
from webapp.pending_uploads import PendingUploads

FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}
PAGES = ImportPages(PendingUploads("crane_import", "crane_imports"), "cranes/import.html", "cranes.import_machines",
                    "cranes.index", "起重机械导入模板.xlsx", "台起重机械")  # fmt: skip


@bp.route("/export")
@role_required(*READERS)
def export() -> ResponseReturnValue:
    """The filtered register, as the list shows it to this account, in CSV or XLSX (``fmt``)."""
    fmt = request.args.get("fmt", "xlsx")
    if fmt not in FORMATS:
        abort(404)
    scope, on = current_scope(), today()
    found, _ = queries.parse_filter(request.args)
    filters = {k: v for k, v in request.args.items() if k in queries.FILTER_KEYS and v}
    audit.record_read(db.session, actor_id=scope.account_id, action="crane_machines_export",
                      obj=("crane_machines", fmt), after={"format": fmt, "filters": filters})  # fmt: skip
    machines = list(queries.iter_machines(db.session, scope, found, on=on))
    states = queries.states_of(db.session, [m.id for m in machines])
    build = machine_export.to_csv if fmt == "csv" else machine_export.to_xlsx
    response = Response(build(machines, states, on), mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename=crane-machines-{on.isoformat()}.{fmt}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/import", methods=["GET", "POST"])
@role_required(*REGISTRANTS)
def import_machines() -> ResponseReturnValue:
    scope = current_scope()
    try:
        return PAGES.upload(lambda data, name: machine_import.dry_run(db.session, data, name, scope=scope,
                                                                      today=today()))  # fmt: skip
    except PermissionDenied:
        abort(403)


@bp.route("/import/template.xlsx")
@role_required(*REGISTRANTS)
def import_template() -> ResponseReturnValue:
    return PAGES.template(machine_import.template_xlsx)


@bp.route("/import/commit", methods=["POST"])
@role_required(*REGISTRANTS)
def import_commit() -> ResponseReturnValue:
    scope = current_scope()
    try:
        return PAGES.commit(lambda data, name: machine_import.commit_import(
            db.session, data, name, scope=scope, today=today(), render=render_certificate))  # fmt: skip
    except PermissionDenied:
        abort(403)


def crane_renderers(base_url: str) -> CraneRenderers:
    """The PDF builders the demo seed hashes its certificates and reports with (``flask seed-demo``)."""
    return CraneRenderers(
        certificate=lambda c: certificate_pdf(c, base_url=base_url),
        use_sign=lambda c, u: use_sign_pdf(c, u, base_url=base_url),
        report=lambda r: report_pdf(r, base_url=base_url),
    )
