"""One keyed-chain kernel (issue 18): the audit log and the draws' chain take their key slot, canonical JSON and
HMAC from ``knowledge.keyed_chain``, and every MAC they compute is the one they stored before (a changed byte
would break every chain already in a database)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

from expert_pool.draws import chain
from knowledge import audit

KEY = b"a test key"
AT = datetime(2026, 12, 3, 11, 0, tzinfo=timezone(timedelta(hours=8)))  # the same instant as 03:00 UTC


def as_before(body: dict) -> str:
    """The MAC exactly as both modules computed it before the kernel (their own json.dumps and hmac.new)."""
    data = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(KEY, data, hashlib.sha256).hexdigest()


def test_a_draw_chain_entrys_mac_is_unchanged():
    row = {"seq": 7, "kind": "seat_drawn", "draw_id": 3, "seat_id": 11, "expert_id": 5, "at": AT,
           "payload": {"draw_id": 3, "expert_id": 5, "position": 1, "status": "invited", "备注": "候补"},
           "prev_mac": "ab" * 32}  # fmt: skip
    before = as_before({**{k: v for k, v in row.items() if k != "at"}, "at": AT.astimezone(UTC).isoformat()})
    # The literal is what the code before the kernel gave for this row.
    assert (
        chain.entry_mac(KEY, row)
        == before
        == "a39e39a6f3c773b789d884dc998f3e7e19b5274be083052ca5491cc4c8270026"
    )


def test_an_audit_rows_mac_is_unchanged():
    row = SimpleNamespace(seq=4, at=AT, actor_id=2, action="expert_update", object_type="expert", object_id="9",
                   before={"name": "张三", 1: (1, 2)}, after={"name": "张三丰"}, address="203.0.113.9",
                   outcome="ok", prev_mac="cd" * 32)  # fmt: skip
    body = {"seq": 4, "at": AT.astimezone(UTC).isoformat(), "actor_id": 2, "action": "expert_update",
            "object_type": "expert", "object_id": "9", "before": {"name": "张三", "1": [1, 2]},
            "after": {"name": "张三丰"}, "address": "203.0.113.9", "outcome": "ok", "prev_mac": "cd" * 32}  # fmt: skip
    # The literal is what the code before the kernel gave for this row.
    assert (
        audit.row_mac(KEY, row)
        == as_before(body)
        == "287923f828cd3920aea172b101f8418ef99bfa396b99e062cf0b28bbb36f0532"
    )
