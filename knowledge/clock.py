"""China Standard Time (UTC+8, no daylight saving), the zone every date a person reads is shown in."""

from __future__ import annotations

from datetime import timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")
