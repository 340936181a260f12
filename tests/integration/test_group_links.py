"""Dated group links through the services and the database (DOMAIN 5, rule 3; issue 17): the history is kept,
the parent follows the open link, the database holds one open link at most, and the conflict graph reads the
dates (an acquisition after a job ended no longer excludes)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from expert_pool.conflicts import store as conflict_store
from expert_pool.experts.models import Employment
from expert_pool.policy import PoolPolicy
from knowledge.audit import AuditLog
from knowledge.enterprises import groups, services
from knowledge.enterprises.models import EnterpriseGroupLink, ParticipantRole
from knowledge.errors import ValidationError
from tests.factories import credit_code, make_enterprise, make_expert, make_project, make_work
from tests.integration.test_migrations import empty_db  # noqa: F401 - an empty database per test
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

ON = date(2025, 6, 30)


def edit(enterprise, **fields):
    data = {"name": enterprise.name, "credit_code": enterprise.credit_code, "type": enterprise.type,
            "city": enterprise.city, **fields}  # fmt: skip
    return services.EnterpriseInput(**data)


def spans(session, enterprise):
    return [(k.parent_id, k.start, k.end_date) for k in groups.history(session, enterprise.id)]


def test_joining_moving_and_leaving_keep_the_history_and_the_current_parent(session):
    group, other, firm = make_enterprise(session), make_enterprise(session), make_enterprise(session)
    services.update_enterprise(session, firm.id, edit(firm, parent_credit_code=group.credit_code,
                                                      parent_since=date(2019, 3, 1)), actor_id=None)  # fmt: skip
    services.update_enterprise(session, firm.id, edit(firm, parent_credit_code=other.credit_code,
                                                      parent_since=date(2023, 5, 1)), actor_id=None)  # fmt: skip
    assert firm.parent_id == other.id
    assert spans(session, firm) == [
        (group.id, date(2019, 3, 1), date(2023, 4, 30)),
        (other.id, date(2023, 5, 1), None),
    ]
    services.update_enterprise(session, firm.id, edit(firm, parent_until=date(2024, 12, 31)), actor_id=None)
    assert firm.parent_id is None
    assert spans(session, firm)[-1] == (other.id, date(2023, 5, 1), date(2024, 12, 31))
    audits = session.scalars(select(AuditLog).where(AuditLog.action == "enterprise_update")).all()
    assert len(audits) == 3 and audits[-1].after["group_links"][-1] == [other.id, "2023-05-01", "2024-12-31"]
    assert "enterprise_update" in conflict_store.GRAPH_ACTIONS


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"parent_credit_code": "GROUP"}, "parent_since", "请填写加入该集团的日期"),
        (
            {"parent_credit_code": "GROUP", "parent_since": date.today() + timedelta(days=400)},
            "parent_since",
            "一年以后",
        ),
        ({"parent_credit_code": "GROUP", "parent_since": date(1800, 1, 1)}, "parent_since", "不能早于"),
        (
            {"parent_credit_code": "OTHER", "parent_since": date(2018, 1, 1)},
            "parent_since",
            "须晚于现有集团关系的开始日期",
        ),
        ({"parent_credit_code": ""}, "parent_until", "请填写退出原集团的日期"),
        (
            {"parent_credit_code": "", "parent_until": date(2018, 12, 31)},
            "parent_until",
            "不能早于加入的日期",
        ),
    ],
)
def test_dates_are_checked(session, fields, field, message):
    group, other, firm = make_enterprise(session), make_enterprise(session), make_enterprise(session)
    services.update_enterprise(session, firm.id, edit(firm, parent_credit_code=group.credit_code,
                                                      parent_since=date(2019, 3, 1)), actor_id=None)  # fmt: skip
    codes = {"GROUP": group.credit_code, "OTHER": other.credit_code, "": ""}
    fields = {**fields, "parent_credit_code": codes[fields["parent_credit_code"]]}
    if fields["parent_credit_code"] == group.credit_code:  # a firm that is not yet in a group
        firm = make_enterprise(session)
    with pytest.raises(ValidationError, match=message) as info:
        services.update_enterprise(session, firm.id, edit(firm, **fields), actor_id=None)
    assert info.value.field == field


def test_a_new_link_may_not_reach_back_into_a_closed_one_nor_make_a_cycle(session):
    group, other, firm = make_enterprise(session), make_enterprise(session), make_enterprise(session)
    services.update_enterprise(session, firm.id, edit(firm, parent_credit_code=group.credit_code,
                                                      parent_since=date(2019, 3, 1)), actor_id=None)  # fmt: skip
    services.update_enterprise(session, firm.id, edit(firm, parent_until=date(2022, 12, 31)), actor_id=None)
    with pytest.raises(ValidationError, match="须晚于上一段集团关系的结束日期"):
        services.update_enterprise(session, firm.id, edit(firm, parent_credit_code=other.credit_code,
                                                          parent_since=date(2022, 6, 1)), actor_id=None)  # fmt: skip
    session.rollback()
    with pytest.raises(ValidationError, match="下属单位"):
        services.update_enterprise(session, group.id, edit(group, parent_credit_code=firm.credit_code,
                                                           parent_since=date(2020, 1, 1)), actor_id=None)  # fmt: skip


def test_the_database_holds_one_open_link_and_dates_in_order(session):
    group, firm = make_enterprise(session), make_enterprise(session)
    session.add(EnterpriseGroupLink(enterprise_id=firm.id, parent_id=group.id, start=date(2020, 1, 1)))
    session.commit()
    session.add(EnterpriseGroupLink(enterprise_id=firm.id, parent_id=group.id, start=date(2021, 1, 1)))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.add(EnterpriseGroupLink(enterprise_id=firm.id, parent_id=group.id, start=date(2021, 1, 1),
                                    end_date=date(2020, 1, 1)))  # fmt: skip
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_the_conflict_graph_reads_the_dates_of_the_links(session):
    group = make_enterprise(session, name="苏州某建设集团有限公司")
    bought_late = make_enterprise(session, name="苏州某建设有限公司")
    bought_early = make_enterprise(session, name="苏州某安装有限公司")
    expert = make_expert(session)
    session.add(Employment(expert_id=expert.id, enterprise_id=group.id, start=date(2019, 3, 1),
                           end_date=date(2022, 6, 30)))  # fmt: skip
    session.commit()
    late = make_work(session, make_project(session, [(bought_late, ParticipantRole.GENERAL_CONTRACTOR)]))
    early = make_work(session, make_project(session, [(bought_early, ParticipantRole.GENERAL_CONTRACTOR)]))
    policy = PoolPolicy()
    for firm, since in ((bought_late, date(2023, 5, 1)), (bought_early, date(2021, 1, 15))):
        services.update_enterprise(session, firm.id, edit(firm, parent_credit_code=group.credit_code,
                                                          parent_since=since), actor_id=None)  # fmt: skip
    assert conflict_store.conflicts_for_work(session, late, on=ON, policy=policy) == {}
    [path] = conflict_store.conflicts_for_work(session, early, on=ON, policy=policy)[expert.id]
    assert "苏州某建设集团有限公司 —(2021-01起 母公司)→ 苏州某安装有限公司" in path.text
    # It left the group on 2021-06-30: the graph is rebuilt at once (the end of a link is audited), and the
    # job counts only from the window's first day, 2022-06-30, when the firm was no longer in the group.
    services.update_enterprise(session, bought_early.id, edit(bought_early, parent_until=date(2021, 6, 30)),
                               actor_id=None)  # fmt: skip
    assert conflict_store.conflicts_for_work(session, early, on=ON, policy=policy) == {}
    [path] = conflict_store.conflicts_for_work(session, early, on=date(2024, 6, 30), policy=policy)[expert.id]
    assert "(2021-01至2021-06 母公司)" in path.text


def test_migration_0009_starts_existing_links_on_the_day_their_enterprise_was_registered(empty_db, tmp_path):  # noqa: F811
    url, options = empty_db
    app = create_app(TestConfig(tmp_path), SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options)
    insert = text(
        "INSERT INTO enterprise (id, name, credit_code, type, city, parent_id, created_at) "
        "VALUES (:id, :name, :code, 'constructor', 'suzhou', :parent, :created)"
    )
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            for i, parent, created in ((1, None, datetime(2020, 1, 1, 8, tzinfo=UTC)),
                                       (2, 1, datetime(2023, 5, 1, 9, 30, tzinfo=UTC)),
                                       (3, None, datetime(2024, 1, 1, tzinfo=UTC))):  # fmt: skip
                conn.execute(insert, {"id": i, "name": f"企业{i}", "code": credit_code(), "parent": parent,
                                      "created": created})  # fmt: skip
        upgrade(revision="0009")
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT enterprise_id, parent_id, start, end_date FROM enterprise_group_link")
            )
            assert [(e, p, str(s), t) for e, p, s, t in rows] == [(2, 1, "2023-05-01", None)]
        downgrade(revision="0008")
        with db.engine.connect() as conn:
            assert "enterprise_group_link" not in inspect(conn).get_table_names()
        db.engine.dispose()
