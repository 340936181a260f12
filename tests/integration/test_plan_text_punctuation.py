"""Extracted plan text keeps full-width punctuation and superscripts as written (，not , and m² not m2), still
mends what PDFs garble (full-width digits, Kangxi radicals), still finds the sections, and search finds the plan
whether the query is typed full-width or half-width."""

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import ParticipantRole
from knowledge.plans import services as plan_services
from knowledge.plans.files import inspect_upload, normalize_text
from knowledge.search_docs import plan_document
from search_index.query import SearchRequest
from tests.factories import (
    PLAN_AUTHORS,
    SAMPLE_PLAN,
    TEST_VAULT,
    make_account,
    make_enterprise,
    make_project,
    make_work,
)

WRITTEN = "\n（一）计算参数：模板支撑总荷载１６kN/m²，集中线荷载２１kN/m；混凝土强度Ｃ３０。\n"


def test_full_width_punctuation_and_superscripts_stay_as_written():
    assert (
        normalize_text("面积１２０m²，荷载15kN/m³；见表１（附件①）。")
        == "面积120m²，荷载15kN/m³；见表1（附件①）。"
    )
    assert normalize_text("\u2f2f程概况：ＡＢＣ～") == "工程概况：ABC～"
    assert inspect_upload("１．工程概况\n２．编制依据".encode(), "a.txt").text == "1．工程概况\n2．编制依据"


def test_sections_are_still_found_and_search_finds_both_spellings(session, tmp_path, index):
    gc = make_enterprise(session)
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR)])
    team = Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id))
    work = make_work(session, project)
    text = (
        SAMPLE_PLAN.replace("第一章 工程概况", "１．工程概况").replace("第二章 编制依据", "２、编制依据")
        + WRITTEN
    )
    upload = plan_services.PlanUpload(text.encode(), "方案.txt", "高支模方案", authors=PLAN_AUTHORS)
    version = plan_services.submit_version(session, work, upload, scope=team, upload_dir=tmp_path / "up",
                                           max_bytes=10**6, vault=TEST_VAULT)  # fmt: skip
    assert "总荷载16kN/m²，集中线荷载21kN/m；混凝土强度C30。" in version.text
    assert version.sections_found == list(range(1, 10))
    assert index.upsert([plan_document(session, version)]).ok
    for q in ("16kN/m²", "16kN/m2", "１６ｋＮ／ｍ２", "C30", "Ｃ３０"):
        found = {hit.doc_id for hit in index.search(SearchRequest(allowed="all", q=q)).hits}
        assert found == {f"plan:{version.id}"}, q
