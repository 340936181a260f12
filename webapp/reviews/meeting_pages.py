"""The meeting on the review page (issue 17): its place and time, each expert's check-in, the leader the panel
chooses (or the office designates), absences the organiser reports and the office confirms, and the organiser's
meeting record. The rules are in expert_pool (``reviews.attendance``, ``draws.arrangement``)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from expert_pool.draws import arrangement
from expert_pool.policy import pool_policy
from expert_pool.reviews import attendance
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews.models import AbsenceStatus, Review
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.clock import CST
from knowledge.errors import DomainError, ValidationError
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.confirmation import confirm_page, is_confirmed
from webapp.extensions import db
from webapp.reviews import bp, require_form, review_or_404
from webapp.reviews.parse import attendees_from, date_from, ids_from

OFFICE = (Role.DRAW_OFFICE, Role.ADMIN)


def meeting_context(review: Review, acc: reviews.Access, scope: Scope, now: datetime) -> dict[str, Any]:
    """What the meeting section (``reviews/_meeting.html``) shows to this account."""
    present = reviews.present_ids(db.session, review)
    me = scope.expert_id if acc.member else None
    absences = attendance.absences(db.session, review)
    votes = attendance.votes_of(db.session, review)
    open_ = not review.reports
    started = now >= reviews.start_of(review)
    office = scope.role in OFFICE
    return {
        "where": arrangement.of_root(review.draw), "may_arrange": open_ and not started
        and arrangement.may_arrange(scope, review.draw),
        "attendance": attendance.attendance_of(db.session, review), "votes": votes,
        "vote_counts": {c: list(votes.values()).count(c) for c in set(votes.values())},
        "my_vote": votes.get(me) if me else None,
        "may_check_in": bool(me and open_ and started and me not in present
                             and now.astimezone(CST).date() == review.meeting_day),
        "may_vote": bool(me and open_ and me in present and not pool_policy(db.session).leader_by_office),
        "may_designate": office and open_ and started and pool_policy(db.session).leader_by_office,
        "may_record_presence": office and open_ and started,
        "may_report_absence": acc.record_meeting and open_ and started,
        "absences": absences, "absent_of": {a.expert_id: a for a in absences},
        "may_decide_absence": attendance.may_decide_absence(db.session, scope, review),
        "pending_absences": [a for a in absences if a.status is AbsenceStatus.PENDING],
        "attendee_rows": attendance.attendee_rows(review),
    }  # fmt: skip


def _back(review: Review, anchor: str = "meeting") -> ResponseReturnValue:
    return redirect(url_for("reviews.detail", review_id=review.id) + f"#{anchor}")


def _fail(exc: DomainError, review: Review) -> ResponseReturnValue:
    db.session.rollback()
    flash(str(exc), "danger")
    return _back(review)


def _expert_id(field: str = "expert_id") -> int:
    ids = ids_from([request.form.get(field, "")])
    if not ids:
        raise ValidationError("请选择专家", field=field)
    return ids[0]


@bp.route("/<int:review_id>/meeting", methods=["POST"])
@role_required(Role.PROJECT_TEAM, Role.DRAW_OFFICE)
def meeting(review_id: int) -> ResponseReturnValue:
    """The organiser's record: place, date, attendees (the experts are listed by their check-ins)."""
    review, acc = review_or_404(review_id)
    require_form()
    try:
        reviews.record_meeting(
            db.session, review, scope=current_scope(), place=request.form.get("place", ""),
            held_on=date_from(request.form.get("held_on", "")), attendees=attendees_from(request.form),
            now=clock.now(),
        )  # fmt: skip
    except DomainError as exc:
        return _fail(exc, review)
    flash("论证会记录已保存", "success")
    return _back(review)


@bp.route("/<int:review_id>/check-in", methods=["POST"])
@role_required(Role.EXPERT)
def check_in(review_id: int) -> ResponseReturnValue:
    review, acc = review_or_404(review_id)
    require_form()
    scope = current_scope()
    try:
        attendance.check_in(
            db.session, review, scope.expert_id or 0, now=clock.now(), actor_id=scope.account_id
        )
    except DomainError as exc:
        return _fail(exc, review)
    flash("您已签到", "success")
    return _back(review)


@bp.route("/<int:review_id>/attendance", methods=["POST"])
@role_required(*OFFICE)
def record_presence(review_id: int) -> ResponseReturnValue:
    review, acc = review_or_404(review_id)
    require_form()
    try:
        attendance.record_presence(db.session, review, _expert_id(), scope=current_scope(), now=clock.now())
    except DomainError as exc:
        return _fail(exc, review)
    flash("已登记该专家到会", "success")
    return _back(review)


@bp.route("/<int:review_id>/leader", methods=["POST"])
@role_required(Role.EXPERT, *OFFICE)
def leader(review_id: int) -> ResponseReturnValue:
    """A present expert's choice of leader; where the policy says so, the office's designation."""
    review, acc = review_or_404(review_id)
    require_form()
    scope, now = current_scope(), clock.now()
    try:
        candidate = _expert_id("leader")
        if scope.role is Role.EXPERT:
            attendance.vote_leader(db.session, review, scope.expert_id or 0, candidate, now=now)
        else:
            attendance.designate_leader(db.session, review, candidate, scope=scope, now=now)
    except DomainError as exc:
        return _fail(exc, review)
    db.session.refresh(review)
    flash(
        "组长已确定" if review.leader_expert_id else "已推选，过半数到会专家推选同一人后即为组长", "success"
    )
    return _back(review)


@bp.route("/<int:review_id>/absences", methods=["POST"])
@role_required(Role.PROJECT_TEAM, Role.DRAW_OFFICE)
def report_absence(review_id: int) -> ResponseReturnValue:
    review, acc = review_or_404(review_id)
    require_form()
    try:
        attendance.report_absence(db.session, review, _expert_id(), note=request.form.get("note", ""),
                                  scope=current_scope(), now=clock.now())  # fmt: skip
    except DomainError as exc:
        return _fail(exc, review)
    flash("缺席报告已提交，待抽取办公室核实后方记入专家信用", "success")
    return _back(review)


@bp.route("/<int:review_id>/absences/<int:absence_id>", methods=["POST"])
@role_required(Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)
def decide_absence(review_id: int, absence_id: int) -> ResponseReturnValue:
    """The office confirms (after the confirmation step: a credit event) or rejects a reported absence."""
    review, acc = review_or_404(review_id)
    require_form()
    confirm = request.form.get("decision") == "confirm"
    try:
        report = attendance.get_absence(db.session, review, absence_id)
        if confirm and not is_confirmed():
            name = report.expert.name
            return confirm_page(
                title=f"核实缺席：{name}", back_url=url_for("reviews.detail", review_id=review.id) + "#meeting",
                consequences=[f"{name}将被记为无故缺席本次论证会，并记入其信用记录（扣分，按信用政策）。",
                              "专家本人可对该信用记录提出申诉；申诉成立的，该记录被撤销。"],
                button="确认缺席",
            )  # fmt: skip
        attendance.decide_absence(db.session, review, report, confirm=confirm, note=request.form.get("note", ""),
                                  scope=current_scope(), now=clock.now())  # fmt: skip
    except DomainError as exc:
        return _fail(exc, review)
    flash("已核实缺席，已记入专家信用记录" if confirm else "已驳回缺席报告", "success")
    return _back(review)


@bp.route("/<int:review_id>/arrangement", methods=["POST"])
@role_required(Role.PROJECT_TEAM, *OFFICE)
def change_arrangement(review_id: int) -> ResponseReturnValue:
    """Move the meeting's place or start before it begins; the panel is told."""
    review, acc = review_or_404(review_id)
    require_form()
    try:
        raw = request.form.get("start_time", "").strip()
        try:
            start = time.fromisoformat(raw) if raw else None
        except ValueError:
            raise ValidationError("请填写开始时间（HH:MM）", field="start_time") from None
        arrangement.change_arrangement(db.session, review.draw, scope=current_scope(),
                                       place=request.form.get("place", ""), start=start, now=clock.now())  # fmt: skip
    except DomainError as exc:
        return _fail(exc, review)
    flash("会议地点和时间已更新，并已通知专家", "success")
    return _back(review)
