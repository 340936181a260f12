"""The draw record page (DOMAIN 4, "Verifiable"): the seed only after the reveal time, for everyone; the PDF linked."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from expert_pool.draws.models import Draw
from knowledge.accounts.models import Role
from tests.factories import login, make_account
from tests.integration.test_draws import site  # noqa: F401 - the same world as the service tests
from tests.web.test_draws_pages import drawn  # noqa: F401


def test_the_office_sees_the_names_but_not_the_seed_before_the_reveal_time(client, session, drawn):  # noqa: F811
    draw = drawn["draw"]
    login(client, drawn["office"])
    page = client.get(f"/draws/{draw.id}").get_data(as_text=True)
    assert 'id="panel"' in page  # the office may see who is on the panel
    assert draw.seed_hash in page and draw.seed not in page
    assert "后公开" in page


def test_the_seed_is_shown_after_the_reveal_time(client, session, site, drawn):  # noqa: F811
    draw = drawn["draw"]
    session.execute(update(Draw).values(reveal_at=datetime.now(UTC) - timedelta(minutes=1)))
    session.commit()
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=site["gc"].id)
    for account in (drawn["office"], team):
        login(client, account)
        page = client.get(f"/draws/{draw.id}").get_data(as_text=True)
        assert draw.seed in page and draw.seed_hash in page, account.role
        client.post("/auth/logout")


def test_the_record_page_links_its_pdf_and_names_the_algorithm_in_words(client, session, site, drawn):  # noqa: F811
    draw = drawn["draw"]
    login(client, drawn["office"])
    page = client.get(f"/draws/{draw.id}").get_data(as_text=True)
    assert f'href="/draws/{draw.id}/record.pdf"' in page
    assert "加权不放回随机抽样" in page
    assert client.get(f"/draws/{draw.id}/record.pdf").status_code == 200
    client.post("/auth/logout")
    login(client, make_account(session, Role.PROJECT_TEAM, enterprise_id=site["gc"].id))
    assert "record.pdf" not in client.get(f"/draws/{draw.id}").get_data(
        as_text=True
    )  # the team may not have it
