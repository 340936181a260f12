"""The conflict graph's rows are read straight from the driver (issue 18, load time): days come back as days and
enum columns as their codes, on SQLite as on PostgreSQL, exactly as the models give them."""

from datetime import date

import pytest
from sqlalchemy import select

from expert_pool.conflicts import graph as cg
from expert_pool.conflicts import store
from expert_pool.experts.models import DeclaredConflict, Employment, Expert
from knowledge.enterprises.models import ParticipantRole, ProjectParticipant
from tests.factories import make_enterprise, make_expert, make_project


def test_rows_carry_days_and_codes_as_the_models_do(session):
    unit, other = make_enterprise(session, name="某集团"), make_enterprise(session)
    project = make_project(
        session, [(unit, ParticipantRole.GENERAL_CONTRACTOR), (other, ParticipantRole.SUPERVISOR)]
    )
    expert = make_expert(session, name="专家甲")
    session.add_all([
        Employment(expert_id=expert.id, enterprise_id=unit.id, start=date(2010, 3, 1), end_date=date(2019, 12, 31)),
        Employment(expert_id=expert.id, enterprise_id=other.id, start=date(2020, 1, 1)),
        DeclaredConflict(expert_id=expert.id, enterprise_id=unit.id, note="亲属", start=date(2021, 5, 4)),
    ])  # fmt: skip
    session.commit()

    data = store.load_data(session)

    assert cg.Employment(expert.id, unit.id, date(2010, 3, 1), date(2019, 12, 31)) in data.employments
    assert cg.Employment(expert.id, other.id, date(2020, 1, 1), None) in data.employments
    assert data.declarations == [cg.DeclaredConflict(expert.id, unit.id, "亲属", date(2021, 5, 4), None)]
    roles = {(p.project_id, p.enterprise_id): p.role for p in data.participations}
    assert roles[(project.id, unit.id)] == "general_contractor" and type(roles[(project.id, unit.id)]) is str
    assert cg.ExpertNode(expert.id, "专家甲") in data.experts
    # The same rows as the ORM reads them, converted by the column types.
    orm = [(p, e, r.value) for p, e, r in session.execute(
        select(ProjectParticipant.project_id, ProjectParticipant.enterprise_id, ProjectParticipant.role))]  # fmt: skip
    assert sorted(orm) == sorted((p.project_id, p.enterprise_id, p.role) for p in data.participations)
    assert all(type(e.start) is date for e in data.employments)


def test_rows_read_whole_tables_only(session):
    expert = make_expert(session, name="专家乙")
    session.commit()
    assert (expert.id, "专家乙") in [tuple(r) for r in store.rows(session, select(Expert.id, Expert.name))]
    with pytest.raises(ValueError):
        store.rows(session, select(Employment.start).where(Employment.expert_id == expert.id))
