"""Alembic: one head, and `upgrade` from empty gives exactly the models' schema (and back down)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text

from knowledge.db import Base
from tests.conftest import PG_URL, pg_options
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def test_there_is_one_head():
    script = ScriptDirectory(str(MIGRATIONS))
    assert len(script.get_heads()) == 1


@pytest.fixture
def empty_db(tmp_path):
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'migrated.db'}", {}
        return
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield PG_URL, pg_options(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_upgrade_from_empty_matches_the_models_and_downgrade_empties(empty_db, tmp_path):
    url, options = empty_db
    app = create_app(TestConfig(tmp_path), SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
            tables = set(inspect(conn).get_table_names())
        assert diff == []
        assert tables == set(Base.metadata.tables) | {"alembic_version"}
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_panel_sittings_are_backfilled_from_the_signatures_of_final_reports(empty_db, tmp_path):
    """0007 moves who sat on which concluded panel into the conflicts package's table: the rows it backfills
    from reports signed before it are the rows the reviews package records when a report becomes final."""
    from expert_pool.conflicts.models import PanelSitting
    from expert_pool.reviews.models import Conclusion
    from tests.review_fixtures import concluded, ready_meeting

    url, options = empty_db
    app = create_app(TestConfig(tmp_path), SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options)
    columns = (PanelSitting.expert_id, PanelSitting.work_id, PanelSitting.review_id, PanelSitting.report_id,
               PanelSitting.conclusion, PanelSitting.held_on)  # fmt: skip
    with app.app_context():
        upgrade()
        m = ready_meeting(db.session, str(tmp_path / "up"))
        concluded(db.session, m, Conclusion.FAIL)
        recorded = set(db.session.execute(select(*columns)).all())
        db.session.remove()
        assert len(recorded) == len(m.panel) and {r.conclusion for r in recorded} == {"fail"}
        downgrade(revision="0006")
        upgrade()
        assert set(db.session.execute(select(*columns)).all()) == recorded
        db.session.remove()
        db.engine.dispose()
