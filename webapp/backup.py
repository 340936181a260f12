"""Backup and restore: one tar holding a consistent database copy, the uploads and a manifest; never the keys."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

import click
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from expert_pool.draws.services import Verification, verify_all
from webapp.backup_database import BackupError, copy_database, database_facts, pg_schema, restore_database
from webapp.config import KEYS_DIR, PENDING_UPLOADS_DIR
from webapp.extensions import db

__all__ = ["BackupError", "RestoreResult", "create_backup", "read_backup", "restore_backup"]

FORMAT = "weida-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"  # covers the manifest itself, so no byte of the archive goes unchecked
DATABASE_PARTS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads"
KEY_FILES = frozenset(
    {"secret_key", "expert_id_key"}
)  # generated under instance/keys/ (formerly instance/); never archived
KEYS_NOTE = (
    "本备份不含密钥（SECRET_KEY、EXPERT_ID_KEY）：请另行妥善保管；"
    "没有原来的 EXPERT_ID_KEY，恢复后专家身份证号等加密字段无法读取。"
)
_CHUNK = 1024 * 1024
_CHECKSUM_LAST = 155  # the last byte of a tar header's checksum field, after its NUL: tarfile never reads it

Echo = Callable[[str], None]


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    verifications: list[Verification]

    @property
    def broken(self) -> list[Verification]:
        return [v for v in self.verifications if not v.ok]


def _quiet(_line: str) -> None: ...


class _HashingReader:
    """Reads a file for tarfile while hashing exactly the bytes that go into the archive."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh, self.digest = fh, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def _known_revisions(app: Flask) -> tuple[set[str], str]:
    script = ScriptDirectory(app.extensions["migrate"].directory)
    return {r.revision for r in script.walk_revisions()}, ", ".join(script.get_heads())


# --- the archive -----------------------------------------------------------------------------------------


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    with path.open("rb") as fh:
        info = tarfile.TarInfo(name)
        stat = os.fstat(fh.fileno())
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o644
        reader = _HashingReader(fh)
        tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": info.size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(mtime), 0o644
    tar.addfile(info, io.BytesIO(data))


def _upload_files(app: Flask, root: Path) -> list[Path]:
    """Every regular file under the upload folder, except a key file should the folder hold one and the imports
    waiting an hour at most for their confirmation (webapp/pending_uploads.py)."""
    if not root.is_dir():
        return []
    keys = {(Path(app.instance_path) / k).resolve() for k in KEY_FILES}
    key_dir = (Path(app.instance_path) / KEYS_DIR).resolve()
    pending = (root / PENDING_UPLOADS_DIR).resolve()
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()
                  and p.name not in KEY_FILES and p.resolve() not in keys
                  and key_dir not in p.resolve().parents and pending not in p.resolve().parents)  # fmt: skip


def _free_path(path: Path) -> Path:
    n, candidate = 1, path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def create_backup(app: Flask, out_dir: str | Path, *, echo: Echo = _quiet) -> Path:
    """Write weida-backup-<UTC time>.tar into ``out_dir`` and return its path."""
    out, uploads = Path(out_dir).resolve(), Path(app.config["UPLOAD_DIR"]).resolve()
    if out == uploads or uploads in out.parents:
        raise BackupError("备份目录不能位于上传文件目录之内")
    out.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    target = _free_path(out / f"weida-backup-{created:%Y%m%dT%H%M%SZ}.tar")
    with app.app_context(), tempfile.TemporaryDirectory(dir=out, prefix=".backup-") as tmp:
        engine = db.engine
        kind = engine.dialect.name
        if kind not in DATABASE_PARTS:
            raise BackupError(f"不支持备份此类数据库：{kind}")
        echo("数据库：正在生成一致的副本…")
        part = Path(tmp) / DATABASE_PARTS[kind]
        try:
            facts = copy_database(app, engine, part) | {"kind": kind}
            _write_archive(app, Path(tmp), target, part, facts, created, echo)
        except (OSError, ValueError, tarfile.TarError) as exc:  # a full disk, a name ustar cannot hold
            raise BackupError(f"写入备份失败，未生成备份文件：{exc}") from exc
    return target


def _write_archive(app: Flask, tmp: Path, target: Path, part: Path, facts: dict[str, Any], created: datetime,
                   echo: Echo) -> None:  # fmt: skip
    """Ustar headers only (one block each), so every byte of the archive is covered by some checksum."""
    kind, uploads = facts["kind"], Path(app.config["UPLOAD_DIR"]).resolve()
    files = _upload_files(app, uploads)
    partial = tmp / "archive.tar"
    with tarfile.open(partial, "w", format=tarfile.USTAR_FORMAT, encoding="utf-8") as tar:
        sums = {part.name: _add(tar, part, part.name)}
        echo(f"数据库：已写入（{kind}，{sums[part.name]['size']} 字节）")
        echo(f"上传文件：{len(files)} 个")
        for path in files:
            name = f"{UPLOADS}/{path.relative_to(uploads).as_posix()}"
            sums[name] = _add(tar, path, name)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": created.isoformat(),
            "database": {"kind": kind, "file": part.name, "schema": facts.get("schema")},
            "alembic_revision": facts["alembic_revision"], "counts": facts["counts"],
            "uploads": len(files), "files": sums, "keys_included": False, "keys_note": KEYS_NOTE,
        }  # fmt: skip
        data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
        _add_bytes(tar, MANIFEST, data, created.timestamp())
        _add_bytes(tar, MANIFEST_SUM, hashlib.sha256(data).hexdigest().encode(), created.timestamp())
    echo(f"校验和：已为 {len(sums)} 个部分记录 SHA-256")
    partial.chmod(0o600)  # the data of every person in the pool: readable by its owner only
    partial.replace(target)


def _safe_name(name: str, db_part: str) -> bool:
    path = PurePosixPath(name)
    inside = len(path.parts) > 1 and path.parts[0] == UPLOADS and ".." not in path.parts
    return not path.is_absolute() and (name == db_part or inside)


def _read_manifest(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> dict[str, Any]:
    if MANIFEST not in members or MANIFEST_SUM not in members:
        raise BackupError("备份文件已损坏或不是本系统的备份（找不到 manifest.json），已拒绝，未做任何更改")
    data, recorded = (_member_bytes(tar, members[n]) for n in (MANIFEST, MANIFEST_SUM))
    if hashlib.sha256(data).hexdigest().encode() != recorded.strip():
        raise BackupError("备份文件已损坏：manifest.json 的校验和不符，已拒绝，未做任何更改")
    manifest = json.loads(data)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("这不是本系统的备份文件，已拒绝")
    if manifest.get("format_version") != FORMAT_VERSION or manifest.get("keys_included") is not False:
        raise BackupError(f"不认识的备份格式版本：{manifest.get('format_version')}，已拒绝")
    shape = {"database": dict, "files": dict, "counts": dict, "uploads": int, "created_at": str}
    if (
        not all(isinstance(manifest.get(k), t) for k, t in shape.items())
        or manifest["database"].get("kind") not in DATABASE_PARTS
    ):
        raise BackupError("备份文件的 manifest.json 内容不完整，已拒绝")
    return manifest


def _member_bytes(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    fh = tar.extractfile(member)
    if fh is None:
        raise BackupError(f"备份文件已损坏：{member.name} 不是普通文件")
    return fh.read()


def _extract(tar: tarfile.TarFile, manifest: dict[str, Any], into: Path) -> None:
    """Extract each part while hashing it; the set of parts must be exactly the manifest's."""
    expected: dict[str, dict[str, Any]] = manifest["files"]
    db_part = manifest["database"]["file"]
    names = [m.name for m in tar.getmembers() if m.name not in (MANIFEST, MANIFEST_SUM)]
    if sorted(names) != sorted(expected) or not all(_safe_name(n, db_part) for n in names):
        raise BackupError("备份文件已损坏：其中的文件与 manifest.json 的清单不符，已拒绝")
    for name in names:
        member = tar.getmember(name)
        fh = tar.extractfile(member) if member.isfile() else None
        if fh is None:
            raise BackupError(f"备份文件已损坏：{name} 不是普通文件")
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with target.open("wb") as out:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected[name].get("sha256"):
            raise BackupError(f"备份文件已损坏：{name} 的 SHA-256 校验和不符，已拒绝，未做任何更改")


def _check_slack(archive: str | Path, members: list[tarfile.TarInfo]) -> None:
    """The bytes no checksum covers are as written: the block padding and end-of-archive blocks are zeros, and
    the last byte of each (one-block, ustar) header's checksum field is a space or NUL. With the header
    checksums and the parts' SHA-256, no changed byte goes unnoticed."""
    with open(archive, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        starts = [m.offset for m in members[1:]] + [size]
        for member, stop in zip(members, starts, strict=True):
            fh.seek(member.offset + _CHECKSUM_LAST)
            last = fh.read(1)
            header_ok = member.offset_data - member.offset == tarfile.BLOCKSIZE and last in (b" ", b"\0")
            fh.seek(member.offset_data + member.size)
            if not header_ok or fh.read(stop - fh.tell()).strip(b"\0"):
                raise BackupError("备份文件已损坏：文件块的头部或填充被改动，已拒绝，未做任何更改")


def read_backup(archive: str | Path, into: Path) -> dict[str, Any]:
    """Check the manifest and every checksum, extracting the parts into ``into``; return the manifest."""
    try:
        with tarfile.open(archive, "r:") as tar:
            manifest = _read_manifest(tar, {m.name: m for m in tar.getmembers()})
            _extract(tar, manifest, into)
            _check_slack(archive, tar.getmembers())
    except (tarfile.TarError, OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"无法读取备份文件，文件已损坏或不是本系统的备份（{exc}），未做任何更改") from exc
    return manifest


def _check_compatible(app: Flask, manifest: dict[str, Any], kind: str) -> None:
    theirs = manifest["database"]["kind"]
    if theirs != kind:
        raise BackupError(f"备份来自 {theirs} 数据库，当前配置的是 {kind} 数据库，不能恢复")
    if kind == "postgresql" and manifest["database"].get("schema") != pg_schema(app):
        raise BackupError(
            f"备份的是数据库模式 {manifest['database'].get('schema')}，当前配置使用 {pg_schema(app)}，不能恢复"
        )
    revision = manifest.get("alembic_revision")
    known, head = _known_revisions(app)
    if revision is not None and revision not in known:
        raise BackupError(
            f"备份的数据库版本（{revision}）比当前程序的最新迁移（{head}）新或不被识别：请先升级程序再恢复"
        )


def _describe(manifest: dict[str, Any]) -> str:
    counts = "，".join(f"{k} {v}" for k, v in sorted(manifest["counts"].items()))
    return (
        f"备份时间 {manifest['created_at']}，{manifest['database']['kind']} 数据库，"
        f"迁移版本 {manifest.get('alembic_revision') or '未记录'}，上传文件 {manifest['uploads']} 个；{counts}"
    )


def _replace_uploads(source: Path, target: Path, scratch: Path) -> None:
    """Swap the restored folder in by renames (same file system); fall back to emptying and copying."""
    source.mkdir(parents=True, exist_ok=True)
    try:
        if target.exists():
            target.rename(scratch / "replaced-uploads")
    except OSError:  # a mount point cannot be renamed
        for child in target.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        shutil.copytree(source, target, dirs_exist_ok=True)
        return
    source.rename(target)


def restore_backup(
    app: Flask,
    archive: str | Path,
    *,
    confirm: Callable[[dict[str, Any]], bool] = lambda _manifest: True,
    echo: Echo = _quiet,
) -> RestoreResult | None:
    """Check ``archive``, then replace the database and the uploads with it; None when not confirmed."""
    uploads = Path(app.config["UPLOAD_DIR"]).resolve()
    uploads.parent.mkdir(parents=True, exist_ok=True)
    with app.app_context(), tempfile.TemporaryDirectory(dir=uploads.parent, prefix=".restore-") as tmp:
        scratch = Path(tmp)
        echo("校验和：正在检查备份文件…")
        manifest = read_backup(archive, scratch / "parts")
        engine = db.engine
        _check_compatible(app, manifest, engine.dialect.name)
        echo(f"校验和：{len(manifest['files'])} 个部分全部相符。{_describe(manifest)}")
        if not confirm(manifest):
            return None
        db.session.remove()
        engine.dispose()
        echo("数据库：正在恢复…")
        part = scratch / "parts" / manifest["database"]["file"]
        restore_database(app, engine, part)
        engine.dispose()
        echo(f"上传文件：正在恢复 {manifest['uploads']} 个…")
        _replace_uploads(scratch / "parts" / UPLOADS, uploads, scratch)
        with Session(engine) as session:
            schema = pg_schema(app) if engine.dialect.name == "postgresql" else None
            counts = database_facts(session.connection(), schema)["counts"]
            if counts != manifest["counts"]:
                raise BackupError(f"恢复后的行数与备份记录不符：{counts}，备份为 {manifest['counts']}")
            verifications = verify_all(session)
    return RestoreResult(manifest, verifications)


# --- flask backup ... ------------------------------------------------------------------------------------


def _invoke_reindex(ctx: click.Context) -> None:
    search = ctx.find_root().command
    group = search.get_command(ctx, "search") if isinstance(search, click.Group) else None
    reindex = group.get_command(ctx, "reindex") if isinstance(group, click.Group) else None
    if reindex is None:
        raise click.ClickException("未找到 flask search reindex 命令")
    ctx.invoke(reindex)


def register_backup_cli(app: Flask) -> None:
    group = AppGroup("backup", help="备份与恢复：数据库与上传文件（不含密钥）")

    @group.command("create")
    @click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="备份文件存放目录（默认 instance/backups）")  # fmt: skip
    def create(out_dir: Path | None) -> None:
        """Write one archive: a consistent database copy, the uploads and a manifest with checksums."""
        try:
            path = create_backup(current_app, out_dir or Path(current_app.instance_path) / "backups",
                                 echo=click.echo)  # fmt: skip
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"备份已完成：{path}")
        click.echo(KEYS_NOTE)

    @group.command("restore")
    @click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="不再询问，直接覆盖当前数据库和上传文件")
    @click.option("--reindex", is_flag=True, help="恢复后立即重建检索索引（同 flask search reindex）")
    @click.pass_context
    def restore(ctx: click.Context, archive: Path, yes: bool, reindex: bool) -> None:
        """Replace the database and the uploads with a checked archive, then verify the draw chain."""
        if not archive.is_file():
            raise click.ClickException(f"找不到备份文件：{archive}")

        def confirm(_manifest: dict[str, Any]) -> bool:
            question = "将用此备份覆盖当前数据库和全部上传文件，当前数据将丢失。确定继续吗？"
            return yes or click.confirm(question, default=False)

        try:
            result = restore_backup(current_app, archive, confirm=confirm, echo=click.echo)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        if result is None:
            raise click.ClickException("已取消恢复，未做任何更改")
        click.echo("数据库与上传文件已恢复。")
        revision = result.manifest.get("alembic_revision")
        if revision is None:
            click.echo("备份未记录迁移版本（数据库不是由 flask init-db 建立的）。")
        elif revision != _known_revisions(current_app)[1]:
            click.echo(f"备份的迁移版本 {revision} 早于当前程序：请运行 flask init-db 升级数据库。")
        if reindex:
            _invoke_reindex(ctx)
        else:
            click.echo("检索索引仍是恢复前的内容：请运行 flask search reindex 重建。")
        for broken in result.broken:
            click.echo(broken.message)
        if result.broken:
            raise click.ClickException(
                f"抽取记录校验：{len(result.broken)} 条未通过（flask draws verify --all 查看）"
            )
        click.echo(f"抽取记录校验：共 {len(result.verifications)} 条，全部通过")
        click.echo(KEYS_NOTE)

    app.cli.add_command(group)
