"""Online crane inspection reports (issue 21, item 5): bodies, reports started, recorded item by item and published
with a computed conclusion and a reproducible PDF; who reads and who edits; the bad-input cases; on SQLite and, with
TEST_DATABASE_URL, PostgreSQL."""

import hashlib
import re
import threading
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.cranes import bodies, inspections
from knowledge.cranes import inspection_queries as queries
from knowledge.cranes.bodies import InspectionBodyError
from knowledge.cranes.errors import CertificateError, ConclusionMismatchError, InspectionItemError
from knowledge.cranes.inspection_models import (
    Conclusion,
    InspectionBody,
    InspectionReport,
    ReportItem,
    ReportPhoto,
)
from knowledge.cranes.inspection_queries import ItemOutcome
from knowledge.cranes.machines import MachineType
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from knowledge.regions import City
from knowledge.site import files as site_files
from tests.crane_report_factories import (
    LATER,
    NOW,
    entries,
    general_items,
    key_items,
    make_body,
    make_inspector,
    make_installation,
    make_machine,
    make_published_report,
    out_of_range,
    photo,
    render,
    start,
)
from tests.factories import make_account, make_enterprise
from webapp.extensions import db

TOWER = MachineType.TOWER_CRANE
HOIST = MachineType.CONSTRUCTION_HOIST


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def snapshot(session) -> tuple[int, int, int, int]:
    return (count(session, InspectionReport), count(session, ReportItem), count(session, ReportPhoto),
            count(session, AuditLog))  # fmt: skip


@pytest.fixture
def inspector(session):
    return make_inspector(session, make_body(session))


def record_all(session, report, inspector, upload_dir, **kw):
    return inspections.record_items(session, report, entries(report.machine_type, **kw), scope=Scope.of(inspector),
                                    upload_dir=upload_dir, now=NOW)  # fmt: skip


# ---- the whole report


def test_a_report_recorded_in_full_is_published_with_number_code_and_the_hash_of_its_pdf(
    session, inspector, tmp_path
):
    machine = make_machine(session)
    report = start(session, inspector, machine)
    assert report.state.value == "draft" and report.started_at == NOW and report.checklist_version == "v1"
    record_all(session, report, inspector, tmp_path)
    published = inspections.publish(session, report, scope=Scope.of(inspector), now=LATER, render=render)
    assert published.conclusion is Conclusion.PASS and published.nonconformities == 0
    assert published.finished_at == LATER and published.published_on == date(2026, 11, 30)
    assert re.fullmatch(rf"苏起检-2026-{published.body_id:04d}-{published.id:08d}", published.number or "")
    assert published.verify_code and len(published.verify_code) == 12
    pdf = render(published)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == published.sha256
    assert (
        session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc()).limit(1))
        == "crane_report_publish"
    )


def test_the_same_records_give_the_same_pdf_bytes(app, session, inspector, tmp_path):
    report = make_published_report(session, inspector, make_machine(session), fail=key_items(TOWER)[:1])
    first = render(report)
    with app.app_context(), Session(db.engine) as other:  # the rows read afresh in another session
        again = render(other.get_one(InspectionReport, report.id))
    assert first == again == render(report)
    assert hashlib.sha256(again).hexdigest() == report.sha256


def test_a_failed_key_item_fails_the_report_whatever_else(session, inspector):
    report = make_published_report(session, inspector, make_machine(session), fail=key_items(TOWER)[:1])
    assert report.conclusion is Conclusion.FAIL and report.nonconformities == 1


def test_general_failures_fail_the_report_only_beyond_the_allowed_count(session, inspector):
    general = general_items(TOWER)
    five = make_published_report(session, inspector, make_machine(session), fail=general[:5])
    assert five.conclusion is Conclusion.PASS and five.nonconformities == 5
    six = make_published_report(session, inspector, make_machine(session), fail=general[:6])
    assert six.conclusion is Conclusion.FAIL and six.nonconformities == 6


def test_a_measured_value_out_of_range_fails_the_item_ticked_conforming(session, inspector, tmp_path):
    machine = make_machine(session)
    report = start(session, inspector, machine)
    record_all(session, report, inspector, tmp_path)
    measured_key = next(
        line.item for line in queries.report_lines(report) if line.item.is_key and line.item.measure
    )
    entry = inspections.ItemEntry(measured_key.key, ItemOutcome.CONFORM, out_of_range(measured_key))
    inspections.record_items(
        session, report, [entry], scope=Scope.of(inspector), upload_dir=tmp_path, now=NOW
    )
    inspections.publish(session, report, scope=Scope.of(inspector), now=LATER, render=render)
    assert report.conclusion is Conclusion.FAIL


# ---- bad input: a clear Chinese message and nothing changed


def test_an_item_from_another_machine_type_is_refused_and_nothing_changed(session, inspector, tmp_path):
    report = start(session, inspector, make_machine(session))
    before = snapshot(session)
    mixed = [*entries(TOWER)[:3], entries(HOIST)[0]]
    with pytest.raises(InspectionItemError, match="属于施工升降机的检查表，不能记入塔式起重机的检验报告"):
        inspections.record_items(
            session, report, mixed, scope=Scope.of(inspector), upload_dir=tmp_path, now=NOW
        )
    session.rollback()
    assert snapshot(session) == before


def test_a_stated_conclusion_that_contradicts_the_items_is_refused_and_nothing_changed(
    session, inspector, tmp_path
):
    report = start(session, inspector, make_machine(session))
    record_all(session, report, inspector, tmp_path, fail=key_items(TOWER)[:1])
    before = snapshot(session)
    with pytest.raises(ConclusionMismatchError, match="检验结论“合格”与检验项目不符，按检验项目应为“不合格”"):
        inspections.publish(session, report, scope=Scope.of(inspector), now=LATER, render=render,
                            stated=Conclusion.PASS)  # fmt: skip
    session.rollback()
    session.refresh(report)
    assert report.state.value == "draft" and report.number is None and report.verify_code is None
    assert snapshot(session) == before
    inspections.publish(
        session, report, scope=Scope.of(inspector), now=LATER, render=render, stated=Conclusion.FAIL
    )
    assert report.conclusion is Conclusion.FAIL


def test_an_inspector_of_another_body_cannot_edit_or_publish_and_nothing_changes(
    session, inspector, tmp_path
):
    report = start(session, inspector, make_machine(session))
    stranger = Scope.of(make_inspector(session, make_body(session)))
    before = snapshot(session)
    with pytest.raises(NotFoundError):
        inspections.record_items(
            session, report, entries(TOWER)[:2], scope=stranger, upload_dir=tmp_path, now=NOW
        )
    with pytest.raises(NotFoundError):
        inspections.publish(session, report, scope=stranger, now=LATER, render=render)
    with pytest.raises(NotFoundError):
        queries.get_report_for(session, stranger, report.id)
    regulator = Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU))
    with pytest.raises(PermissionDenied):
        inspections.record_items(
            session, report, entries(TOWER)[:2], scope=regulator, upload_dir=tmp_path, now=NOW
        )
    assert snapshot(session) == before
    colleague = Scope.of(make_inspector(session, report.body))  # the same body: may continue the report
    assert len(inspections.record_items(session, report, entries(TOWER)[:2], scope=colleague, upload_dir=tmp_path,
                                        now=NOW)) == 2  # fmt: skip


def test_a_published_report_is_never_edited(session, inspector, tmp_path):
    report = make_published_report(session, inspector, make_machine(session))
    with pytest.raises(inspections.ReportStateError, match="已出具，不能再修改"):
        record_all(session, report, inspector, tmp_path)
    with pytest.raises(inspections.ReportStateError):
        inspections.publish(session, report, scope=Scope.of(inspector), now=LATER, render=render)


def test_publishing_with_items_missing_lists_them(session, inspector, tmp_path):
    report = start(session, inspector, make_machine(session, MachineType.MATERIAL_HOIST))
    record_all(session, report, inspector, tmp_path, skip=["mh-v2-11.0.3", "mh-v2-5.4.3a"])
    with pytest.raises(InspectionItemError, match="尚有2个检验项未记录：11.0.3、5.4.3a"):
        inspections.publish(session, report, scope=Scope.of(inspector), now=LATER, render=render)


def test_item_entries_are_checked_before_anything_is_stored(session, inspector, tmp_path):
    report = start(session, inspector, make_machine(session))
    lines = queries.report_lines(report)
    measured = next(line.item for line in lines if line.item.measure)
    plain = next(line.item for line in lines if not line.item.measure)
    scope, before = Scope.of(inspector), snapshot(session)
    cases = [
        ([inspections.ItemEntry(measured.key, ItemOutcome.CONFORM)], InspectionItemError, "须填写实测值"),
        ([inspections.ItemEntry(measured.key, ItemOutcome.CONFORM, "十二")], ValidationError, "不是数字"),
        ([inspections.ItemEntry(plain.key, ItemOutcome.CONFORM, "3")], InspectionItemError, "无实测值要求"),
        ([inspections.ItemEntry(plain.key, ItemOutcome.NONCONFORM)], ValidationError, "请写明发现的问题"),
        ([inspections.ItemEntry(plain.key, None, note="看过")], ValidationError, "请先选择检验结果"),
        ([inspections.ItemEntry(plain.key, ItemOutcome.CONFORM, photos=(site_files.Upload(b"%PDF-1.4", "a.jpg"),))],
         site_files.SiteFileError, "不是图片"),
    ]  # fmt: skip
    for given, error, message in cases:
        with pytest.raises(error, match=message):
            inspections.record_items(session, report, given, scope=scope, upload_dir=tmp_path, now=NOW)
        session.rollback()
    assert snapshot(session) == before and not (tmp_path / "cranes").exists()


def test_photos_are_stored_outside_the_web_root_and_readable_by_the_report_readers(
    session, inspector, tmp_path
):
    report = start(session, inspector, make_machine(session))
    key = entries(TOWER)[0].key
    record_all(session, report, inspector, tmp_path, photos={key: (photo(), photo("第二张.png"))})
    stored = session.scalars(select(ReportPhoto).where(ReportPhoto.report_id == report.id)).all()
    assert [p.item_key for p in stored] == [key, key] and stored[0].original_name == "现场.png"
    folder = inspections.photo_dir(tmp_path)
    assert (folder / stored[0].stored_name).is_file()
    assert (folder / stored[0].stored_name.replace(".png", ".thumb.jpg")).is_file()
    assert queries.get_photo_for(session, Scope.of(inspector), stored[0].id).id == stored[0].id
    with pytest.raises(NotFoundError):
        queries.get_photo_for(session, Scope.of(make_inspector(session, make_body(session))), stored[0].id)


# ---- starting a report


def test_who_may_start_a_report_and_on_what(session, inspector):
    machine = make_machine(session)
    with pytest.raises(PermissionDenied):
        start(session, make_account(session, Role.REGULATOR), machine)
    with pytest.raises(InspectionBodyError, match="尚未登记为检验机构"):
        start(session, make_account(session, Role.INSPECTION_BODY), machine)
    lapsed = make_inspector(session, make_body(session, valid_until=date(2026, 11, 29)))
    with pytest.raises(InspectionBodyError, match="已于2026-11-29到期"):
        start(session, lapsed, machine)
    with pytest.raises(ValidationError, match="没有备案编号为“苏E-T-99999”的起重机械"):
        inspections.start_report(
            session, inspections.StartInput("苏E-T-99999"), scope=Scope.of(inspector), now=NOW
        )
    with pytest.raises(ValidationError, match="没有在装记录"):
        start(session, inspector, machine, at_installation=True)
    assert count(session, InspectionReport) == 0


def test_a_machine_type_without_a_checklist_is_refused_with_a_message(session, inspector):
    machine = make_machine(session)
    machine.machine_type = MachineType.GANTRY_CRANE  # no checklist is held for gantry cranes yet
    session.commit()
    with pytest.raises(InspectionItemError, match="暂未收录门式起重机"):
        start(session, inspector, machine)


def test_a_report_on_the_open_installation_links_it(session, inspector):
    machine = make_machine(session)
    installation = make_installation(session, machine)
    report = start(session, inspector, machine, at_installation=True)
    assert report.installation_id == installation.id


def test_a_re_inspection_follows_a_published_failed_report_once(session, inspector):
    machine = make_machine(session)
    passed = make_published_report(session, inspector, machine)
    with pytest.raises(ValidationError, match="只有已出具的不合格报告才需要复检"):
        start(session, inspector, machine, retest_of_number=passed.number)
    failed = make_published_report(session, inspector, machine, fail=key_items(TOWER)[:1])
    with pytest.raises(ValidationError, match="该机械没有编号为"):
        start(session, inspector, make_machine(session), retest_of_number=failed.number)
    retest = start(session, inspector, machine, retest_of_number=failed.number)
    assert retest.retest_of_id == failed.id
    with pytest.raises(DuplicateError, match="已有复检报告"):
        start(session, inspector, machine, retest_of_number=failed.number)


def test_parallel_re_inspections_of_one_failed_report_give_one(app, session, inspector):
    machine = make_machine(session)
    failed = make_published_report(session, inspector, machine, fail=key_items(TOWER)[:1])
    inspectors = [inspector, make_inspector(session, make_body(session))]
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(2)
    results: list[object] = []

    def run(i: int) -> None:
        with Session(engine) as own:
            barrier.wait()
            try:
                data = inspections.StartInput(
                    machine.registration_number or "", retest_of_number=failed.number or ""
                )
                results.append(inspections.start_report(own, data, scope=Scope.of(own.get_one(type(inspector),
                                                                                             inspectors[i].id)),
                                                         now=NOW).id)  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - anything else is the failure under test
                results.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    ids = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    assert len(ids) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], DuplicateError) and "已有复检报告" in str(refused[0]), results
    assert session.scalar(select(func.count()).where(InspectionReport.retest_of_id == failed.id)) == 1


# ---- who reads


def test_readers_are_the_body_the_owner_the_installation_parties_and_the_regulators_of_the_place(
    session, inspector
):
    owner = make_enterprise(session, city=City.SUZHOU)
    machine = make_machine(session, owner=owner)
    user = make_enterprise(session, city=City.NANJING)
    make_installation(session, machine, user=user, city=City.NANJING)
    report = start(session, inspector, machine, at_installation=True)

    def sees(scope: Scope) -> bool:
        return report.id in [r.id for r in queries.reports_page(session, scope).items]

    readers = [
        Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=owner.id)),
        Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=user.id)),
        Scope.of(
            make_account(session, Role.REGULATOR, city=City.SUZHOU)
        ),  # the machine's city of registration
        Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING)),  # the installation's city
        Scope.of(make_account(session, Role.REGULATOR)),
        Scope.of(make_account(session, Role.ADMIN)),
        Scope.of(inspector),
    ]
    others = [
        Scope.of(make_account(session, Role.PROJECT_TEAM)),
        Scope.of(make_account(session, Role.REGULATOR, city=City.WUXI)),
        Scope.of(make_inspector(session, make_body(session))),
        Scope.of(make_account(session, Role.DRAW_OFFICE)),
    ]
    assert all(sees(s) for s in readers) and not any(sees(s) for s in others)
    for scope in readers:
        assert queries.get_report_for(session, scope, report.id).id == report.id
    for scope in others:
        with pytest.raises(NotFoundError):
            queries.get_report_for(session, scope, report.id)


# ---- public verification


def test_verification_of_a_code_malformed_unknown_and_good(session, inspector):
    machine = make_machine(session)
    failed = make_published_report(session, inspector, machine, fail=key_items(TOWER)[:1])
    with pytest.raises(CertificateError, match="验证码格式不正确.*检验报告上印的验证码"):
        queries.verify_report_code(session, "abc")
    with pytest.raises(NotFoundError, match="没有验证码为 ABCDEFGHJKLM 的起重机械检验报告"):
        queries.verify_report_code(session, "ABCDEFGHJKLM")
    verdict = queries.verify_report_code(session, (failed.verify_code or "").lower())
    assert verdict.report.id == failed.id and "检验结论“不合格”" in verdict.message
    retest = make_published_report(session, inspector, machine, retest_of_number=failed.number)
    assert (
        f"复检报告编号 {retest.number}"
        in queries.verify_report_code(session, failed.verify_code or "").message
    )


def test_a_draft_has_no_code_to_verify(session, inspector):
    report = start(session, inspector, make_machine(session))
    assert report.verify_code is None and report.number is None


# ---- inspection bodies


def test_an_admin_registers_a_body_once_with_a_valid_qualification(session):
    admin = Scope.of(make_account(session, Role.ADMIN))
    enterprise = make_enterprise(session, city=City.WUXI)
    data = bodies.BodyInput(enterprise.credit_code, "苏建检字00001号", date(2028, 1, 1))
    today = date(2026, 12, 1)
    with pytest.raises(PermissionDenied):
        bodies.register_body(
            session, data, scope=Scope.of(make_account(session, Role.REGULATOR)), today=today
        )
    with pytest.raises(ValidationError, match="未登记"):
        bodies.register_body(
            session, replace(data, credit_code="91320000XXXXXXXXXX"), scope=admin, today=today
        )
    with pytest.raises(ValidationError, match="过期的资质不能登记"):
        bodies.register_body(session, replace(data, valid_until=date(2026, 11, 30)), scope=admin, today=today)
    body = bodies.register_body(session, data, scope=admin, today=today)
    assert body.city is City.WUXI and body.enterprise_id == enterprise.id
    with pytest.raises(DuplicateError, match="已登记为检验机构"):
        bodies.register_body(session, data, scope=admin, today=today)
    assert count(session, InspectionBody) == 1
    suzhou = Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU))
    wuxi = Scope.of(make_account(session, Role.REGULATOR, city=City.WUXI))
    assert bodies.bodies_page(session, suzhou).total == 0 and bodies.bodies_page(session, wuxi).total == 1
    with pytest.raises(NotFoundError):
        bodies.get_body_for(session, suzhou, body.id)
