"""Someone with full rights on the database drops the draw chain's append-only triggers for a test's attack;
they are put back afterwards (the PostgreSQL schema is shared by the whole run)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from expert_pool.draws.models import CHAIN_ENTRY_DROP_GUARDS, CHAIN_ENTRY_GUARDS


@contextmanager
def chain_unguarded(session: Session) -> Iterator[Session]:
    dialect = session.get_bind().dialect.name
    for statement in CHAIN_ENTRY_DROP_GUARDS[dialect]:
        session.execute(text(statement))
    session.commit()
    try:
        yield session
    finally:
        session.rollback()
        for statement in CHAIN_ENTRY_GUARDS[dialect]:
            session.execute(text(statement))
        session.commit()
