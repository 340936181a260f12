"""Sweep pages (issue 20 item 4): the sweeps a regulator may see with the form to open one, and one sweep's
coverage per city and category with the works and enterprises it has not reached yet."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from knowledge.accounts.models import Role
from knowledge.errors import DomainError, NotFoundError
from knowledge.regions import City
from knowledge.registry.rules import catalogue
from knowledge.site import sweep_services
from knowledge.site.inspection_models import Sweep
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.forms import Form, attach_error
from webapp.site import bp

CATEGORY_LABELS = {c.code: c.label for c in catalogue()}


class SweepForm(Form):
    name = StringField("轮次名称", validators=[DataRequired("请填写排查轮次名称"), Length(max=100)])
    starts_on = DateField("开始日期", validators=[DataRequired("请填写开始日期")])
    ends_on = DateField("结束日期", validators=[DataRequired("请填写结束日期")])
    city = SelectField(
        "范围", choices=[SelectChoice("", "全省"), *(SelectChoice(c.value, c.label) for c in City)]
    )

    def to_input(self) -> sweep_services.SweepInput:
        return sweep_services.SweepInput(self.name.data or "", self.starts_on.data, self.ends_on.data,
                                         City(self.city.data) if self.city.data else None)  # fmt: skip


def page_arg(name: str) -> int:
    raw = request.args.get(name, "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 1


def _index(form: SweepForm) -> str:
    scope = current_scope()
    page = sweep_services.sweeps(db.session, scope, page=page_arg("page"))
    return render_template("site/sweeps.html", page=page, form=form, scope_city=scope.city)


@bp.route("/sweeps", endpoint="sweeps")
@role_required(Role.REGULATOR)
def sweeps_page() -> ResponseReturnValue:
    form = SweepForm()
    if current_scope().city is not None:
        form.city.data = current_scope().city.value  # type: ignore[union-attr]
    return _index(form)


@bp.route("/sweeps/new", methods=["POST"], endpoint="open_sweep")
@role_required(Role.REGULATOR)
def open_sweep() -> ResponseReturnValue:
    form = SweepForm()
    if form.validate_on_submit():
        try:
            sweep = sweep_services.open_sweep(db.session, form.to_input(), scope=current_scope())
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash("排查轮次已开启", "success")
            return redirect(url_for("site.sweep_detail", sweep_id=sweep.id))
    return _index(form), 422


def sweep_or_404(sweep_id: int) -> Sweep:
    try:
        return sweep_services.get_sweep_for(db.session, current_scope(), sweep_id)
    except NotFoundError:
        abort(404)


@bp.route("/sweeps/<int:sweep_id>", endpoint="sweep_detail")
@role_required(Role.REGULATOR)
def sweep_detail(sweep_id: int) -> ResponseReturnValue:
    sweep = sweep_or_404(sweep_id)
    city = sweep_services.area_of(sweep, current_scope())
    cov = sweep_services.coverage(db.session, sweep, city=city)
    works = sweep_services.works_left_page(db.session, sweep, city=city, page=page_arg("works_page"))
    enterprises = sweep_services.enterprises_left_page(
        db.session, sweep, city=city, page=page_arg("ent_page")
    )
    return render_template(
        "site/sweep_detail.html", sweep=sweep, cov=cov, works=works, enterprises=enterprises, area=city,
        city_labels={c.value: c.label for c in City}, category_labels=CATEGORY_LABELS,
    )  # fmt: skip


from webapp.site import cli, flag_pages  # noqa: E402,F401
