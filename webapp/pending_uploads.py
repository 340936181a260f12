"""Uploaded files waiting for the user's confirmation after a dry run (bulk imports): kept under instance/,
named by a token that only the uploading account's session holds, gone after confirmation or an hour."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, session

from webapp.auth import current_account

STORE_SECONDS = 3600


@dataclass(frozen=True)
class PendingUploads:
    session_key: str
    folder_name: str
    encrypted: bool = False  # files holding personal data are encrypted at rest with EXPERT_ID_KEY

    def folder(self) -> Path:
        return Path(current_app.instance_path) / self.folder_name

    def _fernet(self) -> Fernet:
        return Fernet(current_app.config["EXPERT_ID_KEY"].encode())

    def store(self, data: bytes, filename: str) -> str:
        """Keep the checked bytes for the confirmation; one pending file per session."""
        folder = self.folder()
        folder.mkdir(parents=True, exist_ok=True)
        self._sweep(folder)
        self.discard()
        token = secrets.token_urlsafe(24)
        (folder / f"{token}.bin").write_bytes(self._fernet().encrypt(data) if self.encrypted else data)
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
        """Remove files of dry runs nobody confirmed within the hour."""
        cutoff = time.time() - STORE_SECONDS
        for path in folder.glob("*.bin"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:  # another process swept it first
                continue
