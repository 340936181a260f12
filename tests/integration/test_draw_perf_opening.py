"""A draw's first read (issue 18, speed): the latest plan's signatures, the caches' fingerprints and the chains'
heads in one statement, each the same as its own query gives; the fingerprints take one maximum per audited
action, so every audited edit under the pool or the graph still rebuilds what a draw reuses."""

from datetime import date

import pytest
from sqlalchemy import inspect, select

from expert_pool.conflicts import store as conflict_store
from expert_pool.draws import funnel, record_row
from expert_pool.draws import services as draws
from expert_pool.draws.models import HalfDay
from expert_pool.draws.opening import read_opening
from expert_pool.experts.models import Employment, Expert, ExpertStatus
from knowledge import audit
from knowledge.plans.models import SignoffKind
from tests.integration import draws_helpers
from tests.integration.draws_helpers import DAY, run_draw

site = draws_helpers.site


def _record(session, action):
    audit.record(session, actor_id=None, action=action, obj=("test", 1))
    session.commit()


def test_the_opening_reads_what_the_separate_queries_read(session, site):
    first = site["ready_work"]()
    run_draw(session, first)  # heads and caches exist now
    work = site["ready_work"]()
    opened = read_opening(session, work.id)
    version_id, signed = opened.latest
    assert version_id is not None and signed == {SignoffKind.CONSTRUCTOR, SignoffKind.SUPERVISOR}
    assert opened.checked == funnel.fingerprints(session)
    assert opened.checked.graph == conflict_store.fingerprint(session)
    assert opened.heads == record_row.read_heads(session)
    assert opened.heads.seq == 1 and opened.heads.chain is not None


def test_a_work_without_a_signed_plan_is_refused_from_the_opening(session, site):
    work = site["ready_work"]()
    assert read_opening(session, work.id + 1000).latest == (None, set())
    with pytest.raises(draws.DrawError, match="签字"):
        draws.check_drawable(session, work, DAY, today=date(2026, 11, 24), latest=(None, set()))


@pytest.mark.parametrize("action", conflict_store.GRAPH_ACTIONS)
def test_every_audited_graph_action_changes_the_graph_fingerprint(session, site, action):
    before = conflict_store.fingerprint(session)
    _record(session, "login")  # not a change under the graph
    assert conflict_store.fingerprint(session) == before
    _record(session, action)
    assert conflict_store.fingerprint(session) != before


@pytest.mark.parametrize("action", funnel.POOL_ACTIONS)
def test_every_audited_pool_action_changes_the_pool_fingerprint(session, site, action):
    before = funnel.fingerprints(session).pool
    _record(session, "draw_view_names")
    assert funnel.fingerprints(session).pool == before
    _record(session, action)
    assert funnel.fingerprints(session).pool != before


def test_an_employment_made_current_by_an_audited_edit_excludes_the_expert_from_the_next_draw(session, site):
    expert = site["experts"][0]
    job = Employment(expert_id=expert.id, enterprise_id=site["gc"].id, start=date(1990, 1, 1),
                     end_date=date(2000, 1, 1))  # fmt: skip
    session.add(job)
    session.commit()
    first = run_draw(session, site["ready_work"]())  # the graph is built and cached with the old job
    assert expert.id in {c["expert_id"] for c in first.candidates}
    job.end_date = None  # he works for the general contractor again: an edit, no new row
    audit.record(session, actor_id=None, action="employment_update", obj=("employment", job.id))
    session.commit()
    second = run_draw(session, site["ready_work"](), day=DAY, half=HalfDay.PM, seed="seed-2")
    assert expert.id not in {c["expert_id"] for c in second.candidates}
    reasons = {e["expert_id"]: e["reasons"] for e in second.funnel["excluded"]}
    assert any(r.startswith("回避") for r in reasons[expert.id])


def test_a_suspension_by_an_audited_status_edit_excludes_the_expert_from_the_next_draw(session, site):
    expert = site["experts"][1]
    first = run_draw(session, site["ready_work"]())  # the pool snapshot is cached with him active
    assert expert.id in {c["expert_id"] for c in first.candidates}
    row = session.get(Expert, expert.id)
    row.status, row.suspended_until = ExpertStatus.SUSPENDED, date(2027, 6, 1)  # past the meeting day
    audit.record(session, actor_id=None, action="expert_status", obj=("expert", expert.id))
    session.commit()
    second = run_draw(session, site["ready_work"](), day=DAY, half=HalfDay.PM, seed="seed-2")
    assert expert.id not in {c["expert_id"] for c in second.candidates}


def test_the_last_row_of_an_action_has_its_index(session):
    indexes = {i["name"]: i["column_names"] for i in inspect(session.get_bind()).get_indexes("audit_log")}
    assert indexes["ix_audit_log_action"] == ["action", "id"]
    assert session.scalar(select(*audit.last_ids(["nothing_recorded"]))) is None


def test_a_draw_reads_its_opening_in_one_statement(session, site):
    """Signatures, fingerprints and heads once, then the meeting's facts: the reads before the writes."""
    from sqlalchemy import event

    run_draw(session, site["ready_work"]())  # the pool snapshot and the conflict graph are now cached
    work = site["ready_work"]()
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        run_draw(session, work, day=DAY, half=HalfDay.PM, seed="seed-2")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # the opening and the meeting's facts; the policy is kept while the pool's fingerprint holds
    assert len(reads) == 2, "\n".join(reads)
    assert len(statements) <= 13, "\n".join(statements)


def test_a_policy_changed_after_a_draw_is_the_one_the_next_draw_uses(session, site):
    """The policy a draw keeps is read again once a change is audited (``policy_update``, a pool action)."""
    from expert_pool.policy import set_policy

    first = run_draw(session, site["ready_work"]())
    assert len(first.seated) == 5 and first.policy["pool"]["panel_size"] == 5
    set_policy(session, "pool", {"panel_size": 7, "alternates": 1}, actor_id=None)
    second = run_draw(session, site["ready_work"](), day=DAY, half=HalfDay.PM, seed="seed-2")
    assert len(second.seated) == 7 and len(second.alternates) == 1
    assert second.policy["pool"]["panel_size"] == 7


def test_rows_replaced_under_the_same_ids_are_seen_once_the_process_forgets(session, site):
    """A fingerprint is the highest ids: rows replaced under the same ids (a test's emptied tables) look
    unchanged to it, so what the process keeps is dropped then (``funnel.forget``, as the test database does)."""
    from expert_pool.policy import set_policy
    from knowledge.settings import PolicySetting

    set_policy(session, "pool", {"alternates": 1}, actor_id=None)
    assert len(run_draw(session, site["ready_work"]()).alternates) == 1
    session.get(
        PolicySetting, "pool.alternates"
    ).value = 2  # as another database under the same ids would hold
    session.commit()
    kept = run_draw(session, site["ready_work"](), day=DAY, half=HalfDay.PM, seed="seed-2")
    assert len(kept.alternates) == 1  # the kept policy: nothing audited moved the fingerprint
    funnel.forget()
    fresh = run_draw(session, site["ready_work"](), day=date(2026, 12, 4), seed="seed-3")
    assert len(fresh.alternates) == 2
