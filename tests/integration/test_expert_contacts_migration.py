"""Migration 0017: experts' plaintext phone and e-mail are encrypted with the app's key (and re-addressed
notifications), and the downgrade decrypts them back; the expert table keeps its CHECK constraint."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from expert_pool.experts.contacts import decrypt_contact, phone_lookup_hash
from knowledge.identity import IdentityVault
from tests.integration.test_migrations import empty_db  # noqa: F401 - the fixture
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

INSERT_EXPERT = (
    "INSERT INTO expert (id, name, city, title, status, id_number_masked, phone, email, created_at) "
    "VALUES (:id, :name, 'nanjing', '', 'active', '', :phone, :email, '2026-01-01 00:00:00')"
)
INSERT_NOTE = (
    "INSERT INTO notification (expert_id, recipient, subject, body, status, attempts, next_attempt_at, last_error,"
    " created_at) VALUES (:expert_id, :recipient, 's', 'b', 'pending', 0, '2026-01-01 00:00:00', '',"
    " '2026-01-01 00:00:00')"
)


def test_upgrade_encrypts_plaintext_contacts_and_downgrade_restores_them(empty_db, tmp_path):  # noqa: F811
    url, options = empty_db
    app = create_app(TestConfig(tmp_path), SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options)
    vault = IdentityVault(app.config["EXPERT_ID_KEY"].encode())
    with app.app_context():
        upgrade(revision="0016")
        with db.engine.begin() as conn:
            conn.execute(text(INSERT_EXPERT), [
                {"id": 1, "name": "张三", "phone": "13812345678", "email": "zhang@example.com"},
                {"id": 2, "name": "李四", "phone": "", "email": ""},
            ])  # fmt: skip
            conn.execute(text(INSERT_NOTE), [{"expert_id": 1, "recipient": "zhang@example.com"},
                                             {"expert_id": None, "recipient": "draw-office"}])  # fmt: skip
        upgrade(revision="0017")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT * FROM expert ORDER BY id")).mappings().all()
            recipients = conn.execute(text("SELECT recipient FROM notification ORDER BY id")).scalars().all()
        dump = repr([dict(r) for r in rows]) + repr(recipients)
        assert "13812345678" not in dump and "zhang@example.com" not in dump
        first, second = rows
        assert "phone" not in first and "email" not in first
        assert decrypt_contact(vault, _Row(first)).phone == "13812345678"
        assert decrypt_contact(vault, _Row(first)).email == "zhang@example.com"
        assert (first["phone_masked"], first["email_masked"]) == ("138****5678", "z***@example.com")
        assert first["phone_hash"] == phone_lookup_hash(vault, "13812345678")
        assert (
            second["phone_encrypted"] is None
            and second["phone_masked"] == ""
            and second["phone_hash"] is None
        )
        assert recipients == ["expert:1", "draw-office"]
        # The table keeps its CHECK constraint (it was altered in place, never copied).
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE expert SET status = 'suspended' WHERE id = 1"))

        downgrade(revision="0016")
        with db.engine.connect() as conn:
            back = conn.execute(text("SELECT id, phone, email FROM expert ORDER BY id")).all()
            recipients = conn.execute(text("SELECT recipient FROM notification ORDER BY id")).scalars().all()
        assert [tuple(r) for r in back] == [(1, "13812345678", "zhang@example.com"), (2, "", "")]
        assert recipients == ["zhang@example.com", "draw-office"]
        db.engine.dispose()


class _Row:
    def __init__(self, row: object) -> None:
        self.phone_encrypted = row["phone_encrypted"]  # type: ignore[index]
        self.email_encrypted = row["email_encrypted"]  # type: ignore[index]
