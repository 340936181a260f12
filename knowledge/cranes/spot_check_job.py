"""The spot-check job (issue 21 item 6): the published inspection reports of the policy window read as plain tuples
in one streamed query, ``spot_checks.spot_check_list`` run over them, and the run's spreads and flags stored.

The policy (``SpotCheckPolicy``, every number **policy**: no regulation sets them, see ``spot_checks``) is kept in
the policy settings table under the group ``cranes`` and edited by the admin on the policy page, like the hazard
deadlines (``knowledge.site.deadlines``). A run copies the policy it used, so its flags can be replayed.

Progress: ``SpotCheckRun.total`` is the number of reports in the window, ``done`` the number read so far; the run
is committed after every chunk (from a second connection: the reading one keeps its cursor open), so the page that
started it can poll. A finished run is not run again, and a run that fails keeps its error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes.errors import SpotCheckPolicyError
from knowledge.cranes.inspection_models import InspectionReport, ReportState, SpotCheckFlag, SpotCheckRun
from knowledge.cranes.machines import MachineType
from knowledge.cranes.periods import add_months
from knowledge.cranes.spot_checks import ReportRecord, SpotCheckList, SpotCheckPolicy, spot_check_list
from knowledge.db import utcnow
from knowledge.errors import NotFoundError, PermissionDenied
from knowledge.job_runs import keep_failure
from knowledge.settings import check_bounds, stored_values

GROUP = "cranes"
READ_CHUNK = 10_000
# A run not finished after this long is taken as dead (its process was killed): a new one may start.
STALE_AFTER = timedelta(hours=1)
MINUTES = "min_minutes_"
Progress = Callable[[int, int], None]

# The policy as the admin edits it: one flat number per key; the minimum minutes per machine type are one key each.
INTEGERS: dict[str, str] = {
    "window_months": "抽查统计窗口（月）",
    "min_reports": "参与全省分布的最少报告数",
    "zero_share_percentile": "零不合格项占比的百分位（高于即预警）",
    "low_mean_percentile": "平均不合格项数的百分位（低于即预警）",
    "short_percentile": "检验用时的百分位（低于即预警）",
    "max_reports_per_inspector_day": "每名检验员每日报告上限（份）",
}
FLOATS: dict[str, str] = {
    "zero_share_margin": "零不合格项占比须高出中位数（0.2即20个百分点）",
    "low_mean_ratio": "平均不合格项数不足中位数的比例",
    "short_ratio": "检验用时不足中位数的比例",
    **{f"{MINUTES}{t.value}": f"{t.label}最短合理检验用时（分钟）" for t in MachineType},
}
LABELS: dict[str, str] = {**INTEGERS, **FLOATS}
# What the admin may set: beyond these a value is a typo rather than a policy.
BOUNDS: dict[str, tuple[float, float]] = {
    "window_months": (1, 60), "min_reports": (1, 1000), "zero_share_percentile": (1, 99),
    "low_mean_percentile": (1, 99), "short_percentile": (1, 99), "max_reports_per_inspector_day": (1, 100),
    "zero_share_margin": (0, 1), "low_mean_ratio": (0.01, 1), "short_ratio": (0.01, 1),
    **{f"{MINUTES}{t.value}": (0, 1440) for t in MachineType},
}  # fmt: skip
_FIELDS = frozenset(INTEGERS) | {"zero_share_margin", "low_mean_ratio", "short_ratio"}


def policy_to_dict(policy: SpotCheckPolicy) -> dict[str, int | float]:
    values: dict[str, int | float] = {
        key: getattr(policy, key) for key in (*INTEGERS, *FLOATS) if key in _FIELDS
    }
    for machine_type in MachineType:
        values[f"{MINUTES}{machine_type.value}"] = float(policy.min_minutes.get(machine_type, 0.0))
    return values


def policy_from_dict(values: Mapping[str, Any]) -> SpotCheckPolicy:
    """The policy from stored or submitted values (each checked and turned into its number); defaults fill the rest.

    :raises ValidationError: (``SpotCheckPolicyError`` among them) for a value that is not a number or lies
        outside its bounds, or a set of values the rule cannot apply.
    """
    merged = {
        **policy_to_dict(SpotCheckPolicy()),
        **{k: _number(k, v) for k, v in values.items() if k in LABELS},
    }
    check_bounds(merged, BOUNDS, LABELS)
    minutes = {t: float(merged[f"{MINUTES}{t.value}"]) for t in MachineType}
    chosen: dict[str, Any] = {k: merged[k] for k in _FIELDS}
    return SpotCheckPolicy(**chosen, min_minutes=minutes)


def _number(key: str, raw: Any) -> int | float:
    try:
        if isinstance(raw, bool):
            raise ValueError(raw)
        value = float(str(raw).strip()) if key in FLOATS else int(str(raw).strip())
    except (TypeError, ValueError, OverflowError):
        raise SpotCheckPolicyError(
            f"“{LABELS[key]}”的取值无效：{str(raw)[:20]}，请填写数字", field=key
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise SpotCheckPolicyError(f"“{LABELS[key]}”的取值无效，请填写数字", field=key)
    return value


def spot_check_policy(session: Session) -> SpotCheckPolicy:
    """The stored policy (defaults where the admin set nothing)."""
    return policy_from_dict(stored_values(session, GROUP))


def checked(current: SpotCheckPolicy, values: Mapping[str, Any]) -> SpotCheckPolicy:
    """The policy with the submitted values, checked whole before anything is stored."""
    return policy_from_dict({**policy_to_dict(current), **values})


WindowStmt = Select[int, MachineType, int, datetime, datetime | None, int | None, date | None]


def window_stmt(on: date, policy: SpotCheckPolicy) -> WindowStmt:
    """The reports the job reads: published, with their times and count, in the window ending ``on``."""
    start = add_months(on, -policy.window_months)
    r = InspectionReport
    return select(r.body_id, r.machine_type, r.inspector_id, r.started_at, r.finished_at, r.nonconformities,
                  r.published_on).where(
        r.state == ReportState.PUBLISHED, r.published_on > start, r.published_on <= on,
        r.finished_at.is_not(None), r.nonconformities.is_not(None),
    )  # fmt: skip


def may_run(scope: Scope) -> bool:
    return scope.role in (Role.REGULATOR, Role.ADMIN)


def start_run(session: Session, *, scope: Scope | None, now: datetime, on: date) -> tuple[SpotCheckRun, bool]:
    """A new run for the job (``scope`` None: the command line) and True; while one is running, that one and False.

    :raises PermissionDenied: for a role other than regulator or admin.
    """
    if scope is not None and not may_run(scope):
        raise PermissionDenied("只有监管人员和系统管理员可以计算抽查名单")
    running = session.scalar(
        select(SpotCheckRun)
        .where(SpotCheckRun.finished_at.is_(None), SpotCheckRun.started_at > now - STALE_AFTER)
        .order_by(SpotCheckRun.id.desc())
        .limit(1)
    )
    if running is not None:
        return running, False
    policy = spot_check_policy(session)
    counted = select(func.count()).select_from(window_stmt(on, policy).subquery())
    run = SpotCheckRun(on=on, policy=policy_to_dict(policy), started_by=scope.account_id if scope else None,
                       started_at=now, total=session.scalar(counted) or 0, done=0)  # fmt: skip
    session.add(run)
    session.commit()
    return run, True


def run_spot_checks(
    session: Session, run_id: int, *, chunk: int = READ_CHUNK, progress: Progress | None = None
) -> SpotCheckRun:
    """Carry out a run: read the window, compute the list, store the spreads and the flags, mark it finished."""
    run = session.get(SpotCheckRun, run_id)
    if run is None:
        raise NotFoundError("抽查名单计算任务不存在")
    if run.finished_at is not None:
        return run
    try:
        policy = policy_from_dict(run.policy)
        records = _read(session, run, window_stmt(run.on, policy), chunk, progress)
        found = spot_check_list(records, on=run.on, policy=policy)
        store(session, run, found)
        run.finished_at = utcnow()
        session.commit()
    except IntegrityError:  # a second worker ran the same run and stored its flags first: theirs stand
        session.rollback()
        session.refresh(run)
        if run.finished_at is None:
            raise
    except Exception as exc:
        keep_failure(session, run, exc)
        raise
    return run


def _read(
    session: Session, run: SpotCheckRun, stmt: WindowStmt, chunk: int, progress: Progress | None
) -> list[ReportRecord]:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    records: list[ReportRecord] = []
    run.done = 0
    with engine.connect() as conn:
        for part in conn.execution_options(yield_per=chunk).execute(stmt).partitions():
            rows: Sequence[Any] = part  # the window's filter leaves no NULL time or count
            records.extend(ReportRecord(b, t, i, s, f, n, on) for b, t, i, s, f, n, on in rows)
            run.done = len(records)
            run.total = max(run.total, run.done)
            session.commit()
            if progress is not None:
                progress(run.done, run.total)
    return records


def _rounded(values: tuple[float, ...] | list[float]) -> list[float]:
    return [round(v, 4) for v in values]


def distributions_json(found: SpotCheckList) -> dict[str, Any]:
    """Per machine type, every figure's sorted values: the three the flags compare (bodies with enough reports)
    and the busiest inspector-day of every body of the type."""
    busiest: dict[MachineType, list[float]] = {}
    for fig in found.figures:
        busiest.setdefault(fig.machine_type, []).append(float(fig.max_reports_per_inspector_day))
    out: dict[str, Any] = {}
    for machine_type, days in sorted(busiest.items()):
        dist = found.distributions.get(machine_type)
        out[machine_type.value] = {
            "bodies": dist.bodies if dist else 0,
            "zero_share": _rounded(dist.zero_share.values) if dist else [],
            "mean_nonconformities": _rounded(dist.mean_nonconformities.values) if dist else [],
            "median_minutes": _rounded(dist.median_minutes.values) if dist else [],
            "max_reports_per_inspector_day": sorted(days),
        }
    return out


def store(session: Session, run: SpotCheckRun, found: SpotCheckList) -> None:
    """The run's spreads and one row per flag; the caller commits."""
    run.distributions = distributions_json(found)
    rows = [
        {"run_id": run.id, "body_id": f.body_id, "machine_type": f.machine_type, "kind": f.kind.value,
         "reason": f.reason[:500], "threshold": f"{f.threshold:.6g}",
         "figures": {"reports": f.figures.reports, "zero_share": round(f.figures.zero_share, 4),
                     "mean_nonconformities": round(f.figures.mean_nonconformities, 4),
                     "median_minutes": round(f.figures.median_minutes, 4),
                     "max_reports_per_inspector_day": f.figures.max_reports_per_inspector_day,
                     "busiest_inspector_id": f.figures.busiest_inspector_id,
                     "busiest_day": f.figures.busiest_day.isoformat()}}
        for f in found.flags
    ]  # fmt: skip
    if rows:
        session.execute(insert(SpotCheckFlag), rows)


def last_run(session: Session) -> SpotCheckRun | None:
    return session.scalar(select(SpotCheckRun).order_by(SpotCheckRun.id.desc()).limit(1))


def last_finished_run(session: Session) -> SpotCheckRun | None:
    """The newest run that finished without error: the list the pages show."""
    return session.scalar(
        select(SpotCheckRun)
        .where(SpotCheckRun.finished_at.is_not(None), SpotCheckRun.error == "")
        .order_by(SpotCheckRun.id.desc())
        .limit(1)
    )
