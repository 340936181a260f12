"""`flask draws verify`, `expire` and `notify` on the command line."""

from sqlalchemy import update

from expert_pool.draws import services as draws
from expert_pool.draws.models import Draw, HalfDay
from tests.integration.test_draws import DAY, NOW, site  # noqa: F401


def test_verify_one_all_and_a_tampered_chain(runner, session, site):  # noqa: F811
    first = draws.request_draw(
        session, site["ready_work"](), DAY, HalfDay.AM, actor_id=None, now=NOW, seed="a"
    )
    draws.request_draw(session, site["ready_work"](), DAY, HalfDay.PM, actor_id=None, now=NOW, seed="b")
    result = runner.invoke(args=["draws", "verify", str(first.id)])
    assert result.exit_code == 0 and "校验通过" in result.output
    result = runner.invoke(args=["draws", "verify", "--all"])
    assert result.exit_code == 0 and "共校验 2 条记录，全部通过" in result.output
    session.execute(
        update(Draw).where(Draw.id == first.id).values(alternates=list(reversed(first.alternates)))
    )
    session.commit()
    result = runner.invoke(args=["draws", "verify", "--all"])
    assert result.exit_code != 0 and "首个问题在第1条" in result.output
    assert runner.invoke(args=["draws", "verify", "999"]).exit_code != 0


def test_expire_and_notify_jobs(runner, session, site):  # noqa: F811
    draws.request_draw(session, site["ready_work"](), DAY, HalfDay.AM, actor_id=None, now=NOW, seed="a")
    result = runner.invoke(args=["draws", "notify"])
    assert result.exit_code == 0 and "已发送 5 条" in result.output
    assert "逾期未答复的邀请" in runner.invoke(args=["draws", "expire"]).output
