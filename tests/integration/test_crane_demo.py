"""The demo's cranes (issue 21, item 9): rows that keep the rules (items agree with each report's conclusion, one
open installation per machine, use registration within 30 days of the acceptance, acceptances on passing reports
with four signatures), and the spot-check list that finds the bodies made light, and only them, without being told."""

import hashlib
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from expert_pool.pdf.crane_certificate_pdf import certificate_pdf
from expert_pool.pdf.crane_report_pdf import report_pdf
from expert_pool.pdf.crane_use_sign_pdf import use_sign_pdf
from knowledge.accounts.models import Account, Role
from knowledge.accounts.passwords import verify_password
from knowledge.cranes import checklists
from knowledge.cranes.inspection_models import Conclusion, InspectionBody, InspectionReport, ReportItem
from knowledge.cranes.inspection_queries import ItemOutcome
from knowledge.cranes.models import Certificate, CertificateKind, Machine
from knowledge.cranes.site_models import (
    Installation,
    JointAcceptance,
    JointAcceptanceSignature,
    UseRegistration,
)
from knowledge.cranes.spot_checks import ReportRecord, spot_check_list
from knowledge.demo.crane_documents import CraneRenderers
from knowledge.demo.cranes import CraneTargets, seed_cranes
from knowledge.enterprises.models import ParticipantRole
from knowledge.errors import ValidationError
from knowledge.regions import City
from tests.factories import make_enterprise, make_project, make_work

TODAY = date(2026, 11, 20)
PASSWORD = "Demo@2024!"
BASE = "https://example.test"
# Reduced but representative: enough reports per body and type for the spot-check policy's 20-report minimum.
REDUCED = CraneTargets(machines=420, bodies=15, light_bodies=2, lessors=10, installers=6)


def crane_sites(session, per_city=2):
    """Projects with a crane-installation work (起重机械安装和拆卸工程), a general contractor and a supervisor."""
    for city in City:
        for _ in range(per_city):
            gc, supervisor = make_enterprise(session, city=city), make_enterprise(session, city=city)
            project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR),
                                             (supervisor, ParticipantRole.SUPERVISOR)], city=city)  # fmt: skip
            make_work(session, project, category="lifting", sub_type="machinery_erection",
                      parameters={"crane_capacity": "200", "erection_height": "80", "foundation_elevation": "0"})  # fmt: skip


@pytest.fixture
def seeded(session):
    crane_sites(session)
    summary = seed_cranes(session, scale="small", today=TODAY, inspector_password=PASSWORD, seed=7,
                          targets=REDUCED)  # fmt: skip
    return summary


def test_reports_items_agree_with_their_conclusion_and_count(session, seeded):
    reports = session.scalars(select(InspectionReport)).all()
    assert len(reports) > 1000
    items: dict[int, list[ReportItem]] = {}
    for item in session.scalars(select(ReportItem)):
        items.setdefault(item.report_id, []).append(item)
    for report in reports:
        results = [checklists.ItemResult(i.item_key, ItemOutcome(i.result).conforms,
                                         Decimal(i.measured) if i.measured is not None else None)
                   for i in items[report.id]]  # fmt: skip
        found = checklists.conclusion(report.machine_type, results, report.checklist_version)
        assert (report.conclusion is Conclusion.PASS) == found.passed, report.id
        assert report.nonconformities == len(found.failed_key) + len(found.failed_general)
        assert report.number and report.verify_code and report.published_on is not None
        assert TODAY - timedelta(days=550) <= report.published_on <= TODAY
        assert report.finished_at > report.started_at
    conclusions = Counter(r.conclusion for r in reports)
    assert conclusions[Conclusion.FAIL] > 0 and conclusions[Conclusion.PASS] > conclusions[Conclusion.FAIL]
    retests = [r for r in reports if r.retest_of_id is not None]
    assert retests and all(r.retest_of.conclusion is Conclusion.FAIL for r in retests)


def test_site_rows_keep_the_rules(session, seeded):
    open_per_machine = session.execute(
        select(Installation.machine_id, func.count()).where(Installation.ended_on.is_(None))
        .group_by(Installation.machine_id).having(func.count() > 1)
    ).all()  # fmt: skip
    assert open_per_machine == []
    by_machine: dict[int, list[Installation]] = {}
    for installation in session.scalars(select(Installation).order_by(Installation.notified_on)):
        by_machine.setdefault(installation.machine_id, []).append(installation)
        assert (
            installation.work.category == "lifting"
            and installation.work.project_id == installation.project_id
        )
    for lives in by_machine.values():
        for earlier, later in zip(lives, lives[1:], strict=False):
            assert earlier.ended_on is not None and earlier.ended_on < later.notified_on
    for acceptance in session.scalars(select(JointAcceptance)):
        report = session.get(InspectionReport, acceptance.report_id)
        assert report.conclusion is Conclusion.PASS and report.installation_id == acceptance.installation_id
        assert acceptance.accepted_on is not None and acceptance.accepted_on >= report.published_on
        signatures = session.scalars(select(JointAcceptanceSignature)
                                     .where(JointAcceptanceSignature.acceptance_id == acceptance.id)).all()  # fmt: skip
        assert len(signatures) == 4
    uses = session.scalars(select(UseRegistration)).all()
    assert uses
    for use in uses:
        assert 0 <= (use.registered_on - use.acceptance.accepted_on).days <= 30  # 166号令 第十七条
    signs = session.scalar(select(func.count()).where(Certificate.kind == CertificateKind.USE_SIGN))
    assert signs == len(uses)
    assert session.scalar(
        select(func.count()).select_from(Installation).where(Installation.ended_on.is_not(None))
    )


def test_the_spot_check_list_flags_the_light_bodies_and_no_other(session, seeded):
    rows = session.execute(
        select(InspectionReport.body_id, InspectionReport.machine_type, InspectionReport.inspector_id,
               InspectionReport.started_at, InspectionReport.finished_at, InspectionReport.nonconformities,
               InspectionReport.published_on)
    ).all()  # fmt: skip
    records = [ReportRecord(*row) for row in rows]
    found = spot_check_list(records, on=TODAY)
    assert {body_id for body_id, _ in found.flagged()} == set(seeded.light_body_ids)
    assert len(seeded.light_body_ids) == REDUCED.light_bodies


def test_bodies_have_inspectors_who_sign_in_with_the_demo_password(session, seeded):
    bodies = session.scalars(select(InspectionBody)).all()
    assert len(bodies) == REDUCED.bodies
    for body in bodies:
        inspectors = session.scalars(select(Account).where(Account.enterprise_id == body.enterprise_id)).all()
        assert 2 <= len(inspectors) <= 8 and {a.role for a in inspectors} == {Role.INSPECTION_BODY}
    assert verify_password(inspectors[0].password_hash, PASSWORD)
    machines = session.scalar(select(func.count()).select_from(Machine))
    assert machines == REDUCED.machines
    with pytest.raises(ValidationError, match="已有起重机械"):
        seed_cranes(session, scale="small", today=TODAY, inspector_password=PASSWORD, targets=REDUCED)


def test_a_small_seed_hashes_the_real_pdfs_of_its_documents(session):
    crane_sites(session, per_city=1)
    renderers = CraneRenderers(certificate=lambda c: certificate_pdf(c, base_url=BASE),
                               use_sign=lambda c, u: use_sign_pdf(c, u, base_url=BASE),
                               report=lambda r: report_pdf(r, base_url=BASE))  # fmt: skip
    tiny = CraneTargets(machines=12, bodies=3, light_bodies=1, lessors=3, installers=2)
    summary = seed_cranes(session, scale="small", today=TODAY, inspector_password=PASSWORD, targets=tiny,
                          renderers=renderers)  # fmt: skip
    assert summary.hashed > 12
    certificate = session.scalars(
        select(Certificate).where(Certificate.kind == CertificateKind.OWNERSHIP)
    ).first()
    assert certificate.sha256 == hashlib.sha256(certificate_pdf(certificate, base_url=BASE)).hexdigest()
    report = session.scalars(select(InspectionReport)).first()
    assert report.sha256 == hashlib.sha256(report_pdf(report, base_url=BASE)).hexdigest()
