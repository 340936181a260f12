"""Sign-in throttling that holds under parallel attack: each attempt is counted by one atomic upsert and
committed before its password is checked, per user name and source address (a fast lock) and per user name
from any address (a slower lock that never blocks an address with no failed attempt)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, literal, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from knowledge.accounts.models import SignInCounter
from knowledge.db import UTCDateTime

ADDRESS_MAX = 64


@dataclass(frozen=True)
class ThrottlePolicy:
    """Defaults: 5 failures in 15 minutes lock a name for one address for 15 minutes; 20 failures in an hour
    from any addresses lock the name for an hour, for the addresses that have failed on it."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)
    name_max_failures: int = 20
    name_window: timedelta = timedelta(hours=1)
    name_lock: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Count:
    failures: int  # attempts counted in the current window, this one included
    locked_until: datetime | None


@dataclass(frozen=True)
class Attempt:
    """The two counters as this attempt left them."""

    pair: Count
    name: Count
    policy: ThrottlePolicy

    def blocked_until(self, now: datetime) -> datetime | None:
        """When the lock that refuses this attempt ends, or None when its password may be checked.

        The attempt that reaches the limit is still checked; later ones are not. The name's lock refuses
        only an address that has already failed on this name in its window.
        """
        if self.pair.failures > self.policy.max_failures:
            return self.pair.locked_until
        if self.name.failures > self.policy.name_max_failures and self.pair.failures > 1:
            return self.name.locked_until
        return None

    def locked_until(self, now: datetime) -> datetime | None:
        """After a failed check: the lock this address now faces, if any."""
        if self.pair.locked_until is not None and self.pair.locked_until > now:
            return self.pair.locked_until
        if self.name.locked_until is not None and self.name.locked_until > now:
            return self.name.locked_until
        return None


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _bump(
    session: Session, key: str, kind: str, username: str, address: str, *, now: datetime,
    limit: int, window: timedelta, lock: timedelta,
) -> Count:  # fmt: skip
    """Count one attempt on one counter in a single statement: a served lock or an elapsed window starts the
    count again; reaching ``limit`` sets the lock."""
    t = SignInCounter.__table__.c
    at = literal(now, UTCDateTime())
    restart = or_(t.window_start < literal(now - window, UTCDateTime()),
                  and_(t.locked_until.is_not(None), t.locked_until <= at))  # fmt: skip
    locks = and_(t.failures + 1 >= limit, or_(t.locked_until.is_(None), t.locked_until <= at))
    until = literal(now + lock, UTCDateTime())
    stmt = _insert(session)(SignInCounter).values(
        key=key, kind=kind, username=username, address=address, failures=1, window_start=now,
        locked_until=now + lock if limit <= 1 else None, last_attempt_at=now,
    )  # fmt: skip
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.key],
        set_={
            "failures": case((restart, 1), else_=t.failures + 1),
            "window_start": case((restart, at), else_=t.window_start),
            "locked_until": case(
                (restart, until if limit <= 1 else null()), (locks, until), else_=t.locked_until
            ),
            "last_attempt_at": at,
        },
    ).returning(t.failures, t.locked_until)
    row: Any = session.execute(stmt).one()
    return Count(int(row.failures), UTCDateTime().process_result_value(row.locked_until, None))


def pair_key(username: str, address: str) -> str:
    return f"pair:{username}|{address}"


def name_key(username: str) -> str:
    return f"name:{username}"


def reserve(
    session: Session, username: str, address: str, *, now: datetime, policy: ThrottlePolicy
) -> Attempt:
    """Count this attempt before its password is checked, and commit, so that however many attempts run in
    parallel, no more than the limit ever reach the password check."""
    address = address[:ADDRESS_MAX]
    pair = _bump(session, pair_key(username, address), "pair", username, address, now=now,
                 limit=policy.max_failures, window=policy.window, lock=policy.lock)  # fmt: skip
    name = _bump(session, name_key(username), "name", username, "", now=now,
                 limit=policy.name_max_failures, window=policy.name_window, lock=policy.name_lock)  # fmt: skip
    session.commit()
    return Attempt(pair, name, policy)


def forget_success(session: Session, username: str, address: str) -> None:
    """A right password: this address starts again; the name's count gives back this attempt (no commit)."""
    session.execute(
        delete(SignInCounter).where(SignInCounter.key == pair_key(username, address[:ADDRESS_MAX]))
    )
    t = SignInCounter.__table__.c
    session.execute(
        update(SignInCounter)
        .where(t.key == name_key(username), t.failures > 0)
        .values(failures=t.failures - 1)
    )


@dataclass(frozen=True)
class Target:
    """A user name under attack, for the security administrator."""

    username: str
    failures: int  # attempts from every address in the current windows
    addresses: int
    locked_addresses: int
    name_locked_until: datetime | None
    last_attempt_at: datetime


def under_attack(
    session: Session, *, now: datetime, policy: ThrottlePolicy, minimum: int = 3
) -> list[Target]:
    """Names with at least ``minimum`` failed attempts counted now, most attacked first."""
    t = SignInCounter
    rows = session.execute(
        select(t.username, t.kind, t.address, t.failures, t.locked_until, t.last_attempt_at).where(
            t.last_attempt_at >= now - max(policy.name_window, policy.window)
        )
    ).all()
    found: dict[str, dict[str, Any]] = {}
    for username, kind, _address, failures, locked_until, last in rows:
        item = found.setdefault(username, {"failures": 0, "addresses": 0, "locked": 0, "name_lock": None,
                                           "last": last})  # fmt: skip
        item["last"] = max(item["last"], last)
        if kind == "name":
            item["failures"] = failures
            item["name_lock"] = locked_until if locked_until and locked_until > now else None
        else:
            item["addresses"] += 1
            item["locked"] += int(bool(locked_until and locked_until > now))
    targets = [Target(u, i["failures"], i["addresses"], i["locked"], i["name_lock"], i["last"])
               for u, i in found.items() if i["failures"] >= minimum]  # fmt: skip
    return sorted(targets, key=lambda x: (-x.failures, x.username))
