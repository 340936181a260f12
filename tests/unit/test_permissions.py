from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope, can_read_audit, can_view_project
from knowledge.regions import City


def scope(role, city=None, enterprise_id=None):
    return Scope(1, role, city, enterprise_id)


def test_project_team_sees_only_projects_its_enterprise_takes_part_in():
    team = scope(Role.PROJECT_TEAM, enterprise_id=7)
    assert can_view_project(team, City.SUZHOU, [3, 7])
    assert not can_view_project(team, City.SUZHOU, [3, 8])


def test_city_regulator_sees_only_his_city_and_province_sees_all():
    assert can_view_project(scope(Role.REGULATOR, City.SUZHOU), City.SUZHOU, [])
    assert not can_view_project(scope(Role.REGULATOR, City.SUZHOU), City.NANJING, [])
    assert can_view_project(scope(Role.REGULATOR), City.NANJING, [])
    assert not can_view_project(scope(Role.DRAW_OFFICE, City.WUXI), City.NANJING, [])
    assert can_view_project(scope(Role.ADMIN), City.SUQIAN, [])


def test_experts_do_not_browse_projects():
    assert not can_view_project(Scope(1, Role.EXPERT, expert_id=4), City.SUZHOU, [1])


def test_audit_log_for_the_audit_administrator_only():
    assert can_read_audit(scope(Role.AUDIT_ADMIN))
    for role in (Role.ADMIN, Role.SECURITY_ADMIN, Role.REGULATOR):
        assert not can_read_audit(scope(role))
    assert not can_read_audit(scope(Role.REGULATOR, City.SUZHOU))
    assert not can_read_audit(scope(Role.PROJECT_TEAM, enterprise_id=1))


def test_three_administrators_three_duties():
    from knowledge.accounts.permissions import (
        can_change_roles,
        can_create_with_role,
        can_manage_accounts,
        can_manage_credentials,
        can_use_business,
    )

    system, security, auditor = scope(Role.ADMIN), scope(Role.SECURITY_ADMIN), scope(Role.AUDIT_ADMIN)
    assert (
        can_manage_accounts(system) and not can_manage_accounts(security) and not can_manage_accounts(auditor)
    )
    assert can_create_with_role(system, Role.REGULATOR) and not can_create_with_role(
        system, Role.SECURITY_ADMIN
    )
    assert can_change_roles(security) and not can_change_roles(system) and not can_change_roles(auditor)
    assert can_manage_credentials(security) and not can_manage_credentials(system)
    assert can_use_business(system) and not can_use_business(security) and not can_use_business(auditor)
