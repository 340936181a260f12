"""The demo's system flags: the scan run over the seeded registry, three flags confirmed into hazards, one dismissed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from datetime import time as clock_time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.site import flag_scan, flag_services
from knowledge.site.inspection_models import FlagState, SystemFlag


def seed_flags(session: Session, today: date, recorder: int) -> dict[str, int]:
    """Run the system-flag scan over the seeded registry, confirm three flags into hazards and dismiss one."""
    now = datetime.combine(today, clock_time(12, 0), tzinfo=UTC)
    run, _ = flag_scan.start_scan(session, scope=None, now=now)
    flag_scan.run_scan(session, run.id, today=today)
    scope = Scope(recorder, Role.REGULATOR)  # the seed acts as the province's regulator
    found = session.scalars(
        select(SystemFlag).where(SystemFlag.state == FlagState.OPEN).order_by(SystemFlag.id).limit(4)
    ).all()
    for flag in found[:3]:
        flag_services.confirm_flag(session, flag, scope=scope, today=today, now=now)
    for flag in found[3:]:
        flag_services.dismiss_flag(
            session, flag, scope=scope, now=now, reason="经核实该工程已取得论证意见，登记数据尚未同步"
        )
    return {"site_system_flag": session.scalar(select(func.count(SystemFlag.id))) or 0}
