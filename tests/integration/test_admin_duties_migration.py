"""Migration 0019 on a database with accounts: the new administrator roles are accepted, no row or token is lost,
account rows can no longer be deleted; and back down again."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError, IntegrityError

from tests.integration.test_migrations import empty_db  # noqa: F401 - the fixture
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

INSERT = text(
    "INSERT INTO account (username, display_name, password_hash, role, is_active, created_at) "
    "VALUES (:name, '某人', 'x', :role, :active, CURRENT_TIMESTAMP)"
)


def _add(name: str, role: str) -> None:
    db.session.execute(INSERT, {"name": name, "role": role, "active": True})
    db.session.commit()


def test_0019_accepts_the_new_roles_keeps_rows_and_guards_deletes(empty_db, tmp_path, capfd):  # noqa: F811
    url, options = empty_db
    app = create_app(TestConfig(tmp_path), SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options)
    with app.app_context():
        upgrade(revision="0018")
        _add("old_admin", "admin")
        db.session.execute(text("INSERT INTO api_token (account_id, name, prefix, token_hash, created_at) "
                                "SELECT id, 't', 'wd_x', 'h', CURRENT_TIMESTAMP FROM account"))  # fmt: skip
        db.session.commit()
        with pytest.raises(IntegrityError):
            _add("too_early", "security_admin")
        db.session.rollback()
        db.session.remove()

        upgrade(revision="0019")
        _add("sec", "security_admin")
        _add("aud", "audit_admin")
        with pytest.raises(IntegrityError):
            _add("nobody", "root")
        db.session.rollback()
        assert db.session.execute(text("SELECT count(*) FROM api_token")).scalar_one() == 1
        assert db.session.execute(text("SELECT count(*) FROM account")).scalar_one() == 3
        with pytest.raises(DatabaseError, match="never deleted"):
            db.session.execute(text("DELETE FROM account WHERE username = 'aud'"))
        db.session.rollback()
        db.session.remove()

        with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits
            downgrade(revision="0018")
        assert "2 accounts hold the security or audit administrator role" in capfd.readouterr().err
        db.session.remove()
        db.session.execute(
            text("UPDATE account SET role = 'admin' WHERE role IN ('security_admin', 'audit_admin')")
        )
        db.session.commit()
        db.session.remove()
        downgrade(revision="0018")
        with pytest.raises(IntegrityError):
            _add("again", "audit_admin")
        db.session.rollback()
        db.session.execute(text("DELETE FROM account WHERE username = 'sec'"))  # no guard before 0019
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
