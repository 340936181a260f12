"""A transaction that only read ends with COMMIT on PostgreSQL (knowledge.db), so its connection keeps the
statements psycopg prepared; one that wrote anything, or failed, is still rolled back."""

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from knowledge.enterprises.models import Enterprise, EnterpriseType
from knowledge.regions import City
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="psycopg's prepared statements: PostgreSQL only")

REPEATED = "SELECT count(*) FROM enterprise WHERE id > :n"


@pytest.fixture
def engine(test_db):
    engine = create_engine(test_db.url, pool_size=1, max_overflow=0, **test_db.options)
    yield engine
    engine.dispose()


def _enterprise(name: str) -> Enterprise:
    return Enterprise(
        credit_code="91320000MA1XXXXX0A", name=name, city=City.NANJING, type=EnterpriseType.CONSTRUCTOR
    )


def _prepared(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM pg_prepared_statements"))


def test_a_read_only_session_keeps_its_prepared_statements(engine):
    for n in range(8):  # psycopg prepares a statement from its sixth run on a connection
        with Session(engine) as session:
            session.execute(text(REPEATED), {"n": n}).all()
    assert _prepared(engine) >= 1  # before: each session's ROLLBACK at close cleared them


def test_a_session_that_wrote_is_still_rolled_back(engine):
    with Session(engine) as session:
        session.add(_enterprise("未提交的企业"))
        session.flush()
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 1
    with Session(engine) as session:  # closed without a commit: the row is gone
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 0


@pytest.mark.parametrize(
    "write",
    [
        "UPDATE enterprise SET name = 'x'",
        "WITH gone AS (DELETE FROM enterprise RETURNING id) SELECT count(*) FROM gone",
        "SET LOCAL statement_timeout = '5s'",
    ],
)
def test_anything_but_a_select_rolls_back(engine, write):
    with Session(engine) as session:
        session.add(_enterprise("已提交的企业"))
        session.commit()
    with Session(engine) as session:
        session.execute(text(write))
        session.rollback()
    with Session(engine) as session:
        assert session.scalar(select(Enterprise.name)) == "已提交的企业"


def test_a_failed_read_rolls_back_without_an_error(engine):
    with Session(engine) as session:
        with pytest.raises(DBAPIError):
            session.execute(text("SELECT 1 / 0")).all()
        session.rollback()  # a transaction in error: a COMMIT would fail, the rollback goes through
        assert session.scalar(text("SELECT 1")) == 1
