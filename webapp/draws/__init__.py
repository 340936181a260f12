"""Draw pages: request a draw, read its record (sealed for the project team), verify it; experts' invitations."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from expert_pool.conflicts import store as conflict_store
from expert_pool.draws import arrangement, contact_view, invitations, short_panel
from expert_pool.draws import services as draws
from expert_pool.draws.models import Draw, HalfDay, Seat, SeatStatus
from expert_pool.draws.panel import algorithm_name
from expert_pool.draws.reveal import reveal_names, seed_visible
from expert_pool.errors import DrawError
from expert_pool.experts import queries
from expert_pool.policy import pool_policy
from expert_pool.reviews import meetings
from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.registry import queries as work_queries
from knowledge.registry.models import Work
from webapp import clock
from webapp.auth import current_account, current_scope, role_required
from webapp.confirmation import confirm_page, is_confirmed
from webapp.experts import vault as contact_vault
from webapp.extensions import db
from webapp.forms import Form

bp = Blueprint("draws", __name__, url_prefix="/draws")
OFFICE = (Role.DRAW_OFFICE, Role.ADMIN)
READERS = (Role.DRAW_OFFICE, Role.ADMIN, Role.REGULATOR, Role.PROJECT_TEAM)


def _work(work_id: int) -> Work:
    try:
        return work_queries.get_work_for(db.session, current_scope(), work_id)
    except NotFoundError:
        abort(404)


@bp.route("/works/<int:work_id>/new", methods=["POST"])
@role_required(*OFFICE)
def create(work_id: int) -> ResponseReturnValue:
    """Draw the panel, once the office has seen what will happen (the confirmation step, no JavaScript)."""
    work = _work(work_id)
    form = Form()
    back = url_for("works.detail", work_id=work.id)
    try:
        day = date.fromisoformat(request.form.get("meeting_day", ""))
        half = HalfDay(request.form.get("half_day", ""))
        raw_start = request.form.get("start_time", "").strip()
        start = time.fromisoformat(raw_start) if raw_start else None
    except ValueError:
        flash("请填写论证会日期（YYYY-MM-DD）、开始时间（HH:MM）并选择上午或下午", "danger")
        return redirect(back)
    if not form.validate_on_submit():
        abort(400)
    place, now = request.form.get("place", ""), clock.now()
    try:
        if not is_confirmed():
            draws.check_drawable(db.session, work, day, today=now.astimezone(CST).date())
            where = arrangement.clean(half, place, start, require_place=True)
            return _confirm_draw(work, day, half, where, back)
        draw = draws.request_draw(db.session, work, day, half, actor_id=current_account().id, now=now,
                                  place=place, start=start)  # fmt: skip
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back)
    flash(f"抽取完成，种子哈希 {draw.seed_hash[:16]}…，已向{len(draw.seated)}名专家发出邀请", "success")
    return redirect(url_for("draws.detail", draw_id=draw.id))


def _confirm_draw(
    work: Work, day: date, half: HalfDay, where: arrangement.Arrangement, back: str
) -> ResponseReturnValue:
    panel = draws.panel_policy(work, pool_policy(db.session))
    return confirm_page(
        title=f"确认抽取论证专家：{work.name}",
        consequences=[
            f"论证会：{day.isoformat()} {half.label} {where.start_time:%H:%M} 开始，地点：{where.place}。",
            f"将从专家库随机抽取{panel.panel_size}名论证专家和{panel.alternates}名候补专家。",
            "抽取记录（含随机种子和候选名单）写入哈希链，不能撤销，也不能重新抽取。",
            "抽取后立即向入选专家发出邀请（含会议时间和地点），项目单位在名单揭示前看不到专家姓名。",
        ],
        back_url=back, button="确认抽取",
    )  # fmt: skip


@bp.route("/<int:draw_id>")
@role_required(*READERS)
def detail(draw_id: int) -> ResponseReturnValue:
    draw = db.session.get(Draw, draw_id)
    if draw is None:
        abort(404)
    work = _work(draw.work_id)
    account, now = current_account(), clock.now()
    show_names = reveal_names(db.session, draw, role=account.role, account_id=account.id, now=now)
    apart = [tuple(p) for p in (draw.funnel or {}).get("apart", [])]
    experts = queries.experts_by_id(
        db.session, [s.expert_id for s in draw.seats] + [i for p in apart for i in p]
    )
    confirmed = sum(1 for s in draw.seats if s.status is SeatStatus.CONFIRMED)
    is_office = account.role in (*OFFICE, Role.REGULATOR)
    contactable = {s.id for s in draw.seats if contact_view.may_view_contact(current_scope(), s)}
    meeting = draws.draws_of_meeting(db.session, draw) if is_office else []
    return render_template("draws/detail.html", draw=draw, work=work, show_names=show_names, experts=experts,
                           contactable=contactable, form=Form(), meeting=meeting, short=_short(draw, now),
                           confirmed=confirmed, is_office=is_office, apart=apart, show_seed=seed_visible(draw, now),
                           algorithm=algorithm_name(draw.algorithm),
                           verification=draws.verify(db.session, draw) if is_office else None)  # fmt: skip


def _short(draw: Draw, now: datetime) -> short_panel.Shortfall | None:
    """What the top-up form offers: the meeting's missing seats, when this account may fill them now."""
    if not short_panel.may_top_up(current_scope(), draw.work.city):
        return None
    try:
        return short_panel.check_top_up(db.session, draw, scope=current_scope(), now=now)
    except DomainError:
        return None


@bp.route("/<int:draw_id>/top-up", methods=["POST"])
@role_required(*OFFICE)
def top_up(draw_id: int) -> ResponseReturnValue:
    """Draw the seats a short panel lacks (the automatic top-up could not), once the office has confirmed."""
    draw = db.session.get(Draw, draw_id)
    if draw is None:
        abort(404)
    _work(draw.work_id)
    if not Form().validate_on_submit():
        abort(400)
    back, scope, now = url_for("draws.detail", draw_id=draw.id), current_scope(), clock.now()
    try:
        if not is_confirmed():
            return _confirm_top_up(short_panel.check_top_up(db.session, draw, scope=scope, now=now), back)
        added = short_panel.top_up_panel(db.session, draw, scope=scope, now=now)
    except PermissionDenied as exc:
        return render_template("errors/error.html", status=403, title="无权补充抽取", message=str(exc)), 403
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back)
    flash(f"补充抽取完成，种子哈希 {added.seed_hash[:16]}…，已向{len(added.seats)}名专家发出邀请", "success")
    return redirect(url_for("draws.detail", draw_id=added.id))


def _confirm_top_up(short: short_panel.Shortfall, back: str) -> ResponseReturnValue:
    root = short.root
    where = arrangement.of_root(root)
    return confirm_page(
        title=f"确认补充抽取论证专家：{root.work.name}",
        consequences=[
            f"论证会：{root.meeting_day.isoformat()} {root.half_day.label} {where.start_time:%H:%M} 开始"
            f"{'，地点：' + where.place if where.place else ''}。",
            f"在席专家{len(short.staying)}名，少于正选{short.panel_size}名：将从专家库随机补充抽取{short.missing}名"
            "正选专家，不抽候补。",
            "规则与首次抽取相同：在席专家计入本地名额和专业覆盖，已抽到本次论证会的专家和有回避情形的专家不再抽取。",
            "补充抽取记录（含随机种子和候选名单）写入哈希链，不能撤销。",
            "抽取后立即向入选专家发出邀请（含会议时间和地点）。",
        ],
        back_url=back, button="确认补充抽取",
    )  # fmt: skip


@bp.route("/seats/<int:seat_id>/contact", methods=["POST"])
@role_required(*READERS)
def contact(seat_id: int) -> ResponseReturnValue:
    """The invited expert's phone and e-mail, shown once on this response (never stored in a flash or a
    session); who may see them is the service's decision, and each view is audited."""
    if not Form().validate_on_submit():
        abort(400)
    try:
        shown = contact_view.reveal_contact(db.session, seat_id, scope=current_scope(), vault=contact_vault(),
                                            reason=request.form.get("reason", ""))  # fmt: skip
    except NotFoundError:
        abort(404)
    except PermissionDenied as exc:
        return render_template("errors/error.html", status=403, title="无权查看", message=str(exc)), 403
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        seat_draw = db.session.get(Seat, seat_id)
        return redirect(url_for("draws.detail", draw_id=seat_draw.draw_id if seat_draw else 0))
    seat = db.session.get(Seat, seat_id)
    return render_template("draws/contact.html", seat=seat, contact=shown)


@bp.route("/works/<int:work_id>/conflicts")
@role_required(Role.DRAW_OFFICE, Role.ADMIN, Role.REGULATOR)
def conflicts(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    policy = pool_policy(db.session)
    day = clock.now().date()
    raw = request.args.get("expert_id", "")
    if raw.isdigit():
        paths = {
            int(raw): conflict_store.conflicts_of_expert(db.session, work, int(raw), on=day, policy=policy)
        }
    else:
        paths = conflict_store.conflicts_for_work(db.session, work, on=day, policy=policy)
    experts = queries.experts_by_id(db.session, list(paths))
    return render_template("draws/conflicts.html", work=work, paths=paths, experts=experts, day=day)


@bp.route("/invitations")
@role_required(Role.EXPERT)
def my_invitations() -> ResponseReturnValue:
    seats = invitations.invitations_of(db.session, current_account().expert_id or 0)
    where = {s.id: arrangement.current(db.session, s.draw) for s in seats}
    return render_template("draws/invitations.html", seats=seats, where=where, form=Form(), now=clock.now())


@bp.route("/invitations/<int:seat_id>/<answer>", methods=["POST"])
@role_required(Role.EXPERT)
def answer(seat_id: int, answer: str) -> ResponseReturnValue:
    if answer not in ("confirm", "decline") or not Form().validate_on_submit():
        abort(404)
    account = current_account()
    try:
        seat = invitations.own_seat(db.session, seat_id, account.expert_id)
    except NotFoundError:
        abort(404)
    try:
        if answer == "confirm":
            meetings.confirm_seat(db.session, seat, now=clock.now(), actor_id=account.id)
            flash("已确认参加论证会", "success")
        else:
            invitations.decline(
                db.session, seat, request.form.get("reason", ""), now=clock.now(), actor_id=account.id
            )
            flash("已谢绝邀请，席位将转给候补专家", "info")
    except DrawError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for("draws.my_invitations"))
