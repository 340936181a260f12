"""`flask backup create` and `flask backup restore`: a seeded instance round-trips exactly; a damaged, foreign
or newer archive is refused before anything changes; the keys never travel with the data."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from expert_pool.experts.identity import IdentityVault
from expert_pool.experts.models import Expert
from knowledge.db import Base
from knowledge.enterprises.models import Enterprise
from tests.factories import make_enterprise, make_expert
from tests.review_fixtures import Meeting, concluded, ready_meeting
from webapp.backup import MANIFEST, MANIFEST_SUM

ID_NUMBER = "110101199003074578"


@pytest.fixture
def head(app: Any, session: Session) -> Iterator[str]:
    """The database stamped at the code's Alembic head, as `flask init-db` leaves it (the suite builds the
    schema with create_all, so it has no alembic_version table of its own)."""
    revision = ScriptDirectory(app.extensions["migrate"].directory).get_current_head()
    session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    session.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})
    session.commit()
    yield revision
    session.rollback()
    session.execute(text("DROP TABLE IF EXISTS alembic_version"))  # the PostgreSQL schema outlives the test
    session.commit()


@pytest.fixture
def seeded(app: Any, session: Session) -> tuple[Meeting, Enterprise]:
    """A concluded review (draw record, opinions, signed report, the plan file among the uploads), an expert
    with an encrypted ID number, and an enterprise nothing refers to."""
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    concluded(session, meeting)
    vault = IdentityVault(app.config["EXPERT_ID_KEY"].encode())
    meeting.panel[0].id_number_encrypted = vault.encrypt(ID_NUMBER)
    loner = make_enterprise(session, name="无关联的测试单位")
    session.commit()
    return meeting, loner


def rows(session: Session) -> dict[str, list[str]]:
    """Every row of every table, in a stable order."""
    found = {
        t.name: sorted(repr(tuple(r)) for r in session.execute(select(t)))
        for t in Base.metadata.sorted_tables
    }
    session.close()  # no open transaction holds a lock on the tables the restore replaces
    return found


def uploads(app: Any) -> dict[str, bytes]:
    root = Path(app.config["UPLOAD_DIR"])
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def backup(runner: Any, out: Path) -> Path:
    result = runner.invoke(args=["backup", "create", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "数据库" in result.output and "上传文件" in result.output and "校验和" in result.output
    (archive,) = out.glob("weida-backup-*.tar")
    return archive


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def rewritten(archive: Path, out: Path, manifest_changes: dict[str, Any]) -> Path:
    """The archive with its manifest changed and re-summed: well formed, only the content differs."""
    parts = members(archive)
    manifest = json.loads(parts[MANIFEST]) | manifest_changes
    parts[MANIFEST] = json.dumps(manifest).encode()
    parts[MANIFEST_SUM] = hashlib.sha256(parts[MANIFEST]).hexdigest().encode()
    with tarfile.open(out, "w") as tar:
        for name, data in parts.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def test_a_seeded_instance_round_trips_exactly(app, runner, session, seeded, head, tmp_path):
    meeting, loner = seeded
    before, files_before = rows(session), uploads(app)
    assert files_before and before["draw"] and before["review_report"]
    archive = backup(runner, tmp_path / "backups")
    manifest = json.loads(members(archive)[MANIFEST])
    assert manifest["alembic_revision"] == head and manifest["keys_included"] is False
    assert manifest["counts"]["draw"] == 1 and manifest["uploads"] == len(files_before)

    session.execute(update(Expert).where(Expert.id == meeting.panel[1].id).values(name="改过的名字"))
    session.execute(delete(Enterprise).where(Enterprise.id == loner.id))
    session.commit()
    make_expert(session, name="备份之后新增的专家")
    first = next(p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())
    first.unlink()
    assert rows(session) != before

    result = runner.invoke(args=["backup", "restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert "全部通过" in result.output and "flask search reindex" in result.output
    assert rows(session) == before
    assert uploads(app) == files_before
    assert runner.invoke(args=["draws", "verify", "--all"]).exit_code == 0
    reindex = runner.invoke(args=["search", "reindex"])
    assert reindex.exit_code == 0, reindex.output
    vault = IdentityVault(app.config["EXPERT_ID_KEY"].encode())
    token = session.get(Expert, meeting.panel[0].id).id_number_encrypted
    assert vault.decrypt(token) == ID_NUMBER  # the same key, kept apart, still reads it


def test_restore_asks_first_and_can_rebuild_the_index(app, runner, session, seeded, tmp_path):
    archive = backup(runner, tmp_path / "backups")
    make_expert(session, name="备份之后新增的专家")
    session.close()
    result = runner.invoke(args=["backup", "restore", str(archive)], input="n\n")
    assert result.exit_code != 0 and "已取消恢复" in result.output
    assert session.scalar(select(Expert).where(Expert.name == "备份之后新增的专家")) is not None
    session.close()
    result = runner.invoke(args=["backup", "restore", str(archive), "--reindex"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "检索索引已重建" in result.output and "全部通过" in result.output
    assert session.scalar(select(Expert).where(Expert.name == "备份之后新增的专家")) is None


@pytest.mark.parametrize(
    ("part", "where", "message"),
    [
        ("database", "data", "database.sqlite3 的 SHA-256 校验和不符"),
        ("upload", "data", "SHA-256 校验和不符"),
        ("manifest", "data", "manifest.json 的校验和不符"),
        ("upload", "header", "备份文件已损坏"),  # the tar header's own checksum
        ("checksum", "padding", "填充被改动"),  # the zeros after the last part, covered by no checksum
    ],
)
def test_an_archive_with_one_byte_changed_is_refused(
    app, runner, session, seeded, tmp_path, part, where, message
):
    archive = backup(runner, tmp_path / "backups")
    manifest = json.loads(members(archive)[MANIFEST])
    if part == "database" and manifest["database"]["kind"] == "postgresql":
        message = "database.pgdump 的 SHA-256 校验和不符"
    name = {"database": manifest["database"]["file"], "manifest": MANIFEST, "checksum": MANIFEST_SUM,
            "upload": next(n for n in manifest["files"] if n.startswith("uploads/"))}[part]  # fmt: skip
    with tarfile.open(archive) as tar:
        member = tar.getmember(name)
    position = {"data": member.offset_data + member.size // 2, "header": member.offset + 108,
                "padding": member.offset_data + member.size + 1}[where]  # fmt: skip
    data = bytearray(archive.read_bytes())
    data[position] ^= 0x01
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))
    make_expert(session, name="备份之后新增的专家")
    session.close()
    result = runner.invoke(args=["backup", "restore", str(damaged), "--yes"])
    assert result.exit_code != 0 and message in result.output and "未做任何更改" in result.output
    assert session.scalar(select(Expert).where(Expert.name == "备份之后新增的专家")) is not None


def test_a_foreign_archive_or_file_is_refused(runner, session, tmp_path):
    foreign = tmp_path / "foreign.tar"
    with tarfile.open(foreign, "w") as tar:
        tar.add(Path(__file__), arcname="notes.py")
    result = runner.invoke(args=["backup", "restore", str(foreign), "--yes"])
    assert result.exit_code != 0 and "不是本系统的备份" in result.output
    text_file = tmp_path / "notes.txt"
    text_file.write_text("这不是备份", encoding="utf-8")
    result = runner.invoke(args=["backup", "restore", str(text_file), "--yes"])
    assert result.exit_code != 0 and "无法读取备份文件" in result.output
    assert runner.invoke(args=["backup", "restore", str(tmp_path / "none.tar")]).exit_code != 0


def test_a_backup_newer_than_the_code_is_refused(app, runner, session, seeded, head, tmp_path):
    archive = backup(runner, tmp_path / "backups")
    assert json.loads(members(archive)[MANIFEST])["alembic_revision"] == head
    newer = rewritten(archive, tmp_path / "newer.tar", {"alembic_revision": "9999_from_the_future"})
    result = runner.invoke(args=["backup", "restore", str(newer), "--yes"])
    assert result.exit_code != 0 and "请先升级程序" in result.output
    other_kind = "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "sqlite"
    manifest = json.loads(members(archive)[MANIFEST])
    foreign = rewritten(
        archive, tmp_path / "kind.tar", {"database": manifest["database"] | {"kind": other_kind}}
    )
    result = runner.invoke(args=["backup", "restore", str(foreign), "--yes"])
    assert result.exit_code != 0 and "不能恢复" in result.output


def test_the_keys_are_never_in_the_archive(app, runner, session, seeded, tmp_path):
    keys = [app.config["EXPERT_ID_KEY"].encode(), app.config["SECRET_KEY"].encode()]
    # Even when the upload folder is (wrongly) the instance folder that holds the generated key files.
    for n, upload_dir in enumerate((app.config["UPLOAD_DIR"], app.instance_path)):
        app.config["UPLOAD_DIR"] = upload_dir
        archive = backup(runner, tmp_path / f"backups{n}")
        parts = members(archive)
        assert not [name for name, data in parts.items() for key in keys if key in data]
        manifest = json.loads(parts[MANIFEST])
        assert manifest["keys_included"] is False and "EXPERT_ID_KEY" in manifest["keys_note"]


def test_imports_waiting_for_confirmation_are_left_out(app, runner, session, seeded, tmp_path):
    pending = Path(app.config["UPLOAD_DIR"]) / "pending" / "imports"
    pending.mkdir(parents=True)
    (pending / "token.bin").write_bytes(b"a dry run nobody confirmed yet")
    parts = members(backup(runner, tmp_path / "backups"))
    assert not [name for name in parts if "pending" in name]
    assert json.loads(parts[MANIFEST])["uploads"] == len(uploads(app)) - 1
