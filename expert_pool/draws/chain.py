"""The keyed chain of panel changes (DOMAIN 4, "Verifiable"; issue 18).

Every change of a panel is an entry: the draw (or top-up) itself, each seat it creates, each confirmation,
decline, expiry and alternate called. An entry states the seat's whole state after the change, and its ``mac``
is HMAC-SHA256 under DRAW_CHAIN_KEY (kept outside the database) of the entry and the previous entry's mac. So
someone who can write the database but lacks the key can neither edit a seat nor re-roll a draw and recompute
the hashes: the replay of the entries no longer matches the tables, or the MACs no longer match the entries.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, cast

from sqlalchemy import ScalarSelect, Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.draws.models import ChainEntry, Draw, Seat
from expert_pool.errors import DrawError
from knowledge import keyed_chain

GENESIS_MAC = keyed_chain.GENESIS_MAC
ATTEMPTS = 5  # a parallel change that took the same position is retried from the new head
_ENTRY = cast(Table, ChainEntry.__table__)
_KEY = keyed_chain.KeySlot("DRAW_CHAIN_KEY")


class Kind(StrEnum):
    GENESIS = "genesis"  # the keyed chain starts (history before it was chained without a key)
    DRAW = "draw"
    TOP_UP = "top_up"
    SEAT_DRAWN = "seat_drawn"
    SEAT_CONFIRMED = "seat_confirmed"
    SEAT_DECLINED = "seat_declined"
    SEAT_EXPIRED = "seat_expired"
    ALTERNATE_SEATED = "alternate_seated"
    STATE = "state"  # a seat's state as found when the keyed chain began


DRAW_KINDS = (Kind.DRAW, Kind.TOP_UP)


def use_key(key: bytes) -> None:
    """Set once by the application from its configuration (never from the database)."""
    _KEY.set(key)


def chain_key() -> bytes:
    try:
        return _KEY.get()
    except keyed_chain.KeyMissing:
        raise DrawError("未配置抽取链密钥（DRAW_CHAIN_KEY），不能记录或校验抽取") from None


def entry_mac(key: bytes, row: Mapping[str, Any]) -> str:
    """The MAC of an entry (a mapping of its columns): canonical JSON, keyed."""
    body = {k: row[k] for k in ("seq", "kind", "draw_id", "seat_id", "expert_id", "payload", "prev_mac")}
    body["at"] = keyed_chain.utc_text(row["at"])
    return keyed_chain.mac_of(key, body)


@dataclass(frozen=True)
class Change:
    """One change to append: a draw's entry or a seat's new state."""

    kind: Kind
    draw_id: int | None
    seat_id: int | None = None
    expert_id: int | None = None
    payload: Mapping[str, Any] | None = None


def seat_change(kind: Kind, seat_id: int, draw_id: int, expert_id: int, position: int, status: str) -> Change:
    state = {"draw_id": draw_id, "expert_id": expert_id, "position": position, "status": status}
    return Change(kind, draw_id, seat_id, expert_id, state)


def of_seat(kind: Kind, seat: Seat) -> Change:
    return seat_change(kind, seat.id, seat.draw_id, seat.expert_id, seat.position, seat.status.value)


class DrawFacts(Protocol):
    """What a draw's entry states: a mapped ``Draw`` or a row of these columns."""

    id: int
    seq: int
    record_hash: str
    work_id: int
    top_up_of: int | None


def draw_change(draw: DrawFacts) -> Change:
    kind = Kind.TOP_UP if draw.top_up_of else Kind.DRAW
    payload = {
        "seq": draw.seq,
        "record_hash": draw.record_hash,
        "work_id": draw.work_id,
        "top_up_of": draw.top_up_of,
    }
    return Change(kind, draw.id, payload=payload)


def _rows(
    changes: Sequence[Change], head: tuple[int, str] | None, key: bytes, now: datetime
) -> list[dict[str, Any]]:
    seq, prev = head if head else (0, GENESIS_MAC)
    rows: list[dict[str, Any]] = []
    for change in changes:
        seq += 1
        row = {"seq": seq, "kind": change.kind.value, "draw_id": change.draw_id, "seat_id": change.seat_id,
               "expert_id": change.expert_id, "at": now, "payload": dict(change.payload or {}), "prev_mac": prev}  # fmt: skip
        row["mac"] = prev = entry_mac(key, row)
        rows.append(row)
    return rows


def head(session: Session) -> tuple[int, str] | None:
    """The last entry's position and MAC (what the verification page and the daily digest publish)."""
    last = session.execute(
        select(ChainEntry.seq, ChainEntry.mac).order_by(ChainEntry.seq.desc()).limit(1)
    ).first()
    return (last.seq, last.mac) if last else None


def head_columns() -> tuple[ScalarSelect[int], ScalarSelect[str]]:
    """The head as two scalar subqueries, for a caller that reads it with other values in one statement."""
    last = select(ChainEntry).order_by(ChainEntry.seq.desc()).limit(1).subquery()
    return select(last.c.seq).scalar_subquery(), select(last.c.mac).scalar_subquery()


def append(
    session: Session, changes: Sequence[Change], *, now: datetime, after: tuple[int, str] | None | bool = True
) -> None:
    """Append in the caller's transaction, after ``after`` (the head as the caller read it, or ``True``: read it
    here). A parallel append taking the same position fails on the unique ``seq``: the caller's retry (as
    ``request_draw`` does) starts again from the new head."""
    if changes:
        top = head(session) if after is True else after
        session.execute(
            insert(_ENTRY), _rows(changes, top if isinstance(top, tuple) else None, chain_key(), now)
        )


def append_retrying(session: Session, changes: Sequence[Change], *, now: datetime) -> None:
    """Append in a savepoint, re-reading the head when a parallel change took the position meanwhile."""
    for _ in range(ATTEMPTS):
        try:
            with session.begin_nested():
                append(session, changes, now=now)
            return
        except IntegrityError:
            continue
    raise DrawError("同时进行的抽取变更过多，请稍后重试")


def _state(entry: ChainEntry | Mapping[str, Any]) -> tuple[Any, ...]:
    p = entry.payload if isinstance(entry, ChainEntry) else entry
    return (p.get("draw_id"), p.get("expert_id"), p.get("position"), p.get("status"))


def _seat_state(seat: Seat) -> tuple[Any, ...]:
    return (seat.draw_id, seat.expert_id, seat.position, seat.status.value)


def _replay(
    entries: Iterable[ChainEntry], problems: list[str]
) -> tuple[dict[int, str], dict[int, tuple[Any, ...]]]:
    """Draw hashes and seat states as the entries state them; MAC failures go to ``problems``."""
    key = chain_key()
    draws: dict[int, str] = {}
    seats: dict[int, tuple[Any, ...]] = {}
    for e in entries:
        row = {"seq": e.seq, "kind": e.kind, "draw_id": e.draw_id, "seat_id": e.seat_id, "expert_id": e.expert_id,
               "at": e.at, "payload": e.payload, "prev_mac": e.prev_mac}  # fmt: skip
        if not hmac.compare_digest(entry_mac(key, row), e.mac):
            problems.append(f"链记录第{e.seq}条（{e.kind}）的内容与其密钥签名不符：链记录被修改或伪造")
        if e.kind in DRAW_KINDS and e.draw_id is not None:
            draws[e.draw_id] = str(e.payload.get("record_hash"))
        elif e.seat_id is not None:
            seats[e.seat_id] = _state(e)
    return draws, seats


def _compare(
    draws_in_chain: dict[int, str], seats_in_chain: dict[int, tuple[Any, ...]], draws: Iterable[tuple[int, str]],
    seats: Iterable[Seat], problems: list[str],
) -> None:  # fmt: skip
    seen_draws: set[int] = set()
    for draw_id, stored in draws:
        seen_draws.add(draw_id)
        chained = draws_in_chain.get(draw_id)
        if chained is None:
            problems.append(f"抽取记录 {draw_id} 不在链上（链建立后被插入）")
        elif chained != stored:
            problems.append(f"抽取记录 {draw_id} 的哈希与链上记录不符（记录被改写或重新抽取）")
    for draw_id in draws_in_chain.keys() - seen_draws:
        problems.append(f"链上的抽取记录 {draw_id} 在表中不存在（被删除）")
    seen_seats: set[int] = set()
    for seat in seats:
        seen_seats.add(seat.id)
        chained_state = seats_in_chain.get(seat.id)
        if chained_state is None:
            problems.append(f"席位 {seat.id}（抽取记录 {seat.draw_id}）不在链上（被插入）")
        elif chained_state != _seat_state(seat):
            problems.append(
                f"席位 {seat.id}（抽取记录 {seat.draw_id}）与链上记录不符：链上为专家 {chained_state[1]}、"
                f"第{chained_state[2]}位、{chained_state[3]}，表中为专家 {seat.expert_id}、第{seat.position}位、"
                f"{seat.status.value}（席位被改写）"
            )
    for seat_id, state in seats_in_chain.items():
        if seat_id not in seen_seats and state[0] in seen_draws:
            problems.append(f"链上的席位 {seat_id}（抽取记录 {state[0]}）在表中不存在（被删除）")


def verify_chain(session: Session) -> list[str]:
    """Recompute every MAC in order, check the links and positions, replay the seats from the entries and
    compare them (and each draw's hash) with the tables. Returns the problems, each saying what and where."""
    problems: list[str] = []
    entries = list(session.scalars(select(ChainEntry).order_by(ChainEntry.seq)))
    prev, expected = GENESIS_MAC, 1
    for e in entries:
        if e.seq != expected:
            problems.append(f"链记录第{expected}条至第{e.seq - 1}条缺失（被删除）")
        if e.prev_mac != prev:
            problems.append(f"链记录第{e.seq}条与前一条不衔接（链记录被删除、插入或修改）")
        prev, expected = e.mac, e.seq + 1
    draws_in_chain, seats_in_chain = _replay(entries, problems)
    draws = [(r.id, r.record_hash) for r in session.execute(select(Draw.id, Draw.record_hash))]
    _compare(draws_in_chain, seats_in_chain, draws, session.scalars(select(Seat)), problems)
    return problems


def verify_draw(session: Session, draw: Draw) -> tuple[bool, bool]:
    """One draw against its entries: (its entry is genuine and holds its hash, its seats match the entries)."""
    problems: list[str] = []
    entries = session.scalars(
        select(ChainEntry).where(ChainEntry.draw_id == draw.id).order_by(ChainEntry.seq)
    )
    draws_in_chain, seats_in_chain = _replay(entries, problems)
    entry_ok = not problems and draws_in_chain.get(draw.id) == draw.record_hash
    seat_problems: list[str] = []
    _compare({}, seats_in_chain, [], draw.seats, seat_problems)
    return entry_ok, not seat_problems


def adopt(session: Session, *, now: datetime) -> int:
    """Start the keyed chain over rows written without it (the migration that brought the chain, the bulk
    demo seed): a genesis entry when the chain is empty, then each draw and each seat not yet on it, as they
    stand now. History before the genesis was chained without a key only. Returns the entries appended; the
    caller commits."""
    chained_draws = set(
        session.scalars(select(ChainEntry.draw_id).where(ChainEntry.kind.in_(list(DRAW_KINDS))))
    )
    chained_seats = set(session.scalars(select(ChainEntry.seat_id).where(ChainEntry.seat_id.is_not(None))))
    changes: list[Change] = []
    if head(session) is None:
        note = "密钥链自此开始：此前的抽取记录只以不加密钥的哈希链相连，其席位以本条之后记下的状态为准"
        changes.append(Change(Kind.GENESIS, None, payload={"note": note}))
    facts = select(Draw.id, Draw.seq, Draw.record_hash, Draw.work_id, Draw.top_up_of).order_by(Draw.seq)
    for draw in session.execute(facts):  # columns only: a province's candidate lists stay in the database
        if draw.id not in chained_draws:
            changes.append(draw_change(draw))
    rows = session.execute(
        select(Seat.id, Seat.draw_id, Seat.expert_id, Seat.position, Seat.status).order_by(Seat.id)
    )
    for r in rows:
        if r.id not in chained_seats:
            changes.append(seat_change(Kind.STATE, r.id, r.draw_id, r.expert_id, r.position, r.status.value))
    append(session, changes, now=now)
    return len(changes)
