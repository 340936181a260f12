"""The demo names every seeded version's authors, and a pool expert as the 审核人 of a few works waiting for
their draw: the conflict rules leave him out of that work's review with his path, and nobody else's."""

from datetime import date

from sqlalchemy import func, select

from expert_pool.conflicts.store import conflicts_for_work
from expert_pool.demo.plan_authors import seed_plan_authors
from expert_pool.experts.models import Expert
from expert_pool.policy import pool_policy
from knowledge.plans.models import AuthorKind, PlanAuthor, PlanVersion
from knowledge.registry.models import Work
from tests.integration.test_review_seed import seed_all


def test_demo_plans_name_their_authors_and_some_a_pool_expert(session, tmp_path):
    seed_all(session, tmp_path / "uploads")
    summary = seed_plan_authors(session, seed=2024)
    versions = session.scalar(select(func.count()).select_from(PlanVersion))
    assert summary.authors == 3 * versions == session.scalar(select(func.count()).select_from(PlanAuthor))
    assert len(summary.expert_authored) >= 1
    policy = pool_policy(session)
    for work_id, expert_id in summary.expert_authored:
        work, expert = session.get(Work, work_id), session.get(Expert, expert_id)
        paths = conflicts_for_work(session, work, on=date(2030, 1, 1), policy=policy)[expert_id]
        assert any(p.rule == "plan_author" and "审核人）" in p.text and expert.name in p.text for p in paths)
        checker = session.scalar(
            select(PlanAuthor).where(
                PlanAuthor.kind == AuthorKind.CHECKER, PlanAuthor.id_hash == expert.id_number_hash
            )
        )
        assert checker.id_masked == expert.id_number_masked
    others = {a.id_hash for a in session.scalars(select(PlanAuthor))} - {None}
    assert 1 <= len(others) <= len(summary.expert_authored)  # only the chosen experts carry an ID hash
