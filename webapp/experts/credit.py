"""Credit pages (DOMAIN 6): an expert's ledger and standing, events recorded by regulators, upheld appeals, ranking."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from expert_pool.credit import ledger
from expert_pool.credit import rules as credit
from expert_pool.credit.ledger import credit_policy
from expert_pool.experts.scopes import CREDIT_ROLES, may_manage_expert
from knowledge.accounts.models import Role
from knowledge.db import utcnow
from knowledge.errors import DomainError, NotFoundError, PermissionDenied, ValidationError
from webapp.auth import current_account, current_scope, role_required
from webapp.experts import READERS, bp, expert_or_404
from webapp.extensions import db
from webapp.forms import Form

RECORDERS = CREDIT_ROLES


def _today() -> date:
    return utcnow().date()


@bp.route("/<int:expert_id>/credit")
@role_required(*READERS)
def credit_page(expert_id: int) -> ResponseReturnValue:
    expert = expert_or_404(expert_id)
    return render_template("experts/credit.html", expert=expert, rows=ledger.ledger_rows(db.session, expert.id),
                           standing=ledger.standing(db.session, expert.id, today=_today()), form=Form(),
                           kinds=ledger.RECORDED_BY_REGULATORS, labels=credit.EVENT_LABELS,
                           can_record=current_account().role in RECORDERS
                           and may_manage_expert(current_scope(), expert), today=_today(),
                           appeals=ledger.appeals_of(db.session, expert.id), is_own=False,
                           credit_rules=credit_policy(db.session))  # fmt: skip


@bp.route("/me/credit")
@role_required(Role.EXPERT)
def my_credit() -> ResponseReturnValue:
    expert_id = current_account().expert_id
    if expert_id is None:
        abort(403)
    expert = expert_or_404(expert_id)
    return render_template("experts/credit.html", expert=expert, rows=ledger.ledger_rows(db.session, expert.id),
                           standing=ledger.standing(db.session, expert.id, today=_today()), form=Form(), kinds=(),
                           labels=credit.EVENT_LABELS, can_record=False, today=_today(),
                           appeals=ledger.appeals_of(db.session, expert.id), is_own=True,
                           credit_rules=credit_policy(db.session))  # fmt: skip


@bp.route("/<int:expert_id>/credit", methods=["POST"])
@role_required(*RECORDERS)
def record_credit(expert_id: int) -> ResponseReturnValue:
    expert = expert_or_404(expert_id)
    if not Form().validate_on_submit():
        abort(400)
    try:
        kind = credit.EventKind(request.form.get("kind", ""))
        if kind not in ledger.RECORDED_BY_REGULATORS:
            raise ValueError
        day = date.fromisoformat(request.form.get("day", ""))
        raw_points = request.form.get("points", "").strip()
        points = int(raw_points) if raw_points else None
    except ValueError:
        flash("请选择记录类型、填写日期（YYYY-MM-DD），扣分须为整数", "danger")
        return redirect(url_for("experts.credit_page", expert_id=expert.id))
    try:
        ledger.record_by(db.session, current_scope(), expert.id, kind, day=day,
                         reason=request.form.get("reason", ""), points=points)  # fmt: skip
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash("信用记录已登记", "success")
    return redirect(url_for("experts.credit_page", expert_id=expert.id))


@bp.route("/credit/<int:event_id>/reverse", methods=["POST"])
@role_required(*RECORDERS)
def reverse_credit(event_id: int) -> ResponseReturnValue:
    if not Form().validate_on_submit():
        abort(400)
    try:
        row = ledger.appeal_upheld(db.session, event_id, day=_today(), reason=request.form.get("reason", ""),
                                   scope=current_scope())  # fmt: skip
    except NotFoundError:
        abort(404)
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(request.referrer or url_for("experts.index"))
    flash("申诉成立，已撤销该信用记录", "success")
    return redirect(url_for("experts.credit_page", expert_id=row.expert_id))


@bp.route("/credit/ranking")
@role_required(*READERS)
def credit_ranking() -> ResponseReturnValue:
    today, error = _today(), None
    try:
        period = credit.period_of(request.args.get("year", "")[:16], today=today)
    except ValidationError as exc:
        period, error = credit.trailing_year(today), f"{exc}；下面显示近12个月的排名"
    return render_template("experts/ranking.html", rows=ledger.ranking(db.session, period=period, today=today),
                           appeals=ledger.pending_appeals(db.session), period=period, today=today, error=error,
                           as_of=min(period.end, today), years=ledger.ranking_years(db.session, today=today))  # fmt: skip


@bp.route("/me/credit/<int:event_id>/appeal", methods=["POST"])
@role_required(Role.EXPERT)
def appeal(event_id: int) -> ResponseReturnValue:
    account = current_account()
    if not Form().validate_on_submit() or account.expert_id is None:
        abort(400)
    try:
        ledger.file_appeal(db.session, account.expert_id, event_id, request.form.get("reason", ""),
                           actor_id=account.id)  # fmt: skip
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash("申诉已提交，等待主管部门处理", "success")
    return redirect(url_for("experts.my_credit"))


@bp.route("/appeals/<int:appeal_id>/decide", methods=["POST"])
@role_required(*RECORDERS)
def decide_appeal(appeal_id: int) -> ResponseReturnValue:
    if not Form().validate_on_submit():
        abort(400)
    decision = request.form.get("decision", "")
    if decision not in ("upheld", "rejected"):
        abort(400)
    try:
        decided = ledger.decide_appeal(db.session, appeal_id, upheld=decision == "upheld",
                                       note=request.form.get("note", ""), day=_today(),
                                       scope=current_scope())  # fmt: skip
    except NotFoundError:
        abort(404)
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("experts.credit_ranking"))
    flash("申诉成立，已撤销该信用记录" if decision == "upheld" else "已驳回申诉", "success")
    return redirect(url_for("experts.credit_page", expert_id=decided.expert_id))
