"""The data of ``scripts/bench/search.py``: its Flask app on a SQLite file in the work directory, seeded at province
scale by ``flask seed-demo`` and the demo reviews unless already seeded; the shortfalls against the targets' scale."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from knowledge.db import Base  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import Config  # noqa: E402
from webapp.extensions import db  # noqa: E402

MIN_PLANS = 20_000
MIN_CONCLUSIONS = 20_000


def make_app(workdir: Path) -> Flask:
    for name in ("DATABASE_URL", "SEARCH_INDEX_DIR", "UPLOAD_DIR"):
        os.environ.pop(name, None)
    return create_app(
        Config(workdir / "instance"),
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir / 'bench.db'}",
        SEARCH_INDEX_DIR=str(workdir / "index"),
        UPLOAD_DIR=str(workdir / "uploads"),
    )


def counts(session: Session) -> tuple[int, int]:
    from expert_pool.reviews.models import ReviewReport
    from knowledge.plans.models import PlanVersion

    plans = session.scalar(select(func.count()).select_from(PlanVersion)) or 0
    concluded = select(ReviewReport.review_id).where(ReviewReport.finalised_at.is_not(None)).distinct()
    return plans, session.scalar(select(func.count()).select_from(concluded.subquery())) or 0


def seed(app: Flask, workdir: Path) -> list[str]:
    """Seed unless done; the shortfalls of the data against the scale the targets are set for."""
    with app.app_context():
        if (workdir / "bench.db").exists() and counts(db.session)[0]:
            print("reusing the seeded database", flush=True)
        else:
            started = time.perf_counter()
            Base.metadata.create_all(db.engine)
            result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", "province"])
            if result.exit_code != 0:
                raise SystemExit(f"seed-demo failed:\n{result.output}\n{result.exception!r}")
            print(result.output.strip().splitlines()[-1][:200] if result.output else "", flush=True)
            print(f"flask seed-demo --scale province: {time.perf_counter() - started:.1f} s", flush=True)
        if counts(db.session)[1] == 0:
            seed_reviews(app)
        plans, concluded = counts(db.session)
    print(f"plan versions {plans:,}, concluded reviews {concluded:,}", flush=True)
    if plans < MIN_PLANS or concluded < MIN_CONCLUSIONS:
        short = (
            f"data below the scale: {plans:,} plans, {concluded:,} conclusions (need {MIN_PLANS:,} of each)"
        )
        print(f"WARNING: {short}; measuring anyway", flush=True)
        return [short]
    return []


def seed_reviews(app: Flask) -> None:
    try:
        from expert_pool.demo.reviews import seed_reviews as seed_demo_reviews
    except ImportError as exc:
        raise SystemExit(f"seed-demo made no reviews and expert_pool.demo.reviews is missing: {exc}") from exc
    started, shown = time.perf_counter(), [""]

    def progress(label: str, done: int, total: int) -> None:
        if label != shown[0] or done == total:
            print(f"    {label} {done:,}/{total:,}", flush=True)
            shown[0] = label

    summary = seed_demo_reviews(
        db.session, scale="province", upload_dir=app.config["UPLOAD_DIR"], on_progress=progress
    )
    print(f"seed_reviews: {summary.label}; {time.perf_counter() - started:.1f} s", flush=True)
