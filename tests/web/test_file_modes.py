"""Keys live in their own folder, readable by the app's account only, and so does the database file
(issue 18, item 15)."""

from __future__ import annotations

import stat

from webapp import create_app
from webapp.config import KEYS_DIR, Config


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_generated_keys_are_private_and_apart(tmp_path, monkeypatch):
    for name in ("SECRET_KEY", "EXPERT_ID_KEY"):
        monkeypatch.delenv(name, raising=False)
    Config(tmp_path)
    keys = tmp_path / KEYS_DIR
    assert mode(keys) == 0o700
    found = sorted(p.name for p in keys.iterdir())
    assert {"secret_key", "expert_id_key"} <= set(found)
    assert all(mode(keys / name) == 0o600 for name in found)
    assert not (tmp_path / "secret_key").exists()


def test_a_key_left_by_an_earlier_version_moves_into_the_keys_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "secret_key").write_text("old-secret")
    assert Config(tmp_path).SECRET_KEY == "old-secret"
    assert not (tmp_path / "secret_key").exists() and mode(tmp_path / KEYS_DIR / "secret_key") == 0o600


def test_the_sqlite_database_file_is_private(tmp_path):
    database = tmp_path / "old.db"
    database.write_bytes(b"")
    database.chmod(0o644)
    create_app(Config(tmp_path / "instance"), SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    assert mode(database) == 0o600
