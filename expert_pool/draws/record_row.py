"""Writing a draw record's row (DOMAIN 4): the chain's heads read in one statement, the record's canonical JSON
written once, hashed, and stored as that same text in one INSERT, with no read back."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import JSON, ColumnElement, Table, Text, bindparam, func, insert, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.dml import ReturningInsert

from expert_pool.draws import canonical, chain
from expert_pool.draws.models import Draw, HalfDay
from knowledge.keyed_chain import utc_text

JSON_COLUMNS = ("policy", "funnel", "candidates", "seated", "alternates")
_DRAW = cast(Table, Draw.__table__)
_LZ4: dict[str, bool] = {}  # per database URL: whether its server compresses with lz4


class Heads(NamedTuple):
    """The last record's position and hash (``None`` before the first), and the keyed chain's head."""

    seq: int | None
    record_hash: str | None
    chain: tuple[int, str] | None


def read_heads(session: Session) -> Heads:
    return heads_of(session.execute(select(*head_columns(session))).one())


def heads_of(values: Sequence[Any]) -> Heads:
    """The heads from the values of ``head_columns``, in that order."""
    return Heads(values[0], values[1], (values[2], values[3]) if values[2] is not None else None)


def head_columns(session: Session) -> tuple[Any, ...]:
    """The heads as columns, for a caller that reads them with other values in one statement."""
    dialect = session.get_bind().dialect.name
    return _heads(dialect, _has_lz4(session, dialect))


@cache
def _heads(dialect: str, lz4: bool) -> tuple[Any, ...]:
    """The heads as scalar subqueries, not the last record (whose candidates are large). On PostgreSQL with
    lz4, the same statement has this transaction compress what it stores with lz4 rather than pglz: pglz took
    about 3 ms over a province's candidate list (over 100 kB), lz4 a fraction of it. The stored values are
    the same, and PostgreSQL reads either."""
    last = select(Draw.seq, Draw.record_hash).order_by(Draw.seq.desc()).limit(1).subquery()
    columns: list[Any] = [select(last.c.seq).scalar_subquery().label("seq"),
                          select(last.c.record_hash).scalar_subquery().label("record_hash"),
                          *chain.head_columns()]  # fmt: skip
    if dialect == "postgresql" and lz4:
        columns.append(func.set_config("default_toast_compression", "lz4", True))  # as SET LOCAL
    return tuple(columns)


def _has_lz4(session: Session, dialect: str) -> bool:
    """PostgreSQL 14 and later, when built with lz4 (as the usual packages are): asked once per database."""
    if dialect != "postgresql":
        return False
    url = str(session.get_bind().engine.url)
    if url not in _LZ4:
        ask = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        _LZ4[url] = bool(session.scalar(text(ask)))
    return _LZ4[url]


def store(
    session: Session, facts: Mapping[str, Any], values: Mapping[str, Any], candidate_texts: Iterable[str]
) -> Draw:
    """Insert the record: ``facts`` its plain columns (not the hash), ``values`` its JSON columns but the
    candidates, given as each candidate's canonical text (``canonical.candidate_text``). Returns the record in
    the session as stored, its candidates loaded only if asked for.

    The hash is SHA-256 over the canonical JSON of everything stored but the hash, as ``services.record_hash``
    computes it again from the stored values when verifying."""
    texts = {name: canonical.dumps(value) for name, value in values.items()}
    texts["candidates"] = canonical.array_text(candidate_texts)
    hashed = {name: canonical.dumps(_hashable(value)) for name, value in facts.items()}
    digest = hashlib.sha256(canonical.object_text({**hashed, **texts}).encode()).hexdigest()
    row = {**facts, "record_hash": digest, **{f"{name}_text": text for name, text in texts.items()}}
    draw_id = session.execute(_insert(session.get_bind().dialect.name), row).scalar_one()
    draw = Draw(id=draw_id, **facts, **values, record_hash=digest)
    make_transient_to_detached(draw)  # as if loaded: no INSERT again, and the candidates left to load
    session.add(draw)
    return draw


def _hashable(value: Any) -> Any:
    """A plain column's value as the hash has it (``services.content``): days and moments as text, in UTC."""
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, HalfDay):
        return value.value
    return value


@cache
def _insert(dialect: str) -> ReturningInsert[tuple[int]]:
    """The row with its JSON columns given as canonical texts, stored as they are (PostgreSQL casts each to
    json, which keeps the text as given; SQLite stores the text)."""

    def as_json(name: str) -> ColumnElement[Any]:
        given = bindparam(f"{name}_text", type_=Text())
        return sql_cast(given, JSON) if dialect == "postgresql" else given

    return insert(_DRAW).values({name: as_json(name) for name in JSON_COLUMNS}).returning(_DRAW.c.id)
