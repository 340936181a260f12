"""Issue 22 item 4: the integrity scan finds the pair that sits together far beyond the draw's chance, the
expert who meets one constructor, the pass rate far from the category's and the copied opinion; regulators
read their city's findings and mark them examined; a later run keeps the examination."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from expert_pool.integrity import services
from expert_pool.integrity.models import FindingKind, IntegrityFinding, IntegrityRun
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.regions import City
from tests.factories import make_account
from tests.integrity_factories import ON, make_integrity_world

NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)


@pytest.fixture
def world(session, tmp_path):
    return make_integrity_world(session, str(tmp_path / "up"))


def run(session, scope):
    started, is_new = services.start_run(session, scope, on=ON, now=NOW)
    assert is_new
    return services.run_scan(session, started.id)


def by_kind(session, scope):
    found = session.scalars(services.findings_stmt(scope, kind=None, examined=None)).all()
    return {k: [f for f in found if f.kind is k] for k in FindingKind}


def test_the_scan_finds_each_kind_and_nothing_by_chance(session, world):
    province = Scope.of(make_account(session, Role.REGULATOR))
    done = run(session, province)
    assert done.error == "" and done.finished_at is not None and done.done == done.total
    found = by_kind(session, province)
    assert [f.fingerprint for f in found[FindingKind.PAIR]] == [f"pair:{world.a.id}-{world.b.id}"]
    pair = found[FindingKind.PAIR][0]
    assert pair.figures["together"] == 10 and pair.figures["expected"] < 1 and len(pair.review_ids) == 10
    assert [f.fingerprint for f in found[FindingKind.CONSTRUCTOR]] == [
        f"constructor:{world.a.id}-{world.gc_a.id}",
        f"constructor:{world.b.id}-{world.gc_a.id}",
    ]
    assert [f.fingerprint for f in found[FindingKind.PASS_RATE]] == [f"pass_rate:{world.a.id}-excavation"]
    assert found[FindingKind.PASS_RATE][0].figures["z"] < -3
    similar = found[FindingKind.SIMILAR_OPINIONS]
    assert [f.review_ids for f in similar] == [[world.reviews[12].id]]
    assert similar[0].figures["experts"] == [world.copier.id, world.copied.id]


def test_examined_findings_keep_their_note_across_runs_and_city_scope_holds(session, world):
    province = Scope.of(make_account(session, Role.REGULATOR))
    run(session, province)
    pair = session.scalar(select(IntegrityFinding).where(IntegrityFinding.kind == FindingKind.PAIR))
    suzhou = Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU))
    nanjing = Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING))
    with pytest.raises(ValidationError):
        services.mark_examined(session, suzhou, pair.id, note=" ", now=NOW)
    with pytest.raises(NotFoundError):
        services.mark_examined(session, nanjing, pair.id, note="已核查", now=NOW)
    services.mark_examined(session, suzhou, pair.id, note="两人均为本市少数深基坑专家，已约谈", now=NOW)
    assert by_kind(session, nanjing)[FindingKind.PAIR] == []
    run(session, province)
    again = session.get(IntegrityFinding, pair.id)
    session.refresh(again)
    assert again.note.startswith("两人均为") and again.last_run_id == services.last_run(session).id
    assert session.scalars(services.findings_stmt(suzhou, kind=FindingKind.PAIR, examined=False)).all() == []


def test_only_a_provincial_regulator_starts_a_run_and_one_at_a_time(session, world):
    for role, city in ((Role.REGULATOR, City.SUZHOU), (Role.DRAW_OFFICE, None), (Role.EXPERT, None)):
        with pytest.raises(PermissionDenied):
            services.start_run(session, Scope.of(make_account(session, role, city=city)), on=ON, now=NOW)
    province = Scope.of(make_account(session, Role.REGULATOR))
    first, _ = services.start_run(session, province, on=ON, now=NOW)
    second, is_new = services.start_run(session, province, on=ON, now=NOW)
    assert (second.id, is_new) == (first.id, False)


def test_a_failed_run_keeps_its_error(session, world, monkeypatch):
    province = Scope.of(make_account(session, Role.REGULATOR))
    started, _ = services.start_run(session, province, on=ON, now=NOW)
    monkeypatch.setattr("expert_pool.integrity.scan.scan", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.run_scan(session, started.id)
    failed = session.get(IntegrityRun, started.id)
    assert "ZeroDivisionError" in failed.error and failed.finished_at is not None
