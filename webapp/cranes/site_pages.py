"""Pages of cranes on sites: installations (notice, acceptance with the parties' signatures, use registration,
dismantling), installers' qualifications, maintenance records, change of owner, and the machine's file."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from knowledge.accounts.models import Role
from knowledge.cranes import machine_file as file_rules
from knowledge.cranes import queries, services, site_acceptance, site_queries, site_services
from knowledge.cranes.certificates import state_of
from knowledge.cranes.models import Machine
from knowledge.cranes.site_models import AcceptanceParty, Installation, JointAcceptance
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.registry.models import Work
from webapp.auth import current_scope, role_required
from webapp.cranes import bp
from webapp.cranes.pages import READERS, render_certificate, render_use_sign, today
from webapp.cranes.site_forms import (
    DismantleForm,
    NoticeForm,
    OwnerForm,
    QualificationForm,
    RecordForm,
    SignForm,
)
from webapp.extensions import db
from webapp.forms import Form, attach_error

TEAMS = (Role.PROJECT_TEAM, Role.ADMIN)
REPORT_ENDPOINT = "cranes.report_detail"  # the inspection area's page of one report


def _refused(exc: DomainError) -> None:
    db.session.rollback()
    if isinstance(exc, PermissionDenied):
        abort(403)


def _installation(installation_id: int) -> Installation:
    try:
        return site_queries.get_installation_for(db.session, current_scope(), installation_id)
    except NotFoundError:
        abort(404)


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


@bp.route("/installations")
@role_required(*READERS)
def site_installations() -> ResponseReturnValue:
    open_only = request.args.get("open") == "1"
    page = site_queries.installations_page(db.session, current_scope(), open_only=open_only, page=_page_arg())
    return render_template("cranes/site_list.html", page=page, open_only=open_only,
                           may_notify=current_scope().role in TEAMS)  # fmt: skip


@bp.route("/installations/new", methods=["GET", "POST"])
@role_required(*TEAMS)
def site_notice() -> ResponseReturnValue:
    scope = current_scope()
    works = site_queries.erection_works(db.session, scope)
    form = NoticeForm()
    form.work_id.choices = [
        SelectChoice(w.id, f"{w.project.name} / {w.name}（{w.status.label}）") for w in works
    ]
    if form.validate_on_submit():
        try:
            installation = site_services.file_installation_notice(
                db.session, _notice_input(form, works), scope=scope, today=today()
            )
        except DomainError as exc:
            _refused(exc)
            attach_error(form, exc)
        else:
            flash("安装告知已办理", "success")
            return redirect(url_for("cranes.site_installation", installation_id=installation.id))
    return render_template("cranes/site_notice.html", form=form, is_admin=scope.role is Role.ADMIN)


def _notice_input(form: NoticeForm, works: list[Work]) -> site_services.NoticeInput:
    session = db.session
    work = next(w for w in works if w.id == form.work_id.data)  # the select field took only these

    def code(value: str | None, label: str, field: str) -> int | None:
        if not (value or "").strip():
            return None
        return site_services.enterprise_id_by_code(session, value or "", label=label, field=field)

    return site_services.NoticeInput(
        registration_number=form.registration_number.data or "", project_id=work.project_id, work_id=work.id,
        user_id=code(form.user_credit_code.data, "使用单位", "user_credit_code") or 0,
        planned_install_on=form.planned_install_on.data, position=form.position.data or "",
        maintainer_id=code(form.maintainer_credit_code.data, "维保单位", "maintainer_credit_code"),
        installer_id=code(form.installer_credit_code.data, "安装单位", "installer_credit_code"),
    )  # fmt: skip


@bp.route("/installations/<int:installation_id>")
@role_required(*READERS)
def site_installation(installation_id: int) -> ResponseReturnValue:
    installation = _installation(installation_id)
    return _render_installation(installation)


def _render_installation(installation: Installation, **forms: Form) -> str:
    scope, session = current_scope(), db.session
    signs = {r.id: site_acceptance.use_sign_of(session, r) for r in installation.use_registrations}
    return render_template(
        "cranes/site_installation.html", installation=installation, parties=site_queries.party_ids(installation),
        party_labels={p: p.label for p in AcceptanceParty}, my_parties=site_queries.parties_of_scope(scope, installation),
        report=site_queries.latest_report(session, installation_id=installation.id), action_form=Form(),
        sign_form=forms.get("sign_form") or SignForm(), dismantle_form=forms.get("dismantle_form") or DismantleForm(),
        is_user=scope.role is Role.PROJECT_TEAM and scope.enterprise_id == installation.user_id,
        may_dismantle=scope.role is Role.PROJECT_TEAM, signs=signs, state_of=state_of,
        complete=site_acceptance.complete_acceptance(installation),
    )  # fmt: skip


def _act(installation_id: int, action: str) -> ResponseReturnValue:
    installation = _installation(installation_id)
    if not Form().validate_on_submit():
        abort(400)
    scope = current_scope()
    try:
        if action == "open":
            site_acceptance.open_acceptance(db.session, installation, scope=scope, today=today())
            flash("联合验收已发起，请各方签字", "success")
        else:
            registration = site_acceptance.register_use(db.session, installation, scope=scope, today=today(),
                                                        render=render_use_sign)  # fmt: skip
            flash(f"使用登记完成，登记编号 {registration.number}", "success")
    except DomainError as exc:
        _refused(exc)
        flash(str(exc), "danger")
    return redirect(url_for("cranes.site_installation", installation_id=installation_id))


@bp.route("/installations/<int:installation_id>/acceptance", methods=["POST"])
@role_required(*TEAMS)
def site_open_acceptance(installation_id: int) -> ResponseReturnValue:
    return _act(installation_id, "open")


@bp.route("/installations/<int:installation_id>/use-registration", methods=["POST"])
@role_required(Role.PROJECT_TEAM)
def site_register_use(installation_id: int) -> ResponseReturnValue:
    return _act(installation_id, "register")


@bp.route("/acceptances/<int:acceptance_id>/sign", methods=["POST"])
@role_required(Role.PROJECT_TEAM)
def site_sign(acceptance_id: int) -> ResponseReturnValue:
    acceptance = db.session.get(JointAcceptance, acceptance_id)
    if acceptance is None:
        abort(404)
    installation = _installation(acceptance.installation_id)
    form = SignForm()
    if form.validate_on_submit():
        try:
            site_acceptance.sign_acceptance(
                db.session, acceptance, AcceptanceParty(form.party.data), signer_name=form.signer_name.data or "",
                opinion=form.opinion.data or "", scope=current_scope(), today=today(),
            )  # fmt: skip
        except DomainError as exc:
            _refused(exc)
            attach_error(form, exc)
        else:
            flash("已签字", "success")
            return redirect(url_for("cranes.site_installation", installation_id=installation.id))
    return _render_installation(installation, sign_form=form), 422


@bp.route("/installations/<int:installation_id>/dismantle", methods=["POST"])
@role_required(Role.PROJECT_TEAM)
def site_dismantle(installation_id: int) -> ResponseReturnValue:
    installation = _installation(installation_id)
    form = DismantleForm()
    if form.validate_on_submit():
        try:
            site_services.dismantle(db.session, installation, planned_on=form.planned_on.data,
                                    scope=current_scope(), today=today())  # fmt: skip
        except DomainError as exc:
            _refused(exc)
            attach_error(form, exc)
        else:
            flash("拆卸告知已办理，本次安装结束", "success")
            return redirect(url_for("cranes.site_installation", installation_id=installation.id))
    return _render_installation(installation, dismantle_form=form), 422


@bp.route("/qualifications", methods=["GET", "POST"])
@role_required(*READERS)
def qualifications() -> ResponseReturnValue:
    scope = current_scope()
    may_record = scope.role in (Role.ADMIN, Role.REGULATOR)
    form = QualificationForm()
    if request.method == "POST":
        if not may_record:
            abort(403)
        if form.validate_on_submit():
            try:
                site_services.record_qualification(db.session, form.to_input(), scope=scope)
            except DomainError as exc:
                _refused(exc)
                attach_error(form, exc)
            else:
                flash("安装资质已登记", "success")
                return redirect(url_for("cranes.qualifications"))
    rows = site_queries.qualifications(db.session, scope)
    return render_template("cranes/site_qualifications.html", form=form, rows=rows, may_record=may_record)


@bp.route("/<int:machine_id>/records/new", methods=["GET", "POST"])
@role_required(Role.PROJECT_TEAM)
def machine_records(machine_id: int) -> ResponseReturnValue:
    scope = current_scope()
    machine = _file_machine(machine_id)
    if scope.enterprise_id not in site_services.record_parties(db.session, machine):
        abort(403)
    form = RecordForm()
    if form.validate_on_submit():
        try:
            site_services.add_record(db.session, machine, form.to_input(), scope=scope, today=today())
        except DomainError as exc:
            _refused(exc)
            attach_error(form, exc)
        else:
            flash("记录已添加到机械档案", "success")
            return redirect(url_for("cranes.machine_file", machine_id=machine.id))
    return render_template("cranes/site_record.html", form=form, machine=machine)


def _file_machine(machine_id: int) -> Machine:
    try:
        return site_queries.get_file_machine_for(db.session, current_scope(), machine_id)
    except NotFoundError:
        abort(404)


@bp.route("/<int:machine_id>/owner", methods=["GET", "POST"])
@role_required(*TEAMS)
def change_owner(machine_id: int) -> ResponseReturnValue:
    scope = current_scope()
    try:
        machine = queries.get_machine_for(db.session, scope, machine_id)
    except NotFoundError:
        abort(404)
    form = OwnerForm()
    if form.validate_on_submit():
        try:
            registration = services.change_owner(
                db.session, machine, form.owner_credit_code.data or "", scope=scope, today=today(),
                render=render_certificate, assessment=form.assessment(),
            )  # fmt: skip
        except DomainError as exc:
            _refused(exc)
            attach_error(form, exc)
        else:
            flash(f"产权变更完成（第{registration.seq}次备案），已发放新的产权备案证明", "success")
            return redirect(url_for("cranes.detail", machine_id=machine.id))
    return render_template("cranes/site_owner.html", form=form, machine=machine)


@bp.route("/<int:machine_id>/file")
@role_required(*READERS)
def machine_file(machine_id: int) -> ResponseReturnValue:
    try:
        found = file_rules.machine_file(db.session, current_scope(), machine_id)
    except NotFoundError:
        abort(404)
    return render_template("cranes/file.html", file=found, report_url=_report_url)


def _report_url(report_id: int) -> str | None:
    """The inspection area's page of a report (``cranes.report_detail``), when that area is present."""
    if REPORT_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(REPORT_ENDPOINT, crane_report_id=report_id)
