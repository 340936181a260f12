"""The database part of a backup: a consistent copy and its replay (SQLite online backup; pg_dump and psql
for PostgreSQL), and the facts the manifest records about it (Alembic revision, counts of key tables)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Connection, Engine, inspect, text

# A few tables whose row counts the manifest records and the restore checks again.
COUNTED_TABLES = ("account", "enterprise", "project", "work", "plan_version", "expert", "draw", "seat",
                  "review", "review_report", "audit_log")  # fmt: skip
LOCK_TIMEOUT = "30s"  # a restore waits this long for other connections to let go of the tables
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*\"?([A-Za-z0-9_]+)")


class BackupError(Exception):
    """A backup that cannot be made or an archive that must not be restored; the message is for the user."""


# --- what the database holds -----------------------------------------------------------------------------


def _facts(tables: set[str], scalar: Callable[[str], Any], prefix: str = "") -> dict[str, Any]:
    """The Alembic revision and the counts of the key tables, as the given snapshot sees them."""
    revision = (
        scalar(f"SELECT version_num FROM {prefix}alembic_version") if "alembic_version" in tables else None
    )
    counts = {t: int(scalar(f'SELECT count(*) FROM {prefix}"{t}"')) for t in COUNTED_TABLES if t in tables}
    return {"alembic_revision": revision, "counts": counts}


def database_facts(conn: Connection, schema: str | None) -> dict[str, Any]:
    tables = set(inspect(conn).get_table_names(schema=schema))
    prefix = f'"{schema}".' if schema else ""
    return _facts(tables, lambda sql: conn.execute(text(sql)).scalar(), prefix)


# --- SQLite ----------------------------------------------------------------------------------------------


def _sqlite_path(engine: Engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError("只能备份和恢复文件形式的 SQLite 数据库")
    return Path(name)


def _sqlite_copy(engine: Engine, out: Path) -> dict[str, Any]:
    """SQLite's online backup: a consistent copy even while the app writes."""
    source = sqlite3.connect(_sqlite_path(engine), timeout=30)
    with closing(source) as src, closing(sqlite3.connect(out)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        tables = {r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return _facts(tables, lambda sql: dst.execute(sql).fetchone()[0])


def _sqlite_restore(engine: Engine, copy: Path) -> None:
    """The online backup in the other direction, into the configured file (never a copy over an open file)."""
    with closing(sqlite3.connect(copy)) as src:
        if src.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("备份中的数据库文件已损坏，未做任何更改")
        with closing(sqlite3.connect(_sqlite_path(engine), timeout=30)) as dst:
            try:
                src.backup(dst)
            except sqlite3.OperationalError as exc:
                raise BackupError(
                    f"数据库正被其他进程占用，请先停止应用（web、后台任务）后重试：{exc}"
                ) from exc


# --- PostgreSQL ------------------------------------------------------------------------------------------


def pg_schema(app: Flask) -> str:
    """The schema the engine uses: the search_path of its connect options when set, else public."""
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options", "")
    found = _SEARCH_PATH.search(options or "")
    schema = found.group(1) if found else "public"
    if not _SCHEMA_NAME.fullmatch(schema):
        raise BackupError(f"无法处理的数据库模式名：{schema}")
    return schema


def _pg_env(engine: Engine) -> dict[str, str]:
    """libpq settings for pg_dump/pg_restore/psql: the password travels in the environment, not in argv."""
    url, env = engine.url, dict(os.environ)
    env.pop("PGOPTIONS", None)
    host = url.host or url.query.get("host")
    for key, value in (("PGHOST", host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):  # fmt: skip
        if isinstance(value, str | int):
            env[key] = str(value)
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(args[0]) or f"/usr/bin/{args[0]}"
    if not Path(tool).exists():
        raise BackupError(f"未找到 {args[0]}：请安装与服务器版本一致的 PostgreSQL 客户端工具")
    done = subprocess.run([tool, *args[1:]], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.strip()[-800:]
        hint = "；请先停止应用（web、后台任务）后重试" if "lock timeout" in detail else ""
        raise BackupError(f"{args[0]} 执行失败{hint}：{detail}")


def _pg_dump(app: Flask, engine: Engine, out: Path) -> dict[str, Any]:
    """pg_dump -Fc of the engine's schema, on a snapshot exported from the transaction that counts the rows."""
    schema = pg_schema(app)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot: str = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = database_facts(conn, schema)
            _run(["pg_dump", "-Fc", f'--schema="{schema}"', f"--snapshot={snapshot}", "-f", str(out)],
                 _pg_env(engine))  # fmt: skip
    return {**facts, "schema": schema}


def _pg_restore(app: Flask, engine: Engine, dump: Path) -> None:
    """Replace the schema in one transaction: drop it, then replay the dump (which creates it again)."""
    schema, env = pg_schema(app), _pg_env(engine)
    script, prologue = dump.with_suffix(".sql"), dump.with_name("prologue.sql")
    _run(["pg_restore", "--no-owner", "--no-privileges", "-f", str(script), str(dump)], env)
    prologue.write_text(
        f"SET lock_timeout = '{LOCK_TIMEOUT}';\nDROP SCHEMA IF EXISTS \"{schema}\" CASCADE;\n"
    )
    _run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
          "-f", str(prologue), "-f", str(script)], env)  # fmt: skip


def copy_database(app: Flask, engine: Engine, out: Path) -> dict[str, Any]:
    """Write a consistent copy of the database to ``out``; return the facts of that same snapshot."""
    return _sqlite_copy(engine, out) if engine.dialect.name == "sqlite" else _pg_dump(app, engine, out)


def restore_database(app: Flask, engine: Engine, copy: Path) -> None:
    """Replace the configured database with ``copy`` (the engine's pool must be disposed first)."""
    if engine.dialect.name == "sqlite":
        _sqlite_restore(engine, copy)
    else:
        _pg_restore(app, engine, copy)
