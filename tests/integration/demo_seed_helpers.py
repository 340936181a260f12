"""What the demo-seed tests share: SQLite files with every table, their rows, signers, the small data set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

import expert_pool.experts.models  # noqa: F401 - every table on the metadata
import knowledge.accounts.models  # noqa: F401
import knowledge.audit  # noqa: F401
import knowledge.enterprises.models  # noqa: F401
import knowledge.plans.models  # noqa: F401
import knowledge.registry.models  # noqa: F401
from knowledge.accounts.models import Account, Role
from knowledge.db import Base
from knowledge.demo.seed import SeedSummary, seed_demo
from knowledge.plans.models import SignoffKind

TABLES = ("enterprise", "project", "project_participant", "expert", "work", "plan_version", "plan_signoff")


def sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    return engine


def table_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            name: [tuple(row) for row in conn.execute(select(table).order_by(table.c.id))]
            for name, table in ((name, Base.metadata.tables[name]) for name in TABLES)
        }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, SeedSummary]]:
    """One small data set, read by the tests that only look at it."""
    engine = sqlite_engine(tmp_path_factory.mktemp("demo") / "demo.db")
    with Session(engine) as session:
        summary = seed_demo(session, "small")
    yield engine, summary
    engine.dispose()


@pytest.fixture
def seeded_session(seeded: tuple[Engine, SeedSummary]) -> Iterator[Session]:
    with Session(seeded[0]) as session:
        yield session


def make_signers(session: Session) -> dict[str, int]:
    """Accounts for the three sign-off kinds (the seed creates none); admins need no enterprise."""
    accounts = {
        kind.value: Account(username=f"signer_{kind.value}", display_name=kind.label, password_hash="x",
                            role=Role.ADMIN)
        for kind in SignoffKind
    }  # fmt: skip
    session.add_all(accounts.values())
    session.commit()
    return {kind: account.id for kind, account in accounts.items()}


def seed_with_plans(engine: Engine, upload_dir: Path, seed: int = 2024) -> tuple[SeedSummary, dict[str, int]]:
    with Session(engine) as session:
        signers = make_signers(session)
        summary = seed_demo(session, "small", seed=seed, upload_dir=upload_dir, signer_account_ids=signers)
    return summary, signers
