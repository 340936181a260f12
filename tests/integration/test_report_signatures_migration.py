"""Migration 0018: a report final before it is never signed with new keys; it enters the report chain as
``legacy`` (its content as found) and verifies with 未含电子签名; the signed rows stay frozen through the
upgrade and the downgrade."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from expert_pool.reviews import models as review_models
from expert_pool.reviews import reports as review_reports
from expert_pool.reviews import verification
from expert_pool.reviews.models import ReportSignature
from expert_pool.reviews.signing_models import ExpertSigningKey, ReportChainEntry
from tests.integration.test_migrations import empty_db  # noqa: F401 - the fixture
from tests.review_fixtures import concluded, ready_meeting
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db


def as_before_0018(conn, report_id: int, old_hash: str) -> None:
    """The report as the code before 0018 stored it: its unkeyed SHA-256 (written with the trigger set aside)."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        conn.execute(text("DROP TRIGGER review_report_frozen_update"))
        conn.execute(text("DROP TRIGGER review_report_frozen_delete"))
    else:
        conn.execute(text("DROP TRIGGER review_report_frozen ON review_report"))
    conn.execute(
        text("UPDATE review_report SET content_hash = :h WHERE id = :r"), {"h": old_hash, "r": report_id}
    )
    make = review_models.sqlite_guards if dialect == "sqlite" else review_models.postgres_guards
    for stmt in make("review_report", review_models.FROZEN["review_report"]):
        conn.execute(text(stmt))


def test_reports_final_before_0018_are_chained_as_legacy_and_never_signed(empty_db, tmp_path):  # noqa: F811
    url, options = empty_db
    app = create_app(TestConfig(tmp_path / "instance"), SQLALCHEMY_DATABASE_URI=url,
                     SQLALCHEMY_ENGINE_OPTIONS=options, UPLOAD_DIR=str(tmp_path / "uploads"),
                     SEARCH_INDEX_DIR=str(tmp_path / "index"))  # fmt: skip
    with app.app_context():
        upgrade()
        with Session(db.engine, expire_on_commit=False) as session:
            m = ready_meeting(session, str(tmp_path / "uploads"))
            report = concluded(session, m)
            old_hash = review_reports.content_hash(review_reports.report_content(session, m.review, report))
            code, report_id = report.verify_code, report.id
        downgrade(revision="0017")
        with db.engine.begin() as conn:
            as_before_0018(conn, report_id, old_hash)
        upgrade()
        with Session(db.engine) as session:
            found = review_reports.verify_code(session, code)
            assert found.state == "current" and found.check.legacy and found.check.place.seq == 1
            assert {s.label for s in found.check.signatures} == {"未含电子签名"}
            assert session.scalar(select(func.count()).select_from(ExpertSigningKey)) == 0
            assert session.scalars(select(ReportSignature.signature)).all() == [None] * len(m.panel)
            assert session.scalar(select(ReportChainEntry.kind)) == "legacy"
            assert verification.verify_all(session) == (1, [])
            # Still frozen after the upgrade (no batch copy lost the triggers).
            with pytest.raises(DBAPIError):
                session.execute(update(ReportSignature).values(reservation="事后补写"))
            session.rollback()
        downgrade(revision="0017")
        with Session(db.engine) as session, pytest.raises(DBAPIError):  # and after the downgrade's copy
            session.execute(text("UPDATE review_signature SET reservation = 'x'"))
        db.engine.dispose()
