"""Who may reach which page: every page route, every role, plus anonymous visitors."""

import pytest

from expert_pool.reviews.meetings import open_review
from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.regions import City
from tests.factories import (
    login,
    make_account,
    make_draw_record,
    make_enterprise,
    make_expert,
    make_plan_version,
    make_project,
    make_work,
)
from tests.site_access import crane_reports as site_crane_reports
from tests.site_access import crane_sites as site_crane_sites
from tests.site_access import crane_spot_checks as site_crane_spot_checks
from tests.site_access import cranes as site_cranes
from tests.site_access import hazards as site_hazards
from tests.site_access import inspections as site_inspections
from tests.site_access import records as site_records
from tests.site_access import timeline as site_timeline

SITE_PARTS = (site_records, site_inspections, site_hazards, site_timeline, site_cranes, site_crane_sites,
              site_crane_reports, site_crane_spot_checks)  # fmt: skip
ALL = set(Role)
# The security and the audit administrator reach their own pages only (webapp/admin/duties.py).
BUSINESS = ALL - {Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
# endpoint -> roles that get 200; every other signed-in role gets 403.
MATRIX = {
    "main.home": ALL,
    "main.task_count": BUSINESS,
    "enterprises.index": BUSINESS,
    "enterprises.detail": BUSINESS,
    "enterprises.create": {Role.ADMIN},
    "enterprises.edit": {Role.ADMIN},
    "projects.index": BUSINESS - {Role.EXPERT},
    "projects.detail": BUSINESS - {Role.EXPERT},
    "admin.accounts": {Role.ADMIN, Role.SECURITY_ADMIN},
    "admin.create_account": {Role.ADMIN},
    "admin.edit_account": {Role.ADMIN},
    "admin.change_role": {Role.SECURITY_ADMIN},
    "admin.audit": {Role.AUDIT_ADMIN},
    "admin.export_audit": {Role.AUDIT_ADMIN},
    "admin.policy": {Role.ADMIN},
    "admin.sign_in_attacks": {Role.SECURITY_ADMIN},
    "admin.key_status": {Role.SECURITY_ADMIN},
    "auth.tokens": ALL,
    "auth.password": ALL,
    "auth.two_factor": ALL,
    "auth.two_factor_enrol": ALL,
    "classify.page": BUSINESS,
    "works.index": BUSINESS - {Role.EXPERT},
    "works.export": BUSINESS - {Role.EXPERT},
    "works.detail": BUSINESS - {Role.EXPERT},
    "works.create": {Role.PROJECT_TEAM, Role.ADMIN},
    "works.edit_parameters": {Role.PROJECT_TEAM, Role.ADMIN},
    "works.submit_plan": {Role.PROJECT_TEAM},
    "works.plan_detail": BUSINESS - {Role.EXPERT},
    "works.download": BUSINESS - {Role.EXPERT},
    "works.import_works": {Role.PROJECT_TEAM, Role.REGULATOR, Role.ADMIN},
    "works.import_template": {Role.PROJECT_TEAM, Role.REGULATOR, Role.ADMIN},
    "experts.index": {Role.DRAW_OFFICE, Role.ADMIN, Role.REGULATOR},
    "experts.detail": {Role.DRAW_OFFICE, Role.ADMIN, Role.REGULATOR},
    "experts.create": {Role.DRAW_OFFICE, Role.ADMIN},
    "experts.edit": {Role.DRAW_OFFICE, Role.ADMIN},
    "experts.me": {Role.EXPERT},
    "draws.detail": BUSINESS - {Role.EXPERT},
    "experts.credit_page": {Role.DRAW_OFFICE, Role.ADMIN, Role.REGULATOR},
    "experts.my_credit": {Role.EXPERT},
    "experts.portrait": {Role.REGULATOR, Role.ADMIN},
    "experts.my_portrait": {Role.EXPERT},
    "site.supervision_portraits": {Role.REGULATOR, Role.ADMIN},
    "reviews.export": BUSINESS - {Role.EXPERT},
    "dashboard.index": {Role.REGULATOR, Role.ADMIN},
    # The common problems (issue 23): regulators, the office, experts and the admin read them; a plan's pre-check
    # is read by whoever may read the plan (an expert only when seated on its review).
    "precedents.index": {Role.REGULATOR, Role.DRAW_OFFICE, Role.ADMIN, Role.EXPERT},
    "precedents.category": {Role.REGULATOR, Role.DRAW_OFFICE, Role.ADMIN, Role.EXPERT},
    "precedents.progress": {Role.REGULATOR, Role.DRAW_OFFICE, Role.ADMIN, Role.EXPERT},
    "precedents.plan_precheck": {Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN},
    "dashboard.csv": {Role.REGULATOR, Role.ADMIN},
    "integrity.index": {Role.REGULATOR, Role.ADMIN},
    "reports.supervision_reports": {Role.REGULATOR, Role.ADMIN},
    "reports.supervision_progress": set(),  # the world holds no supervision report: 404 for its readers (HIDDEN)
    "reports.supervision_file": set(),
    "integrity.progress": {Role.REGULATOR, Role.ADMIN},
    "experts.import_experts": {Role.DRAW_OFFICE, Role.ADMIN},
    "experts.import_template": {Role.DRAW_OFFICE, Role.ADMIN},
    "experts.credit_ranking": {Role.DRAW_OFFICE, Role.ADMIN, Role.REGULATOR},
    "draws.conflicts": {Role.DRAW_OFFICE, Role.ADMIN, Role.REGULATOR},
    "reports.report_pdf": set(),  # the world's review has no report: 404 for every role (see HIDDEN)
    "reports.draw_pdf": {Role.DRAW_OFFICE, Role.ADMIN, Role.REGULATOR},
    "draws.my_invitations": {Role.EXPERT},
    "search.index": BUSINESS,
    "reviews.index": BUSINESS,
    "reviews.detail": BUSINESS - {Role.EXPERT},
    "reviews.revision": {Role.PROJECT_TEAM},
    "reviews.plan": set(),
    "reviews.plan_download": set(),
    "reviews.revision_compare": set(),  # the world's review has no revised version: 404 (see HIDDEN)
    "reviews.revision_download": set(),
}
PUBLIC = {
    "static",
    "bootstrap.static",
    "auth.login",
    "auth.two_factor_code",  # the second step of a sign-in: without a pending one, back to the login page
    "main.healthz",
    "reports.verify",
    "reports.verify_form",
    "reports.chain_digest_file",
    "cranes.verify",
    "cranes.verify_form",
}
POST_ONLY = {"precedents.run", "draws.top_up", "dashboard.problem_sweep", "auth.logout", "auth.revoke", "admin.reset_password", "admin.reset_two_factor",
             "admin.disable_account", "admin.enable_account", "admin.verify_audit", "admin.unlock_sign_in", "auth.two_factor_cancel",
             "auth.two_factor_recovery", "auth.two_factor_disable", "works.record_move", "works.request_review", "works.sign",
             "works.import_commit", "experts.change_status", "experts.add_employment", "experts.my_contact",
             "experts.my_leave", "experts.my_declaration", "draws.create", "draws.answer", "draws.contact",
             "experts.record_credit", "experts.reverse_credit", "experts.import_commit",
             "experts.appeal", "experts.decide_appeal", "reviews.rate", "integrity.run", "integrity.examine", "reports.supervision_request", "reports.supervision_retry", "reviews.meeting", "reviews.opinion", "reviews.draft",
             "reviews.sign", "reviews.confirm_revision", "reviews.refuse", "reviews.answer_refusal",
             "reviews.check_in", "reviews.record_presence", "reviews.leader", "reviews.report_absence",
             "reviews.decide_absence", "reviews.change_arrangement"}  # fmt: skip
QUERY = {"works.create": {"project_id"}}
# The site-control pages keep their own rows, one module per part (tests/web/access_site_*.py).
for _part in SITE_PARTS:
    MATRIX.update(_part.MATRIX)
    POST_ONLY |= _part.POST_ONLY
    QUERY.update(_part.QUERY)
# An inspection body's inspectors work on the machines they inspect: the registry's projects, works, reviews, draws
# and search are not theirs.
NOT_FOR_INSPECTORS = ("draws.detail", "projects.detail", "projects.index", "reports.report_pdf", "reviews.detail",
                      "reviews.index", "reviews.export", "reviews.revision_compare", "reviews.revision_download", "search.index",
                      "works.detail", "works.download", "works.export", "works.index", "works.plan_detail")  # fmt: skip
for _endpoint in NOT_FOR_INSPECTORS:
    MATRIX[_endpoint] = MATRIX[_endpoint] - {Role.INSPECTION_BODY}
# Pages of one review: a signed-in role that may have such pages but is not bound to this one gets 404.
HIDDEN = {endpoint: {Role.EXPERT} for endpoint in ("reviews.detail", "reviews.plan", "reviews.plan_download")}
HIDDEN["precedents.plan_precheck"] = {Role.EXPERT}
HIDDEN["reports.supervision_progress"] = HIDDEN["reports.supervision_file"] = {Role.REGULATOR, Role.ADMIN}
HIDDEN["reports.report_pdf"] = BUSINESS - {
    Role.INSPECTION_BODY
}  # a report of a review one may see, but no such report
HIDDEN["reviews.revision_compare"] = HIDDEN["reviews.revision_download"] = BUSINESS - {
    Role.INSPECTION_BODY
}  # no revision
for _part in SITE_PARTS:
    PUBLIC |= getattr(_part, "PUBLIC", set())
    for _endpoint, _roles in getattr(_part, "HIDDEN", {}).items():
        HIDDEN[_endpoint] = HIDDEN.get(_endpoint, set()) | _roles


@pytest.fixture
def world(app, session):
    contractor = make_enterprise(session)
    project = make_project(session, [(contractor, ParticipantRole.GENERAL_CONTRACTOR)], city=City.SUZHOU)
    work = make_work(session, project)
    version = make_plan_version(session, work, app.config["UPLOAD_DIR"])
    draw = make_draw_record(session, work, version)
    review = open_review(session, draw)
    session.commit()
    world = {"review_id": review.id, "report_id": 1,"enterprise_id": contractor.id, "project_id": project.id, "contractor": contractor,
            "work_id": work.id, "version_id": version.id, "fmt": "csv", "chart": "summary", "category": "excavation", "expert_id": make_expert(session).id, "draw_id": draw.id,
            "account_id": make_account(session, Role.REGULATOR).id}  # fmt: skip
    for part in SITE_PARTS:
        world.update(part.extend_world(app, session, world))
    return world


def url_for_endpoint(app, endpoint, world):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: world[k] for k in rule.arguments | QUERY.get(endpoint, set())})


def test_every_page_route_is_in_the_matrix(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if not r.endpoint.startswith("api.")}
    assert endpoints - PUBLIC - POST_ONLY == set(MATRIX)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_anonymous_is_sent_to_login(app, client, world, endpoint):
    response = client.get(url_for_endpoint(app, endpoint, world))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", sorted(Role))
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_role_matrix(app, client, session, world, endpoint, role):
    overrides = {"enterprise_id": world["enterprise_id"]} if role is Role.PROJECT_TEAM else {}
    login(client, make_account(session, role, **overrides))
    expected = 200 if role in MATRIX[endpoint] else 404 if role in HIDDEN.get(endpoint, ()) else 403
    assert client.get(url_for_endpoint(app, endpoint, world)).status_code == expected


def test_project_team_of_another_enterprise_gets_404(client, session, world):
    login(client, make_account(session, Role.PROJECT_TEAM))
    assert client.get(f"/projects/{world['project_id']}").status_code == 404
    assert "没有符合条件的项目" in client.get("/projects/").get_data(as_text=True)


def test_city_regulator_sees_only_his_city(client, session, world):
    other = make_project(session, [(world["contractor"], ParticipantRole.GENERAL_CONTRACTOR)], city=City.NANJING,
                         district="江宁区", name="南京市江宁区某项目")  # fmt: skip
    login(client, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    assert client.get(f"/projects/{world['project_id']}").status_code == 200
    assert client.get(f"/projects/{other.id}").status_code == 404
    listing = client.get("/projects/?city=nanjing").get_data(as_text=True)
    assert "南京市江宁区某项目" not in listing


def test_city_regulator_cannot_read_the_audit_log(client, session):
    login(client, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    assert client.get("/admin/audit").status_code == 403


def test_project_team_sees_its_projects_on_home(client, session, world):
    login(client, make_account(session, Role.PROJECT_TEAM, enterprise_id=world["enterprise_id"]))
    page = client.get("/").get_data(as_text=True)
    assert "本单位参与的项目" in page and "测试地块住宅项目" in page
