"""Bulletin pages (issue 21 item 7): request a periodic crane-safety bulletin (built by a background job), watch its
progress, list the finished ones and download their PDFs. Regulators of the province see every bulletin, a city's
regulators their city's; the admin sees all."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.cranes import bulletin as bulletins
from knowledge.cranes.inspection_models import Bulletin
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.regions import City
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.cranes import bp
from webapp.extensions import db
from webapp.forms import EnumSelectField, Form, attach_error

READERS = (Role.REGULATOR, Role.ADMIN)


class BulletinForm(Form):
    period = StringField(
        "通报期间", validators=[DataRequired("请填写通报期间，如 2026Q3、2026-07 或 2026"), Length(max=8)]
    )
    city = EnumSelectField("设区市", City, blank="全省")


def enqueue_bulletin(bulletin_id: int) -> None:
    """Hand the bulletin to the job queue (tests replace this with a direct call)."""
    from webapp.cranes.tasks import build_bulletin

    build_bulletin(bulletin_id)


def bulletin_progress_json(b: Bulletin) -> dict[str, Any]:
    return {"id": b.id, "period": b.period, "city": b.city.value if b.city else None, "done": b.done,
            "total": b.total, "finished": b.finished_at is not None, "error": b.error, "sha256": b.sha256}  # fmt: skip


def _render(form: BulletinForm) -> ResponseReturnValue:
    scope = current_scope()
    return render_template("cranes/bulletins.html", form=form, rows=bulletins.bulletins(db.session, scope),
                           scope_city=scope.city)  # fmt: skip


@bp.route("/bulletins", endpoint="bulletins")
@role_required(*READERS)
def bulletin_list() -> ResponseReturnValue:
    return _render(BulletinForm())


@bp.route("/bulletins/new", methods=["POST"], endpoint="bulletin_request")
@role_required(*READERS)
def bulletin_request() -> ResponseReturnValue:
    form = BulletinForm()
    if form.validate_on_submit():
        try:
            row = bulletins.request_bulletin(db.session, scope=current_scope(), period=form.period.data or "",
                                             city=City(form.city.data) if form.city.data else None, now=clock.now())  # fmt: skip
        except PermissionDenied:
            db.session.rollback()
            abort(403)
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            enqueue_bulletin(row.id)
            flash("通报生成已开始，进度见本页", "success")
            return redirect(url_for("cranes.bulletins"))
    return _render(form)


def _bulletin(bulletin_id: int) -> Bulletin:
    try:
        return bulletins.get_bulletin_for(db.session, current_scope(), bulletin_id)
    except NotFoundError:
        abort(404)


@bp.route("/bulletins/<int:bulletin_id>/progress", endpoint="bulletin_progress")
@role_required(*READERS)
def bulletin_progress(bulletin_id: int) -> ResponseReturnValue:
    return bulletin_progress_json(_bulletin(bulletin_id))


@bp.route("/bulletins/<int:bulletin_id>.pdf", endpoint="bulletin_file")
@role_required(*READERS)
def bulletin_file(bulletin_id: int) -> ResponseReturnValue:
    row = _bulletin(bulletin_id)
    if row.pdf is None:
        abort(404)
    audit.record_read(db.session, actor_id=current_scope().account_id, action="crane_bulletin_pdf",
                      obj=("crane_bulletin", row.id))  # fmt: skip
    name = f"建筑起重机械安全通报-{row.period}{'-' + row.city.label if row.city else ''}.pdf"
    response = send_file(
        io.BytesIO(row.pdf), mimetype="application/pdf", as_attachment=True, download_name=name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
