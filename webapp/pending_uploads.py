"""Uploaded files waiting for the user's confirmation after a dry run (bulk imports): kept in the shared upload
store (UPLOAD_DIR/pending/), named by a token that only the uploading account's session holds, gone after
confirmation or an hour.

The upload store is a directory, UPLOAD_DIR, which a site with two or more application nodes mounts from shared
storage (NFS or a NAS share, the same path and the same service account on every node), not the database's large
objects (no ``UPLOAD_STORE=db``):

- plan files run up to 25 MB (PLAN_MAX_MB) and a province keeps about a million over a decade: terabytes that in
  PostgreSQL would be copied by every ``pg_basebackup`` of a new replica, streamed through the WAL to each one,
  and written into every ``pg_dump`` that ``flask backup create`` takes, while nobody ever queries inside them;
- ``flask backup create`` already archives the folder beside a consistent database copy, with a checksum per
  file, and restores both (webapp/backup.py): nothing to add;
- every reader and writer already goes through a path (``plan_files.store``/``stored_path``, ``site.files``),
  written under a temporary name and renamed into place, which shared storage keeps atomic; Flask sends a file
  in chunks from a path, where a large object needs a transaction held open for the whole download.

So whatever two nodes must both see lives under UPLOAD_DIR, never under the per-node instance folder: a dry run
checked on one node is confirmed on another (the session is a signed cookie both nodes read). The pending folder
is left out of backups (webapp/backup.py): its files live an hour and are of no use after a restore.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, session

from webapp.auth import current_account
from webapp.config import PENDING_UPLOADS_DIR

STORE_SECONDS = 3600


@dataclass(frozen=True)
class PendingUploads:
    session_key: str
    folder_name: str
    encrypted: bool = False  # files holding personal data are encrypted at rest with EXPERT_ID_KEY

    def folder(self) -> Path:
        return Path(current_app.config["UPLOAD_DIR"]) / PENDING_UPLOADS_DIR / self.folder_name

    def _fernet(self) -> Fernet:
        return Fernet(current_app.config["EXPERT_ID_KEY"].encode())

    def store(self, data: bytes, filename: str) -> str:
        """Keep the checked bytes for the confirmation; one pending file per session."""
        folder = self.folder()
        folder.mkdir(parents=True, exist_ok=True)
        self._sweep(folder)
        self.discard()
        token = secrets.token_urlsafe(24)
        path, partial = folder / f"{token}.bin", folder / f".{token}.part"
        partial.write_bytes(self._fernet().encrypt(data) if self.encrypted else data)
        partial.replace(path)  # another node sees the whole file or none
        session[self.session_key] = {"token": token, "filename": filename, "account_id": current_account().id}
        return token

    def load(self, token: str) -> tuple[bytes, str] | None:
        held = session.get(self.session_key)
        if not held or held.get("account_id") != current_account().id:
            return None
        if not hmac.compare_digest(str(held.get("token", "")), token):
            return None
        path = (
            self.folder() / f"{held['token']}.bin"
        )  # the session's own token names the file, never the posted one
        if not path.is_file() or time.time() - path.stat().st_mtime > STORE_SECONDS:
            self.discard()
            return None
        try:
            data = self._fernet().decrypt(path.read_bytes()) if self.encrypted else path.read_bytes()
        except InvalidToken:
            self.discard()
            return None
        return data, str(held.get("filename", ""))

    def discard(self) -> None:
        held = session.pop(self.session_key, None)
        if held:
            (self.folder() / f"{held['token']}.bin").unlink(missing_ok=True)

    @staticmethod
    def _sweep(folder: Path) -> None:
        """Remove files of dry runs nobody confirmed within the hour (and any a crash left half written)."""
        cutoff = time.time() - STORE_SECONDS
        for path in folder.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:  # another process swept it first
                continue
