"""Pages of the crane register: list, registration, a machine's page, certificate PDF, revocation, public check."""

from __future__ import annotations

import hashlib
import io
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from expert_pool.pdf.crane_certificate_pdf import certificate_pdf
from expert_pool.pdf.crane_use_sign_pdf import use_sign_pdf
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.cranes import certificates, queries, services, site_queries
from knowledge.cranes.certificates import state_of
from knowledge.cranes.errors import CertificateError
from knowledge.cranes.machines import MachineType
from knowledge.cranes.models import Certificate
from knowledge.cranes.queries import MachineState
from knowledge.cranes.site_models import UseRegistration
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.regions import City
from webapp.auth import current_scope, role_required
from webapp.clock import now
from webapp.cranes import bp
from webapp.cranes.forms import MachineForm, RevokeForm
from webapp.extensions import db
from webapp.forms import attach_error

READERS = (Role.PROJECT_TEAM, Role.REGULATOR, Role.ADMIN)
REGISTRANTS = (Role.PROJECT_TEAM, Role.ADMIN)
CODE_ECHO_MAX = 64


def today() -> date:
    return now().astimezone(CST).date()


def render_certificate(certificate: Certificate) -> bytes:
    return certificate_pdf(certificate, base_url=current_app.config["PUBLIC_BASE_URL"])


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


@bp.route("/")
@role_required(*READERS)
def index() -> ResponseReturnValue:
    found, errors = queries.parse_filter(request.args)
    page = queries.filtered_page(db.session, current_scope(), found, on=today(), page=_page_arg())
    states = queries.states_of(db.session, [m.id for m in page.items])
    filter_args = {k: v for k, v in request.args.items() if k in queries.FILTER_KEYS and v}
    return render_template(
        "cranes/index.html", page=page, types=list(MachineType), cities=list(City), machine_states=list(MachineState),
        f=found, errors=errors, states=states, filter_args=filter_args,
        may_register=current_scope().role in REGISTRANTS,
    )  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@role_required(*REGISTRANTS)
def register() -> ResponseReturnValue:
    form = MachineForm()
    if form.validate_on_submit():
        try:
            machine = services.register_machine_and_ownership(
                db.session, form.to_input(), scope=current_scope(), today=today(), render=render_certificate
            )
        except DomainError as exc:
            db.session.rollback()
            if isinstance(exc, PermissionDenied):
                abort(403)
            attach_error(form, exc)
        else:
            flash(f"产权备案完成，备案编号 {machine.registration_number}", "success")
            return redirect(url_for("cranes.detail", machine_id=machine.id))
    return render_template("cranes/register.html", form=form, is_admin=current_scope().role is Role.ADMIN)


@bp.route("/<int:machine_id>")
@role_required(*READERS)
def detail(machine_id: int) -> ResponseReturnValue:
    try:
        machine = queries.get_machine_for(db.session, current_scope(), machine_id)
    except NotFoundError:
        abort(404)
    return render_template(
        "cranes/detail.html", machine=machine, state_of=state_of, revoke_form=RevokeForm(),
        may_revoke=services.may_revoke(current_scope(), machine),
    )  # fmt: skip


def _certificate(certificate_id: int) -> Certificate:
    try:
        return queries.get_certificate_for(db.session, current_scope(), certificate_id)
    except NotFoundError:
        abort(404)


def render_use_sign(certificate: Certificate, registration: UseRegistration) -> bytes:
    return use_sign_pdf(certificate, registration, base_url=current_app.config["PUBLIC_BASE_URL"])


@bp.route("/certificates/<int:certificate_id>.pdf")
@role_required(*READERS)
def certificate_file(certificate_id: int) -> ResponseReturnValue:
    """Either kind: the ownership certificate, or a use-registration sign (seen through its installation too)."""
    try:
        certificate = site_queries.get_certificate_for(db.session, current_scope(), certificate_id)
    except NotFoundError:
        abort(404)
    use = site_queries.use_registration_of(db.session, certificate)
    data = render_use_sign(certificate, use) if use else render_certificate(certificate)
    if not certificate.sha256:  # a bulk-loaded certificate gets its fingerprint when its PDF is first made
        certificate.sha256 = hashlib.sha256(data).hexdigest()
    audit.record_read(db.session, actor_id=current_scope().account_id, action="crane_certificate_pdf",
                      obj=("crane_certificate", certificate.id))  # fmt: skip
    number = use.number if use else certificate.registration.number
    name = f"{'使用登记标志' if use else '产权备案证明'}-{number}-{certificate.verify_code}.pdf"
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@role_required(Role.REGULATOR)
def revoke(certificate_id: int) -> ResponseReturnValue:
    certificate = _certificate(certificate_id)
    machine_id = certificate.registration.machine_id
    form = RevokeForm()
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors) or "请填写撤销原因", "danger")
        return redirect(url_for("cranes.detail", machine_id=machine_id))
    try:
        services.revoke_certificate(
            db.session, certificate, form.reason.data, scope=current_scope(), today=today()
        )
    except DomainError as exc:
        db.session.rollback()
        if isinstance(exc, PermissionDenied):
            abort(403)
        flash(str(exc), "danger")
    else:
        flash("证书已撤销", "success")
    return redirect(url_for("cranes.detail", machine_id=machine_id))


@bp.route("/verify")
def verify_form() -> ResponseReturnValue:
    """Public: type the code printed on a certificate; a well-formed code goes on to its verification page."""
    raw = request.args.get("code", "")
    if not raw.strip():
        return render_template("cranes/verify.html", verdict=None, error=None, code="")
    try:
        code = certificates.normalise_code(raw)
    except CertificateError as exc:
        return render_template(
            "cranes/verify.html", verdict=None, error=str(exc), code=raw[:CODE_ECHO_MAX]
        ), 400
    return redirect(url_for("cranes.verify", code=code))


@bp.route("/verify/<code>")
def verify(code: str) -> ResponseReturnValue:
    """Public, no sign-in: is the certificate with this code current, superseded or revoked?"""
    try:
        verdict = certificates.verify_code(db.session, code)
    except (CertificateError, NotFoundError) as exc:
        status = 400 if isinstance(exc, CertificateError) else 404
        return render_template(
            "cranes/verify.html", verdict=None, error=str(exc), code=code[:CODE_ECHO_MAX]
        ), status
    return render_template(
        "cranes/verify.html", verdict=verdict, error=None, code=verdict.certificate.verify_code
    )
