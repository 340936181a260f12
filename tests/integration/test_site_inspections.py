"""Recording an inspection: its checklist, photos and hazards; the refusals, each leaving nothing behind; the careless
review confirmed once per expert; who may read inspections."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from expert_pool.credit import ledger
from expert_pool.experts.models import CreditEventRow
from expert_pool.reviews import site_findings
from knowledge.audit import AuditLog
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from knowledge.site import inspection_queries as queries
from knowledge.site.checklist import GENERAL_ITEMS
from knowledge.site.errors import ChecklistError, SiteFileError
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Hazard, Source
from knowledge.site.inspection_models import Inspection, InspectionItem, InspectionPhoto, ItemResult, Sweep
from knowledge.site.inspections import InspectionError, ItemAnswer, checklist_of, photo_dir, record_inspection
from tests.inspection_factories import (
    CATALOGUE_CLAUSE,
    CATALOGUE_KEY,
    GENERAL_KEY,
    INSPECTED_ON,
    TODAY,
    answers,
    inspection_input,
    make_panel,
    photo,
)
from tests.site_factories import make_site_world


@pytest.fixture
def upload_dir(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def world(session, upload_dir):
    return make_site_world(session, str(upload_dir))


def record(session, world, upload_dir, who="regulator", **overrides):
    data = inspection_input(session, world.work, **overrides)
    return record_inspection(
        session, world.work, data, scope=world.scope(who), upload_dir=upload_dir, today=TODAY
    )


def counts(session):
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in
                 (Inspection, InspectionItem, InspectionPhoto, Hazard))  # fmt: skip


def refused(session, world, upload_dir, error, message, who="regulator", **overrides):
    """The refusal carries ``message``, and leaves no row and no file behind."""
    with pytest.raises(error) as caught:
        record(session, world, upload_dir, who=who, **overrides)
    session.rollback()
    assert message in str(caught.value)
    assert counts(session) == (0, 0, 0, 0)
    folder = photo_dir(upload_dir)
    assert not folder.exists() or not any(folder.iterdir())
    return caught.value


def test_inspection_with_failed_items_opens_a_major_and_an_ordinary_hazard(session, world, upload_dir):
    fails = {CATALOGUE_KEY: "未见第三方监测单位进场", GENERAL_KEY: "支撑间距与方案不符"}
    data = answers(session, world.work, fails=fails, photos={CATALOGUE_KEY: (photo("a.png"), photo("b.png"))})
    inspection = record(session, world, upload_dir, answers=data)

    assert (inspection.city, inspection.category) == (City.SUZHOU, "excavation")
    assert inspection.plan_version_id == world.version.id and inspection.inspectors == ["周检查", "吴检查"]
    items = {i.item_key: i for i in inspection.items}
    assert set(items) == {c.key for c in checklist_of(session, world.work)}
    assert "third_party_monitoring" in items  # an over-scale excavation is monitored
    failed = items[CATALOGUE_KEY]
    assert failed.result is ItemResult.FAILS and failed.clause == CATALOGUE_CLAUSE and len(failed.photos) == 2
    for p in failed.photos:
        assert (photo_dir(upload_dir) / p.stored_name).is_file()
        assert (photo_dir(upload_dir) / p.thumb_name).is_file() and p.width == 40

    hazards = {h.inspection_item_id: h for h in queries.hazards_of_inspection(session, inspection.id)}
    assert len(hazards) == 2
    major, ordinary = hazards[failed.id], hazards[items[GENERAL_KEY].id]
    assert (major.level, major.catalogue_key, major.clause) == (Level.MAJOR, CATALOGUE_KEY, CATALOGUE_CLAUSE)
    assert "深基坑施工未进行第三方监测" in major.description and "未见第三方监测单位进场" in major.description
    assert (ordinary.level, ordinary.catalogue_key) == (Level.ORDINARY, None)
    assert ordinary.description == "施工现场按专项施工方案组织施工：支撑间距与方案不符"
    assert {h.source for h in hazards.values()} == {Source.INSPECTION}
    assert {h.found_on for h in hazards.values()} == {INSPECTED_ON}
    assert major.responsible_id == world.enterprises["gc"].id and major.plan_version_id == world.version.id
    logged = session.scalar(select(AuditLog).where(AuditLog.action == "inspection_record"))
    assert logged is not None and logged.object_id == str(inspection.id)


def test_province_regulator_may_inspect_and_all_conforming_opens_no_hazard(session, world, upload_dir):
    inspection = record(session, world, upload_dir, who="province")
    assert queries.hazards_of_inspection(session, inspection.id) == []
    assert queries.inspections_of_work(session, world.work.id) == [inspection]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (WorkStatus.CLOSED, "已办结"),
        (WorkStatus.UNDER_REVIEW, "尚未生效"),
        (WorkStatus.REGISTERED, "尚未生效"),
    ],
)
def test_a_closed_work_or_one_whose_plan_is_not_in_force_is_not_inspected(
    session, upload_dir, status, message
):
    world = make_site_world(session, str(upload_dir), status=status)
    refused(session, world, upload_dir, InspectionError, message)


def test_an_item_of_another_category_is_refused(session, world, upload_dir):
    formwork = ItemAnswer("2022-6-1", ItemResult.CONFORMS)
    data = (*answers(session, world.work), formwork)
    refused(session, world, upload_dir, ChecklistError, "不属于该工程的检查表", answers=data)


def test_a_work_without_monitoring_has_no_monitoring_item(session, upload_dir):
    world = make_site_world(
        session, str(upload_dir), category="formwork", sub_type="tool_formwork", parameters={}
    )
    keys = [c.key for c in checklist_of(session, world.work)]
    assert "third_party_monitoring" not in keys and "2022-6-1" in keys and CATALOGUE_KEY not in keys
    data = (*answers(session, world.work), ItemAnswer("third_party_monitoring", ItemResult.CONFORMS))
    refused(session, world, upload_dir, ChecklistError, "third_party_monitoring", answers=data)


def test_a_photo_that_is_not_an_image_stores_nothing(session, world, upload_dir):
    fake = photo("伪装.png").__class__(b"%PDF-1.4 not a photo", "伪装.png")
    data = answers(session, world.work, fails={GENERAL_KEY: "问题"},
                   photos={GENERAL_KEY: (photo("good.png"),), CATALOGUE_KEY: (fake,)})  # fmt: skip
    refused(session, world, upload_dir, SiteFileError, "“伪装.png”不是图片", answers=data)


def test_more_than_ten_photos_on_an_item_is_refused(session, world, upload_dir):
    data = answers(session, world.work, photos={GENERAL_KEY: tuple(photo() for _ in range(11))})
    refused(session, world, upload_dir, SiteFileError, "最多上传10张", answers=data)


def test_every_item_must_be_answered(session, world, upload_dir):
    data = answers(session, world.work, skip=(CATALOGUE_KEY,))
    refused(session, world, upload_dir, ValidationError, "还有1个检查项未填写检查结果", answers=data)
    unanswered = tuple(
        ItemAnswer(a.key, None) if a.key == GENERAL_KEY else a for a in answers(session, world.work)
    )
    refused(session, world, upload_dir, ValidationError, "施工现场按专项施工方案组织施工", answers=unanswered)


def test_a_failed_item_needs_a_note(session, world, upload_dir):
    data = answers(session, world.work, fails={GENERAL_KEY: "  "})
    refused(session, world, upload_dir, ValidationError, "请写明发现的问题", answers=data)


def test_a_note_over_the_limit_is_refused(session, world, upload_dir):
    data = answers(session, world.work, fails={GENERAL_KEY: "长" * 1001})
    refused(session, world, upload_dir, ValidationError, "不能超过1000个字符", answers=data)


def test_the_date_may_not_be_in_the_future_nor_missing(session, world, upload_dir):
    refused(session, world, upload_dir, ValidationError, "不能晚于今天", inspected_on=date(2026, 5, 21))
    refused(session, world, upload_dir, ValidationError, "请填写检查日期", inspected_on=None)


@pytest.mark.parametrize(
    ("names", "message"), [((), "请填写检查人员姓名"), (("  ",), "请填写检查人员姓名"),
                           (tuple(f"人{i}" for i in range(11)), "最多10名"), (("名" * 33,), "不能超过32个字符")],
)  # fmt: skip
def test_inspectors_are_one_to_ten_names(session, world, upload_dir, names, message):
    refused(session, world, upload_dir, ValidationError, message, inspectors=names)


@pytest.mark.parametrize(
    ("who", "error"),
    [("other_city", NotFoundError), ("outsider", NotFoundError), ("expert", NotFoundError),
     ("gc", PermissionDenied), ("supervisor", PermissionDenied), ("office", PermissionDenied),
     ("admin", PermissionDenied)],
)  # fmt: skip
def test_only_a_regulator_of_the_area_inspects(session, world, upload_dir, who, error):
    refused(session, world, upload_dir, error, "", who=who)


def _sweep(session, world, city=None, starts=date(2026, 5, 1), ends=date(2026, 6, 30)):
    sweep = Sweep(name="2026年上半年排查", starts_on=starts, ends_on=ends, city=city,
                  opened_by=world.accounts["province"].id)  # fmt: skip
    session.add(sweep)
    session.commit()
    return sweep


def test_an_inspection_joins_a_sweep_that_covers_its_day_and_place(session, world, upload_dir):
    sweep = _sweep(session, world, city=City.SUZHOU)
    assert queries.sweeps_for(session, world.work, INSPECTED_ON) == [sweep]
    assert record(session, world, upload_dir, sweep_id=sweep.id).sweep_id == sweep.id


def test_a_sweep_of_another_period_or_city_is_refused(session, world, upload_dir):
    early = _sweep(session, world, starts=date(2026, 1, 1), ends=date(2026, 3, 31))
    nanjing = _sweep(session, world, city=City.NANJING)
    refused(session, world, upload_dir, ValidationError, "不在排查轮次", sweep_id=early.id)
    refused(session, world, upload_dir, ValidationError, "范围（南京市）", sweep_id=nanjing.id)
    refused(session, world, upload_dir, ValidationError, "排查轮次不存在", sweep_id=early.id + 99)


# -- the careless review ------------------------------------------------------------------------------------


def careless(session, world, upload_dir):
    panel = make_panel(session, world.work, world.version)
    inspection = record(
        session, world, upload_dir, review_careless=True, careless_note="支撑轴力计算明显错误被通过"
    )
    return panel, inspection


def events(session):
    return list(session.scalars(select(CreditEventRow).order_by(CreditEventRow.expert_id)))


def test_careless_review_is_proposed_then_recorded_once_per_expert(session, world, upload_dir):
    panel, inspection = careless(session, world, upload_dir)
    proposal = site_findings.proposal(session, inspection)
    assert proposal is not None and [m.expert_id for m in proposal.pending] == panel
    assert (proposal.points_min, proposal.points_max) == (-20, -10)
    assert events(session) == []  # only proposed until a regulator confirms

    first = site_findings.confirm_careless(
        session, world.scope("regulator"), inspection, points=-15, day=TODAY
    )
    again = site_findings.confirm_careless(
        session, world.scope("province"), inspection, points=-20, day=TODAY
    )
    assert sorted(r.expert_id for r in first) == panel and again == []
    rows = events(session)
    assert [(r.expert_id, r.points, r.kind) for r in rows] == [(i, -15, "careless_review") for i in panel]
    assert {r.source for r in rows} == {f"inspection:{inspection.id}:careless:{i}" for i in panel}
    assert ledger.standing(session, panel[0], today=TODAY).score == 85
    after = site_findings.proposal(session, inspection)
    assert after is not None and after.pending == () and {m.recorded_points for m in after.members} == {-15}


@pytest.mark.parametrize("points", [-21, -9, 0])
def test_careless_points_outside_the_policy_record_nothing(session, world, upload_dir, points):
    _, inspection = careless(session, world, upload_dir)
    with pytest.raises(ValidationError, match="扣分须在-20至-10分之间"):
        site_findings.confirm_careless(
            session, world.scope("regulator"), inspection, points=points, day=TODAY
        )
    assert events(session) == []


@pytest.mark.parametrize("who", ["other_city", "gc", "office", "admin"])
def test_only_a_regulator_of_the_area_confirms_a_careless_review(session, world, upload_dir, who):
    _, inspection = careless(session, world, upload_dir)
    with pytest.raises(PermissionDenied):
        site_findings.confirm_careless(session, world.scope(who), inspection, points=-10, day=TODAY)
    assert events(session) == []


def test_an_inspection_without_the_finding_confirms_nothing(session, world, upload_dir):
    make_panel(session, world.work, world.version)
    inspection = record(session, world, upload_dir)
    assert site_findings.proposal(session, inspection) is None
    with pytest.raises(ValidationError, match="没有认定"):
        site_findings.confirm_careless(session, world.scope("regulator"), inspection, points=-10, day=TODAY)


def test_a_careless_review_needs_its_note_and_a_reviewed_work(session, world, upload_dir):
    refused(session, world, upload_dir, ValidationError, "须写明", review_careless=True, careless_note=" ")
    hazardous = make_site_world(session, str(upload_dir), parameters={"excavation_depth": "4",
                                "complex_conditions": False, "affects_adjacent_structures": False})  # fmt: skip
    refused(session, hazardous, upload_dir, InspectionError, "未经专家论证", review_careless=True,
            careless_note="错误")  # fmt: skip


# -- reading ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [("regulator", True), ("province", True), ("gc", True), ("supervisor", True), ("office", True),
     ("other_city", False), ("outsider", False), ("expert", False)],
)  # fmt: skip
def test_an_inspection_is_read_by_those_who_see_the_site(session, world, upload_dir, who, sees):
    inspection = record(
        session, world, upload_dir, answers=answers(session, world.work, photos={GENERAL_KEY: (photo(),)})
    )
    photo_id = inspection.items[0].photos[0].id
    if sees:
        assert queries.get_inspection_for(session, world.scope(who), inspection.id).id == inspection.id
        assert queries.get_photo_for(session, world.scope(who), photo_id).id == photo_id
    else:
        with pytest.raises(NotFoundError):
            queries.get_inspection_for(session, world.scope(who), inspection.id)
        with pytest.raises(NotFoundError):
            queries.get_photo_for(session, world.scope(who), photo_id)


def test_the_list_is_the_regulators_area_with_filters(session, world, upload_dir):
    mine = record(session, world, upload_dir)
    nanjing = make_site_world(session, str(upload_dir), city=City.NANJING)
    theirs = record(session, nanjing, upload_dir, inspected_on=date(2026, 5, 1))
    city = queries.inspections_page(
        session, world.scope("regulator"), queries.InspectionFilter(city=City.NANJING)
    )
    assert [i.id for i in city.items] == [mine.id]  # a city regulator sees his city whatever he asks
    province = world.scope("province")
    assert [i.id for i in queries.inspections_page(session, province, queries.InspectionFilter()).items] == [
        mine.id, theirs.id]  # fmt: skip
    found = queries.InspectionFilter(city=City.NANJING, date_from=date(2026, 4, 1), date_to=date(2026, 5, 2))
    assert [i.id for i in queries.inspections_page(session, province, found).items] == [theirs.id]
    assert (
        queries.inspections_page(session, province, queries.InspectionFilter(category="formwork")).total == 0
    )
    with pytest.raises(PermissionDenied):
        queries.inspections_page(session, world.scope("gc"), queries.InspectionFilter())


def test_the_general_items_lead_every_checklist(session, world):
    keys = [c.key for c in checklist_of(session, world.work)]
    assert keys[: len(GENERAL_ITEMS)] == [c.key for c in GENERAL_ITEMS]
