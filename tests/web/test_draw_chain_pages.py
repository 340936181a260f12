"""The keyed draw chain at the edges (issue 18): `flask draws verify --all`, `draws digest`, `verify --against`,
the public verification page's chain head and digests, the public JSON, and a digest's download."""

import json

from sqlalchemy import select, update

from expert_pool.draws import services as draws
from expert_pool.draws.models import ChainEntry, HalfDay, Seat
from tests.integration.chain_guard import chain_unguarded
from tests.integration.test_draws import DAY, NOW, site  # noqa: F401


def _draw(session, site):  # noqa: F811
    return draws.request_draw(
        session, site["ready_work"](), DAY, HalfDay.AM, actor_id=None, now=NOW, seed="a"
    )


def test_verify_all_fails_on_an_edited_seat_and_names_it(runner, session, site):  # noqa: F811
    draw = _draw(session, site)
    assert runner.invoke(args=["draws", "verify", "--all"]).exit_code == 0
    seat = next(s for s in draw.seats if s.position == 1)
    outsider = next(e.id for e in site["experts"] if e.id not in draw.seated + draw.alternates)
    session.execute(update(Seat).where(Seat.id == seat.id).values(expert_id=outsider))
    session.commit()
    result = runner.invoke(args=["draws", "verify", "--all"])
    assert result.exit_code != 0
    assert f"席位 {seat.id}" in result.output and "席位被改写" in result.output
    one = runner.invoke(args=["draws", "verify", str(draw.id)])
    assert one.exit_code != 0 and "席位与密钥链上的记录不符" in one.output


def test_the_public_verify_endpoint_no_longer_says_intact_after_a_seat_edit(client, session, site):  # noqa: F811
    draw = _draw(session, site)
    assert client.get(f"/api/v1/draws/{draw.id}/verify").get_json()["ok"] is True
    seat = next(s for s in draw.seats if s.position == 1)
    outsider = next(e.id for e in site["experts"] if e.id not in draw.seated + draw.alternates)
    session.execute(update(Seat).where(Seat.id == seat.id).values(expert_id=outsider))
    session.commit()
    body = client.get(f"/api/v1/draws/{draw.id}/verify").get_json()
    assert body["ok"] is False and "席位与密钥链上的记录不符" in body["message"]


def test_a_digest_is_signed_kept_and_checked_against(runner, session, site, tmp_path):  # noqa: F811
    _draw(session, site)
    made = runner.invoke(args=["draws", "digest"])
    assert made.exit_code == 0, made.output
    kept = json.loads(made.output)
    assert kept["algorithm"] == "Ed25519" and kept["head_seq"] == 9
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(kept))
    result = runner.invoke(args=["draws", "verify", "--against", str(path)])
    assert result.exit_code == 0 and "一致" in result.output
    with chain_unguarded(session):
        session.execute(update(ChainEntry).where(ChainEntry.seq == 9).values(mac="f" * 64))
        session.commit()
        result = runner.invoke(args=["draws", "verify", "--against", str(path)])
    assert result.exit_code != 0 and "此后链被改写" in result.output
    path.write_text("not json")
    assert "不是有效的 JSON" in runner.invoke(args=["draws", "verify", "--against", str(path)]).output


def test_the_public_page_and_json_show_the_head_and_the_digests(client, runner, session, site):  # noqa: F811
    page = client.get("/verify")
    assert page.status_code == 200 and "尚无记录" in page.get_data(as_text=True)
    _draw(session, site)
    made = json.loads(runner.invoke(args=["draws", "digest"]).output)
    head_mac = session.scalar(select(ChainEntry.mac).order_by(ChainEntry.seq.desc()).limit(1))
    html = client.get("/verify").get_data(as_text=True)
    assert 'id="draw-chain"' in html and head_mac in html and made["public_key"] in html
    assert f"/verify/draw-chain/{made['date']}.json" in html
    body = client.get("/api/v1/draws/chain").get_json()  # public: no token
    assert body["head_seq"] == 9 and body["head_mac"] == head_mac and body["digests"][0] == made
    download = client.get(f"/verify/draw-chain/{made['date']}.json")
    assert download.status_code == 200 and download.get_json() == made
    assert "attachment" in download.headers["Content-Disposition"]
    assert client.get("/verify/draw-chain/2001-01-01.json").status_code == 404
    assert client.get("/verify/draw-chain/not-a-day.json").status_code == 404
