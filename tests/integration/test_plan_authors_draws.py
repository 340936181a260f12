"""Rule 4 of DOMAIN 5 on real data: an expert named on the work's plan as 审核人 is never drawn for its review.

The plan is stored through the plan service (his ID number hashed with the pool's key), his name spelled
otherwise than in the pool, and the draw's funnel is the one ``request_draw`` builds; 200 seeds are drawn
from it as ``request_draw`` draws, and one draw is stored to show the recorded reason.
"""

import random

from sqlalchemy import select

from expert_pool.conflicts.store import conflicts_for_work
from expert_pool.draws import services as draws
from expert_pool.draws.funnel import build_funnel
from expert_pool.draws.models import HalfDay
from expert_pool.draws.selection import draw_panel
from expert_pool.experts import queries as expert_queries
from expert_pool.policy import pool_policy
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.identity import check_character, mask
from knowledge.plans import services as plan_services
from knowledge.plans.authors import AuthorInput
from knowledge.plans.models import PlanAuthor, PlanSignoff, SignoffKind
from knowledge.registry.workflow import WorkStatus
from tests.factories import SAMPLE_PLAN, TEST_VAULT, make_account, make_work
from tests.integration import draws_helpers
from tests.integration.draws_helpers import DAY, NOW, run_draw

site = draws_helpers.site
DRAWS = 200
PATH = "参与编制本方案（第1版，审核人）"


def id_number(serial: str) -> str:
    first17 = "32050219800101" + serial
    return first17 + check_character(first17)


def author_world(session, site, tmp_path):
    """The pool's 专家03 gets an ID number; the work's plan names him as 审核人 under another spelling."""
    checker = site["experts"][3]
    number = id_number("123")
    checker.id_number_hash, checker.id_number_masked = TEST_VAULT.lookup_hash(number), mask(number)
    session.commit()
    team = Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=site["gc"].id))
    work = make_work(session, site["project"], name="3#楼深基坑工程")
    authors = (
        AuthorInput("compiler", "王编制", "苏州某建设有限公司", id_number=id_number("456")),
        AuthorInput(
            "checker", "專家 ０３", "某设计咨询公司", id_number=number.lower()[:-1] + number[-1].lower()
        ),
        AuthorInput("approver", "赵审批", "苏州某建设有限公司"),
    )
    upload = plan_services.PlanUpload(SAMPLE_PLAN.encode(), "方案.txt", "基坑方案", authors=authors)
    version = plan_services.submit_version(session, work, upload, scope=team, upload_dir=tmp_path / "up",
                                           max_bytes=10**6, vault=TEST_VAULT)  # fmt: skip
    for kind in (SignoffKind.CONSTRUCTOR, SignoffKind.SUPERVISOR):
        session.add(
            PlanSignoff(plan_version_id=version.id, kind=kind, account_id=team.account_id, signer_name="x")
        )
    work.status = WorkStatus.REVIEW_REQUESTED
    session.commit()
    return checker, work, version


def drawn_by_seed(session, work):
    """Everyone seated or standing by in DRAWS draws, seed by seed, from the funnel request_draw builds."""
    policy = pool_policy(session)
    funnel = build_funnel(session, work, DAY, HalfDay.AM, policy=policy, today=NOW.date())
    p_policy = draws.panel_policy(work, policy)
    drawn = []
    for n in range(DRAWS):
        panel = draw_panel(funnel.candidates, p_policy, random.Random(f"seed-{n}"), apart=funnel.apart)
        drawn.append({*panel.seated, *panel.alternates})
    return funnel, drawn


def test_plan_authors_are_stored_hashed_and_masked_never_in_full(session, site, tmp_path):
    checker, work, version = author_world(session, site, tmp_path)
    rows = session.scalars(select(PlanAuthor).where(PlanAuthor.plan_version_id == version.id)).all()
    assert [(a.kind.label, a.name) for a in rows] == [
        ("编制人", "王编制"),
        ("审核人", "專家 ０３"),
        ("审批人", "赵审批"),
    ]
    assert rows[1].id_hash == checker.id_number_hash and rows[1].id_masked == checker.id_number_masked
    assert rows[2].id_hash is None and rows[2].id_masked == ""
    assert all(id_number("123") not in str(v) for a in rows for v in vars(a).values())


def test_an_author_expert_is_never_seated_in_200_draws_and_his_path_is_recorded(session, site, tmp_path):
    checker, work, _ = author_world(session, site, tmp_path)
    funnel, drawn = drawn_by_seed(session, work)
    assert all(checker.id not in panel for panel in drawn)
    assert checker.id not in {c.expert_id for c in funnel.candidates}
    [reasons] = [e["reasons"] for e in funnel.excluded if e["expert_id"] == checker.id]
    assert reasons == [f"回避：专家03 —({PATH})→ 3#楼深基坑工程 —(所属)→ 某项目"]
    stored = run_draw(session, work)
    assert checker.id not in stored.seated + stored.alternates
    recorded = {e["expert_id"]: e["reasons"] for e in stored.funnel["excluded"]}
    assert any(PATH in r for r in recorded[checker.id])


def test_the_same_expert_is_drawable_for_another_work(session, site, tmp_path):
    checker, _, _ = author_world(session, site, tmp_path)
    other = site["ready_work"]()
    funnel, drawn = drawn_by_seed(session, other)
    assert checker.id in {c.expert_id for c in funnel.candidates}
    assert sum(checker.id in panel for panel in drawn) > DRAWS // 4


def test_a_version_with_a_new_author_is_seen_by_a_graph_built_before_it(session, site, tmp_path):
    checker, work, _ = author_world(session, site, tmp_path)
    compiler = site["experts"][5]
    number = id_number("789")
    compiler.id_number_hash = TEST_VAULT.lookup_hash(number)
    session.commit()
    policy = pool_policy(session)
    before = conflicts_for_work(session, work, on=DAY, policy=policy)  # builds and caches the graph
    assert set(before) == {checker.id}
    team = Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=site["gc"].id))
    work.status = WorkStatus.SUPERVISOR_SIGNED
    session.commit()
    authors = (AuthorInput("compiler", "某某", "某单位", id_number=number),)
    upload = plan_services.PlanUpload(SAMPLE_PLAN.encode() + b"v2", "v2.txt", "", authors=authors)
    plan_services.submit_version(session, work, upload, scope=team, upload_dir=tmp_path / "up",
                                 max_bytes=10**6, vault=TEST_VAULT)  # fmt: skip
    after = conflicts_for_work(session, work, on=DAY, policy=policy)
    assert set(after) == {checker.id, compiler.id}
    assert "参与编制本方案（第2版，编制人）" in after[compiler.id][0].text


def test_only_the_pool_readers_learn_which_author_is_a_pool_expert(session, site, tmp_path):
    checker, _, version = author_world(session, site, tmp_path)
    hashes = [a.id_hash for a in version.authors if a.id_hash]
    for role in (Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN):
        found = expert_queries.experts_by_id_hash(session, hashes, scope=Scope(0, role))
        assert [e.id for e in found.values()] == [checker.id]
    for role in (Role.PROJECT_TEAM, Role.EXPERT, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        assert expert_queries.experts_by_id_hash(session, hashes, scope=Scope(0, role)) == {}
