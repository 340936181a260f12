"""The security administrator's view of the application's keys: where each comes from, when its file was made,
its file mode and a fingerprint; never a key itself (GB/T 22239-2019 8.1.5.3 b: 安全参数; 8.1.5.3 a: audited)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.permissions import can_manage_credentials
from knowledge.accounts.services import acting

PRIVATE_MODE = 0o600


@dataclass(frozen=True)
class KeyStatus:
    name: str  # the configuration name, e.g. AUDIT_CHAIN_KEY
    label: str
    source: str  # "file" (instance/keys), "env" (the environment) or "missing"
    created_at: datetime | None  # when the file was written (keys are written once)
    mode: int | None
    fingerprint: str  # the first 16 hex digits of the SHA-256 of the key: compare two machines, learn nothing

    @property
    def is_private(self) -> bool:
        return self.source == "env" or self.mode == PRIVATE_MODE

    @property
    def mode_label(self) -> str:
        return f"{self.mode:04o}" if self.mode is not None else "—"


def fingerprint(value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def key_statuses(
    session: Session,
    *,
    actor_id: int,
    keys_dir: Path,
    configured: Mapping[str, str],
    labels: Mapping[str, str],
    from_env: frozenset[str],
) -> list[KeyStatus]:
    """One status per configured key, in the order of ``labels``; the look is recorded in the audit log."""
    acting(session, actor_id, can_manage_credentials, "只有安全管理员可以查看密钥状态")
    found = []
    for name, label in labels.items():
        value = configured.get(name) or ""
        path = keys_dir / name.lower()
        if name in from_env:
            found.append(KeyStatus(name, label, "env", None, None, fingerprint(value)))
        elif path.is_file():
            stat = path.stat()
            created = datetime.fromtimestamp(stat.st_mtime, UTC)
            found.append(KeyStatus(name, label, "file", created, stat.st_mode & 0o777, fingerprint(value)))
        else:
            found.append(KeyStatus(name, label, "missing", None, None, fingerprint(value) if value else "—"))
    audit.record_read(session, actor_id=actor_id, action="key_status_view", obj=("keys", "*"),
                      after={"keys": len(found)})  # fmt: skip
    return found
