"""API: conflict paths of a work, requesting a draw, reading (sealed) and verifying draw records."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, request
from flask.typing import ResponseReturnValue

from expert_pool.conflicts import store as conflict_store
from expert_pool.draws import services as draws
from expert_pool.draws.decisions import DRAW_ROLES, can_check_conflicts
from expert_pool.draws.models import Draw, HalfDay, SeatStatus
from expert_pool.draws.reveal import reveal_names
from expert_pool.policy import pool_policy
from knowledge.accounts.models import Role
from knowledge.registry import queries as work_queries
from knowledge.registry.models import Work
from webapp import clock
from webapp.api import ApiError, route
from webapp.api.params import Field, enum_value, int_arg, json_body
from webapp.auth import current_account, current_scope
from webapp.extensions import db

PATH_SCHEMA = {"type": "object", "properties": {"rule": {"type": "string"}, "title": {"type": "string"},
                                                 "text": {"type": "string"}, "steps": {"type": "array"}}}  # fmt: skip
DRAW_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "id", "seq", "work_id", "meeting_day", "half_day", "reveal_at", "seed_hash", "seed", "record_hash", "prev_hash",
    "algorithm", "sealed", "seats", "confirmed", "funnel")}}  # fmt: skip
VERIFY_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "draw_id", "seq", "ok", "replay_matches", "hash_matches", "chain_matches", "message", "seed_hash", "record_hash")}}  # fmt: skip


def _work(work_id: int) -> Work:
    return work_queries.get_work_for(db.session, current_scope(), work_id)


def path_json(p: Any) -> dict[str, Any]:
    return {"rule": p.rule, "title": p.title, "text": p.text,
            "steps": [{"node": s.node_label, "edge": s.edge_label} for s in p.steps]}  # fmt: skip


@route("/works/<int:work_id>/conflicts", "GET", summary="回避核查：专家与本工程的利害关系及其证明路径", tag="专家抽取",
       params=[{"name": "expert_id", "in": "query", "schema": {"type": "integer"}}],
       response={"type": "object"}, errors=(403,))  # fmt: skip
def work_conflicts(work_id: int) -> ResponseReturnValue:
    if not can_check_conflicts(current_scope().role):
        abort(403)
    work = _work(work_id)
    policy, today = pool_policy(db.session), clock.now().date()
    if request.args.get("expert_id"):
        expert_id = int_arg("expert_id", 0)
        paths = conflict_store.conflicts_of_expert(db.session, work, expert_id, on=today, policy=policy)
        return {
            "work_id": work.id,
            "on": today.isoformat(),
            "experts": {str(expert_id): [path_json(p) for p in paths]},
        }
    found = conflict_store.conflicts_for_work(db.session, work, on=today, policy=policy)
    return {"work_id": work.id, "on": today.isoformat(),
            "experts": {str(e): [path_json(p) for p in ps] for e, ps in found.items()}}  # fmt: skip


@route("/works/<int:work_id>/draws", "POST", summary="抽取论证专家（抽取办公室）", tag="专家抽取",
       body={"type": "object", "required": ["meeting_day", "half_day"], "properties": {
           "meeting_day": {"type": "string", "format": "date"}, "half_day": {"type": "string", "enum": ["am", "pm"]}}},
       response=DRAW_SCHEMA, status=201, errors=(403, 409, 422))  # fmt: skip
def create_draw(work_id: int) -> ResponseReturnValue:
    if current_scope().role not in DRAW_ROLES:
        abort(403)
    work = _work(work_id)
    body = json_body({"meeting_day": Field(str, max_length=10), "half_day": Field(str, max_length=2)})
    try:
        day = date.fromisoformat(body["meeting_day"])
    except ValueError:
        raise ApiError(
            400, "invalid_value", "meeting_day 应为 YYYY-MM-DD 格式的日期", field="meeting_day"
        ) from None
    draw = draws.request_draw(db.session, work, day, enum_value("half_day", body["half_day"], HalfDay),
                              actor_id=current_account().id, now=clock.now())  # fmt: skip
    return draw_json(draw, show_names=True), 201


def draw_json(d: Draw, *, show_names: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": d.id, "seq": d.seq, "work_id": d.work_id, "meeting_day": d.meeting_day.isoformat(),
        "half_day": d.half_day.value, "reveal_at": d.reveal_at.isoformat(), "seed_hash": d.seed_hash,
        "record_hash": d.record_hash, "prev_hash": d.prev_hash, "algorithm": d.algorithm, "sealed": not show_names,
        "confirmed": sum(1 for s in d.seats if s.status is SeatStatus.CONFIRMED),
    }  # fmt: skip
    if show_names:
        data["seed"] = d.seed
        data["seats"] = [{"position": s.position, "expert_id": s.expert_id, "name": s.expert.name,
                          "status": s.status.value} for s in d.seats]  # fmt: skip
        data["funnel"] = d.funnel
    return data


def _draw(draw_id: int) -> Draw:
    draw = db.session.get(Draw, draw_id)
    if draw is None:
        abort(404)
    return draw


@route("/draws/<int:draw_id>", "GET", summary="抽取记录（项目团队在揭示前只见“已抽满、N名已确认”）", tag="专家抽取",
       response=DRAW_SCHEMA, errors=(403,))  # fmt: skip
def get_draw(draw_id: int) -> ResponseReturnValue:
    account = current_account()
    if account.role is Role.EXPERT:
        abort(403)
    draw = _draw(draw_id)
    _work(draw.work_id)
    show = reveal_names(db.session, draw, role=account.role, account_id=account.id, now=clock.now())
    return draw_json(draw, show_names=show)


@route("/draws/<int:draw_id>/verify", "GET", summary="公开校验：重放抽取并检查哈希链（不含专家名单）", tag="专家抽取",
       public=True, response=VERIFY_SCHEMA)  # fmt: skip
def verify_draw(draw_id: int) -> ResponseReturnValue:
    draw = _draw(draw_id)
    result = draws.verify(db.session, draw)
    return {"draw_id": draw.id, "seq": draw.seq, "ok": result.ok, "replay_matches": result.replay_matches,
            "hash_matches": result.hash_matches, "chain_matches": result.chain_matches, "message": result.message,
            "seed_hash": draw.seed_hash, "record_hash": draw.record_hash}  # fmt: skip
