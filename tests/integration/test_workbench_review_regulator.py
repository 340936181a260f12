"""A regulator's review tasks (meetings never recorded, reports unsigned past the deadline, credit appeals) in
its city or the province; and the statements the workbench costs, the same for one open item as for five."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from expert_pool.credit import ledger
from expert_pool.credit.rules import EventKind
from expert_pool.draws import services as draws
from expert_pool.draws.models import HalfDay, SeatStatus
from expert_pool.experts.models import ExpertSpecialty
from expert_pool.policy import set_policy
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews import reports as review_reports
from expert_pool.workbench.board import tasks_for
from knowledge.accounts.models import Account, Role
from knowledge.accounts.permissions import Scope
from knowledge.clock import CST
from knowledge.enterprises.models import ParticipantRole
from knowledge.plans.models import PlanSignoff, SignoffKind
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from knowledge.workbench.tasks import Task
from tests.factories import (
    make_account,
    make_enterprise,
    make_expert,
    make_plan_version,
    make_project,
    make_work,
)
from tests.review_fixtures import AT_MEETING, MEETING_DAY, all_opinions, draft, ready_meeting, record


@pytest.fixture
def m(session, tmp_path):
    return ready_meeting(session, str(tmp_path / "up"))


def board(session, account: Account, now: datetime = AT_MEETING) -> list[Task]:
    return tasks_for(session, Scope.of(account), now.astimezone(CST).date(), now)


def of_kind(tasks: list[Task], kind: str) -> list[Task]:
    return [t for t in tasks if t.kind == kind]


def test_regulator_follows_a_meeting_begun_without_record_in_its_city(session, m):
    regulator = make_account(session, Role.REGULATOR, city=City.SUZHOU)
    province = make_account(session, Role.REGULATOR)
    nanjing = make_account(session, Role.REGULATOR, city=City.NANJING)
    next_day = AT_MEETING + timedelta(days=1)
    for account in (regulator, province):
        [task] = of_kind(board(session, account, next_day), "meeting_unrecorded")
        assert (task.target, task.target_id, task.due) == ("review", m.review.id, MEETING_DAY)
        assert task.days_late(MEETING_DAY + timedelta(days=1)) == 1
    assert not of_kind(board(session, nanjing, next_day), "meeting_unrecorded")

    record(session, m)
    assert not of_kind(board(session, regulator, next_day), "meeting_unrecorded")


def test_regulator_follows_a_report_unsigned_past_the_signing_deadline_until_it_is_final(session, m):
    regulator = make_account(session, Role.REGULATOR, city=City.SUZHOU)
    record(session, m)
    all_opinions(session, m)
    report = draft(session, m)
    review_reports.sign_report(session, m.review, report, m.panel[0].id, now=AT_MEETING)
    deadline = MEETING_DAY + timedelta(days=3)  # the policy's report_sign_days after the meeting
    assert not of_kind(
        board(session, regulator, AT_MEETING + timedelta(days=3)), "report_overdue"
    )  # on the day

    late = AT_MEETING + timedelta(days=4)
    [task] = of_kind(board(session, regulator, late), "report_overdue")
    assert (task.target, task.target_id, task.due) == ("review", m.review.id, deadline)
    assert task.days_late(late.astimezone(CST).date()) == 1
    assert not of_kind(board(session, make_account(session, Role.REGULATOR, city=City.NANJING), late),
                       "report_overdue")  # fmt: skip

    for expert in m.panel[1:]:
        review_reports.sign_report(session, m.review, report, expert.id, now=late)
    assert not of_kind(board(session, regulator, late), "report_overdue")


def test_regulator_decides_the_appeals_of_experts_living_in_its_city(session):
    expert = make_expert(session, city=City.NANJING)
    account = make_account(session, Role.EXPERT, expert_id=expert.id)
    day = date(2026, 11, 20)
    penalty = ledger.record(
        session, expert.id, EventKind.LATE_DECLINE, day=day, reason="临时谢绝", actor_id=None
    )
    appeal = ledger.file_appeal(session, expert.id, penalty.id, "有正当理由", actor_id=account.id)
    nanjing = make_account(session, Role.REGULATOR, city=City.NANJING)
    for regulator in (nanjing, make_account(session, Role.REGULATOR)):
        [task] = of_kind(board(session, regulator), "appeal_decide")
        assert (task.target, task.target_id, task.due) == ("expert_credit", expert.id, None)
        assert task.subject.startswith(expert.name)
    assert not of_kind(
        board(session, make_account(session, Role.REGULATOR, city=City.SUZHOU)), "appeal_decide"
    )

    ledger.decide_appeal(session, appeal.id, upheld=True, note="理由成立", day=day, scope=Scope.of(nanjing))
    assert not of_kind(board(session, nanjing), "appeal_decide")
    assert not of_kind(board(session, account), "credit_appeal")  # reversed: nothing left to appeal


# -- statements -----------------------------------------------------------------------------------------

START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
CITIES = [City.NANJING, City.WUXI, City.NANTONG, City.YANGZHOU, City.SUZHOU]


class World:
    """Five experts who sit on every panel (no alternates), and one project; each round opens one more item
    of every kind a role reads."""

    def __init__(self, session: Session, upload_dir: str) -> None:
        set_policy(session, "pool", {"alternates": 0, "max_same_constructor": 100}, actor_id=None)
        self.session, self.upload_dir = session, upload_dir
        gc, sup = make_enterprise(session), make_enterprise(session)
        self.project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR),
                                              (sup, ParticipantRole.SUPERVISOR)])  # fmt: skip
        self.team = make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id)
        self.experts = []
        for city in CITIES:
            expert = make_expert(session, city=city)
            expert.specialties.append(ExpertSpecialty(category="excavation"))
            self.experts.append(expert)
        session.commit()
        self.expert = make_account(session, Role.EXPERT, expert_id=self.experts[0].id)
        self.office = make_account(session, Role.DRAW_OFFICE, city=City.SUZHOU)
        self.regulator = make_account(session, Role.REGULATOR)
        self.rounds = 0

    def add_round(self) -> None:
        s, n = self.session, self.rounds
        self.rounds += 1
        make_work(s, self.project, status=WorkStatus.SUPERVISOR_SIGNED)  # the team requests its review
        self.requested()  # the office draws for it
        drawn = self.requested()  # each expert reads its plan, the office answers the invitations' reminders
        draw = draws.request_draw(s, drawn, MEETING_DAY + timedelta(days=n), HalfDay.AM, actor_id=None, now=START,
                                  seed=f"seed-{n}")  # fmt: skip
        # Every expert sits on every panel: the first confirms (his plan to read), the others are near the deadline.
        mine = next(seat for seat in draw.seats if seat.expert_id == self.experts[0].id)
        assert mine.status is SeatStatus.INVITED
        reviews.confirm_seat(s, mine, now=START, actor_id=None)
        appellant = make_expert(s, city=City.SUZHOU)  # the regulator decides his appeal
        penalty = ledger.record(
            s, appellant.id, EventKind.NO_SHOW, day=START.date(), reason="缺席", actor_id=None
        )
        ledger.file_appeal(s, appellant.id, penalty.id, "有正当理由", actor_id=self.regulator.id)
        ledger.record(
            s, self.experts[0].id, EventKind.LATE_REPORT, day=START.date(), reason="逾期", actor_id=None
        )

    def requested(self):
        s = self.session
        work = make_work(s, self.project, status=WorkStatus.REVIEW_REQUESTED)
        version = make_plan_version(s, work, self.upload_dir)
        for kind in (SignoffKind.CONSTRUCTOR, SignoffKind.SUPERVISOR):
            s.add(
                PlanSignoff(plan_version_id=version.id, kind=kind, account_id=self.team.id, signer_name="x")
            )
        s.commit()
        return work


def statements(session: Session, account: Account, now: datetime) -> tuple[int, int]:
    """(statements run, tasks found) by a fresh session, as a request's: nothing already loaded helps."""
    engine = session.get_bind()
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    fresh = Session(engine)
    event.listen(engine, "before_cursor_execute", count)
    try:
        found = tasks_for(fresh, Scope.of(account), now.astimezone(CST).date(), now)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        fresh.close()
    return len(seen), len(found)


def test_the_workbench_runs_as_many_statements_for_five_open_items_as_for_one(session, tmp_path):
    world = World(session, str(tmp_path / "up"))
    world.add_round()
    now = START + timedelta(hours=20)  # the unanswered invitations are near their 24-hour deadline
    accounts = {
        "team": world.team,
        "office": world.office,
        "expert": world.expert,
        "regulator": world.regulator,
    }
    one = {name: statements(session, account, now) for name, account in accounts.items()}
    for _ in range(4):
        world.add_round()
    five = {name: statements(session, account, now) for name, account in accounts.items()}
    for name in accounts:
        assert five[name][1] >= 5 * one[name][1] > 0, name  # the items grew five-fold…
        assert five[name][0] == one[name][0], (name, one, five)  # …the statements did not
