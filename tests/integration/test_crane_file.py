"""The machine's file (安全技术档案, 166号令 第九条): every event in date order with its link, "一体化" by one firm,
and who may read it."""

from datetime import date

import pytest

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import machine_file, services, site_acceptance, site_services
from knowledge.cranes.inspection_models import Conclusion
from knowledge.cranes.site_models import RecordKind
from knowledge.enterprises.models import ParticipantRole, ProjectParticipant
from knowledge.errors import NotFoundError
from knowledge.regions import City
from knowledge.site.hazard_loop import State
from tests.crane_site_factories import (
    accept,
    crane_hazard,
    install,
    make_crane_site,
    publish_report,
    qualify,
    render_sign,
)
from tests.factories import make_account


def lived(session):
    """A machine installed, inspected (failed, then passed), accepted, registered, maintained, with a closed
    hazard, its sign revoked and the machine dismantled."""
    site = make_crane_site(session)
    installation = install(session, site)
    failed = publish_report(session, installation, Conclusion.FAIL, published_on=date(2026, 3, 11))
    publish_report(session, installation, published_on=date(2026, 3, 13), retest_of=failed)
    accept(session, site, installation, on=date(2026, 3, 15))
    registration = site_acceptance.register_use(session, installation, scope=site.scope("user"),
                                                today=date(2026, 3, 16), render=render_sign)  # fmt: skip
    site_services.add_record(session, site.machine, site_services.RecordInput(RecordKind.MAINTENANCE,
                             date(2026, 4, 1), "月度维护保养"), scope=site.scope("lessor"), today=date(2026, 4, 1))  # fmt: skip
    crane_hazard(session, site, state=State.CLOSED, found_on=date(2026, 4, 5))
    sign = site_acceptance.use_sign_of(session, registration)
    services.revoke_certificate(
        session, sign, "标志遗失补办", scope=site.scope("regulator"), today=date(2026, 4, 8)
    )
    site_services.dismantle(session, installation, planned_on=date(2026, 9, 1), scope=site.scope("installer"),
                            today=date(2026, 8, 20))  # fmt: skip
    return site, installation


def test_the_file_lists_every_event_in_date_order_with_links(session):
    site, installation = lived(session)
    found = machine_file.machine_file(session, site.scope("lessor"), site.machine.id)
    kinds = [e.kind for e in found.events]
    assert [e.on for e in found.events] == sorted(e.on for e in found.events)
    assert kinds[:3] == ["registration", "certificate", "installation"]
    for kind in ("report", "acceptance", "signature", "accepted", "use", "record", "hazard", "hazard_closed",
                 "revocation", "dismantling"):  # fmt: skip
        assert kind in kinds, kind
    assert kinds.count("signature") == 4 and kinds.count("report") == 2 and kinds.count("certificate") == 2
    reports = [e for e in found.events if e.kind == "report"]
    assert reports[0].title == "检验报告" and "不合格" in reports[0].detail and reports[1].title == "复检报告"
    assert found.events[-1].kind == "dismantling" and found.events[-1].ref == (
        "installation",
        installation.id,
    )
    revoked = next(e for e in found.events if e.kind == "revocation")
    assert "标志遗失补办" in revoked.detail and revoked.ref is not None and revoked.ref[0] == "verify"


def test_integration_needs_one_firm_for_lease_installation_dismantling_and_maintenance(session):
    site, installation = lived(session)
    found = machine_file.machine_file(session, site.scope("admin"), site.machine.id)
    assert found.integration is not None and not found.integration.is_integrated
    assert found.integration.maintainer is not None and found.integration.maintainer.id == site.lessor.id
    # The lessor installs, maintains and dismantles its own machine on another site: 一体化.
    qualify(session, site.lessor)
    one_firm = make_crane_site(session)
    one_firm.machine = site.machine
    session.add(ProjectParticipant(project_id=one_firm.project.id, enterprise_id=site.lessor.id,
                                   role=ParticipantRole.SUBCONTRACTOR))  # fmt: skip
    session.commit()
    lessor = site.scope("lessor")
    second = site_services.file_installation_notice(
        session, one_firm.notice(planned_install_on=date(2026, 9, 10), maintainer_id=site.lessor.id), scope=lessor,
        today=date(2026, 9, 2),
    )  # fmt: skip
    found = machine_file.machine_file(session, lessor, site.machine.id)
    assert found.integration is not None and found.integration.installation_id == second.id
    assert found.integration.is_integrated and found.integration.dismantler is None


def test_who_may_read_the_file(session):
    site, _ = lived(session)
    for who in ("lessor", "user", "installer", "supervisor", "admin", "regulator"):
        assert (
            machine_file.machine_file(session, site.scope(who), site.machine.id).machine.id == site.machine.id
        )
    for scope in (Scope.of(make_account(session, Role.PROJECT_TEAM)),
                  Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING)),
                  Scope.of(make_account(session, Role.INSPECTION_BODY))):  # fmt: skip
        with pytest.raises(NotFoundError):
            machine_file.machine_file(session, scope, site.machine.id)
