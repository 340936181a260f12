"""The works import refuses a planned end before the planned start on every row, whatever else is wrong."""

from knowledge.registry.importing import dry_run
from tests.integration.test_work_import import row as work_row
from tests.integration.test_work_import import team, xlsx

team = team  # the fixture
INVERTED = {"计划开工日期": "2025-06-30", "计划完工日期": "2025-03-01"}


def test_an_end_before_the_start_is_named_even_when_the_project_is_not_found(session, team):
    scope, project, _ = team
    report = dry_run(
        session, xlsx([work_row(project, 项目名称="无此项目", **INVERTED)]), "w.xlsx", scope=scope
    )
    columns = {e.column: e.message for e in report.rows[0].errors}
    assert columns["计划完工日期"] == "计划完工日期不能早于计划开工日期" and "项目名称" in columns


def test_an_end_before_the_start_does_not_hide_the_rows_other_problems(session, team):
    scope, project, _ = team
    shallow = work_row(project, **INVERTED, **{"开挖深度（m）": 1})
    report = dry_run(session, xlsx([shallow]), "w.xlsx", scope=scope)
    columns = {e.column for e in report.rows[0].errors}
    assert {"计划完工日期", "参数"} <= columns and not report.is_clean


def test_the_same_day_for_both_is_accepted(session, team):
    scope, project, _ = team
    same = {"计划开工日期": "2025-03-01", "计划完工日期": "2025-03-01"}
    assert dry_run(session, xlsx([work_row(project, **same)]), "w.xlsx", scope=scope).is_clean
