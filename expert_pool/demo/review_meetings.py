"""One seeded review meeting as rows: its draw record (hashed and chained as ``draws`` stores one), the seats
and bookings, the meeting record, readings, the independent opinions on the three points, and the report
the whole panel signed, each signature an Ed25519 signature by the expert's key, with the keyed content hash
``review_reports.verify_code`` checks."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from expert_pool.demo import findings as words
from expert_pool.demo.findings import Finding
from expert_pool.demo.review_plans import Directors
from expert_pool.demo.review_world import ExpertInfo, Units, Version, WorkInfo
from expert_pool.draws.models import Draw, HalfDay, SeatStatus
from expert_pool.draws.panel import ALGORITHM_VERSION, Candidate, Panel, PanelPolicy
from expert_pool.draws.selection import next_alternate
from expert_pool.draws.services import GENESIS, meeting_start, record_hash
from expert_pool.policy import PoolPolicy
from expert_pool.reviews import signing
from expert_pool.reviews.models import Conclusion
from expert_pool.reviews.rules import ATTENDEE_ROLES, REVIEW_POINTS
from expert_pool.reviews.verification import CODE_ALPHABET, CODE_LENGTH, signed_body
from knowledge.demo.plan_vocabulary import SECTION_TITLES
from knowledge.demo.sampling import Picker, Row
from knowledge.enterprises.models import ParticipantRole

P = ParticipantRole
DECLINE_SHARE = 0.06  # meetings where a drawn expert declined and an alternate took the seat
# An expert's own proposal differs from the panel's conclusion, which he signs all the same (Art. 13: unanimous).
DISSENT_SHARE = 0.12
ALSO_RAISED = 0.3  # chance another expert notes the same finding
DOWNLOAD_SHARE = 0.8
PLACE_PICKER = Picker(words.PLACES)
DISSENT = {
    Conclusion.PASS: (Conclusion.PASS_AFTER_REVISION,),
    Conclusion.PASS_AFTER_REVISION: (Conclusion.PASS, Conclusion.PASS, Conclusion.FAIL),
    Conclusion.FAIL: (Conclusion.PASS_AFTER_REVISION,),
}


class Ids:
    """The next primary key of each table, from the first free ones."""

    def __init__(self, first: dict[str, int]) -> None:
        self.free = dict(first)

    def __call__(self, table: str) -> int:
        self.free[table] += 1
        return self.free[table] - 1


@dataclass
class Chain:
    """The last record of the draw chain: the next one takes the following position and links to its hash."""

    seq: int = 0
    last_hash: str = GENESIS


TABLES = ("draw", "meeting_arrangement", "seat", "expert_booking", "review", "review_attendance",
          "review_leader_vote", "review_reading", "review_opinion", "review_report", "review_change",
          "expert_signing_key", "review_signature", "review_revision", "review_response", "panel_sitting",
          "report_chain_entry")  # fmt: skip


@dataclass
class MeetingRows:
    """Rows of every table the review seed writes, in insert order."""

    tables: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in TABLES})

    def add(self, table: str, row: Row) -> Row:
        self.tables[table].append(row)
        return row


def at(moment: datetime, low_minutes: float, high_minutes: float, rng: random.Random) -> datetime:
    """A moment some minutes after ``moment``, to the second (as a person's click would be)."""
    return (moment + timedelta(minutes=rng.uniform(low_minutes, high_minutes))).replace(microsecond=0)


@cache
def policy_record(p_policy: PanelPolicy, policy: PoolPolicy) -> dict[str, Any]:
    """What a draw stores of its rules (one shared, never changed dict per city: ``asdict`` is slow)."""
    return {"panel": p_policy.to_dict(), "pool": asdict(policy)}


def draw_row(
    ids: Ids, chain: Chain, *, work_id: int, version_id: int, day: date, half: HalfDay, requested_at: datetime,
    seed: str, p_policy: PanelPolicy, policy: PoolPolicy, funnel: dict[str, Any], candidates: list[Candidate],
    panel: Panel,
) -> Row:  # fmt: skip
    """The draw record exactly as ``draws.services`` (its store step) writes one, hashed into the chain after the last."""
    reveal = meeting_start(day, half) - timedelta(days=policy.reveal_days_before)
    row: Row = {
        "id": ids("draw"), "seq": chain.seq + 1, "work_id": work_id, "plan_version_id": version_id, "meeting_day": day,
        "half_day": half, "requested_by": None, "requested_at": requested_at, "reveal_at": reveal.astimezone(UTC),
        "seed_hash": hashlib.sha256(seed.encode()).hexdigest(), "seed": seed, "algorithm": ALGORITHM_VERSION,
        "policy": policy_record(p_policy, policy), "funnel": funnel,
        "candidates": [c.to_dict() for c in sorted(candidates, key=lambda c: c.expert_id)],
        "seated": list(panel.seated), "alternates": list(panel.alternates), "prev_hash": chain.last_hash,
        "top_up_of": None, "record_hash": "",
    }  # fmt: skip
    # draws.record_hash reads the record's attributes: a plain namespace stands in for the mapped Draw.
    row["record_hash"] = record_hash(cast(Draw, SimpleNamespace(**row)))
    chain.seq, chain.last_hash = row["seq"], row["record_hash"]
    return row


@dataclass(frozen=True)
class Held:
    """What a held meeting left that its revision and the work's status build on."""

    review_id: int
    panel: list[int]
    leader: int
    report_id: int
    finalised_at: datetime
    changes: list[tuple[int, str, str]]  # (change id, required change, the response a revision gives)


@dataclass(frozen=True)
class Seated:
    expert_id: int
    seat_id: int
    confirmed_at: datetime


def seat_rows(
    rows: MeetingRows, ids: Ids, rng: random.Random, draw: Row, panel: Panel, candidates: Sequence[Candidate],
    p_policy: PanelPolicy, *, keep: int | None,
) -> list[Seated]:  # fmt: skip
    """Invitations as the draw made them, every seated expert confirming; sometimes one declines (with a reason,
    days before the meeting) and the first valid alternate takes the seat (``expert_pool.draws.invitations``)."""
    invited, reveal = draw["requested_at"], draw["reveal_at"]
    reply_by = min(invited + timedelta(hours=24), reveal)
    leaving = successor = None
    if rng.random() < DECLINE_SHARE:
        leaving = rng.choice([i for i in panel.seated if i != keep])
        successor = next_alternate(panel, leaving, candidates, p_policy)
        leaving = leaving if successor is not None else None
    seats: list[Row] = []
    confirmed: list[Seated] = []
    for position, expert_id in enumerate([*panel.seated, *panel.alternates], start=1):
        row: Row = {"id": ids("seat"), "draw_id": draw["id"], "expert_id": expert_id, "position": position,
                    "status": SeatStatus.STANDBY, "invited_at": None, "reply_by": None, "replied_at": None,
                    "decline_reason": ""}  # fmt: skip
        if position <= len(panel.seated):
            replied = at(invited, 15, 60 * 20, rng)
            row.update(invited_at=invited, reply_by=reply_by, replied_at=replied, status=SeatStatus.CONFIRMED)
            if expert_id == leaving:
                row.update(status=SeatStatus.DECLINED, decline_reason=rng.choice(words.DECLINE_REASONS))
        seats.append(row)
    if leaving is not None:
        gone = next(r for r in seats if r["expert_id"] == leaving)
        row = next(r for r in seats if r["expert_id"] == successor)
        called = gone["replied_at"]
        row.update(status=SeatStatus.CONFIRMED, invited_at=called, reply_by=min(called + timedelta(hours=24), reveal),
                   replied_at=at(called, 10, 60 * 12, rng))  # fmt: skip
    for row in seats:
        rows.add("seat", row)
        if row["status"] is SeatStatus.CONFIRMED:
            confirmed.append(Seated(row["expert_id"], row["id"], row["replied_at"]))
            rows.add("expert_booking", {"id": ids("expert_booking"), "expert_id": row["expert_id"],
                                        "day": draw["meeting_day"], "half_day": draw["half_day"],
                                        "seat_id": row["id"], "created_at": row["invited_at"]})  # fmt: skip
    return confirmed


def readings(rows: MeetingRows, ids: Ids, rng: random.Random, review_id: int, seated: list[Seated], start: datetime) -> None:  # fmt: skip
    """When each expert first opened (and mostly downloaded) the plan: between his confirmation and the meeting."""
    for seat in seated:
        room = max((start - timedelta(hours=2) - seat.confirmed_at).total_seconds(), 60.0)
        opened = (seat.confirmed_at + timedelta(seconds=room * rng.random() ** 2)).replace(microsecond=0)
        downloaded = at(opened, 1, 90, rng) if rng.random() < DOWNLOAD_SHARE else None
        rows.add("review_reading", {"id": ids("review_reading"), "review_id": review_id, "expert_id": seat.expert_id,
                                    "first_opened_at": opened, "first_downloaded_at": downloaded})  # fmt: skip


# -- the meeting record ----------------------------------------------------------------------------------


def attendees(directors: Directors, units: Units, work: WorkInfo, version: Version) -> list[dict[str, str]]:
    """The participants 建办质〔2018〕31号 四（一） lists, by role, named as the plan and the registry name them."""
    namer, project = directors.namer, work.project_id
    owner, gc, sup = (units.first(project, role) for role in (P.OWNER, P.GENERAL_CONTRACTOR, P.SUPERVISOR))
    surveyor, designer = units.first(project, P.SURVEYOR), units.first(project, P.DESIGNER)
    author, _, approver = version.names() or (namer(), work.people["technical_lead"], "")
    sub = work.subcontractor_id
    director = approver if sub is None and approver else directors(gc)

    def unit(i: int | None) -> str:
        return units.names.get(i, "") if i is not None else ""

    people = {
        "owner_lead": (namer.of("owner_lead", project), unit(owner)),
        "survey_lead": (namer.of("survey_lead", project), unit(surveyor)) if surveyor else None,
        "design_lead": (namer.of("design_lead", project), unit(designer)) if designer else None,
        "contractor_tech_lead": (director, unit(gc)),
        "subcontractor_tech_lead": (approver or directors(sub), unit(sub)) if sub else None,
        "project_manager": (work.people["project_manager"], unit(gc)),
        "project_tech_lead": (work.people["technical_lead"], unit(gc)),
        "plan_author": (author, unit(sub if sub else gc)),
        "safety_officer": (work.people["safety_officer"], unit(gc)),
        "chief_supervisor": (work.people["chief_supervisor"], unit(sup)),
        "specialist_supervisor": (namer.of("specialist_supervisor", project), unit(sup)),
    }  # fmt: skip
    return [{"role": role, "name": who[0], "unit": who[1]} for role in ATTENDEE_ROLES
            if (who := people[role]) is not None and who[0]]  # fmt: skip


def place(rng: random.Random, units: Units, work: WorkInfo) -> str:
    project_name, city = units.projects[work.project_id]
    gc = units.first(work.project_id, P.GENERAL_CONTRACTOR)
    template = PLACE_PICKER(rng)
    return template.format(
        project=project_name, unit=units.names.get(gc or 0, project_name), city=city.label
    )[:200]


# -- opinions and the report ------------------------------------------------------------------------------


def issues_for(rng: random.Random, work: WorkInfo, version: Version, conclusion: Conclusion) -> list[Finding]:
    """What the panel found: none for 通过, a few for 修改后通过, more and graver ones for 不通过; a required
    section the plan lacks is always among them."""
    if conclusion is Conclusion.PASS:
        return []
    gap = words.MISSING_SECTION
    missing = [
        Finding(gap.point, gap.item, *(text.format(section=title) for text in (gap.finding, gap.change, gap.response)))
        for n, title in enumerate(SECTION_TITLES, 1) if n not in version.sections
    ]  # fmt: skip
    known = words.findings_for(work.category, work.sub_type)
    majors = [f for f in known if f.major]
    others = [f for f in known if not f.major]
    if conclusion is Conclusion.FAIL:
        picked = rng.sample(majors, min(len(majors), 2)) + rng.sample(others, rng.randint(2, 4))
    else:
        picked = rng.sample(majors, 1) if majors and rng.random() < 0.35 else []
        picked += rng.sample(others, rng.randint(2, 4) - len(picked))
    order = {f: i for i, f in enumerate(known)}
    return missing + sorted(picked, key=lambda f: (f.point, order[f]))


@dataclass
class Opinion:
    expert_id: int
    proposed: Conclusion
    raised: list[int]  # indices into the meeting's findings


def opinions(rng: random.Random, panel: Sequence[int], issues: Sequence[Finding], conclusion: Conclusion) -> list[Opinion]:  # fmt: skip
    """Each finding noted by one expert at least, some by several; most propose the panel's conclusion."""
    dissent = [i for i in panel if rng.random() < DISSENT_SHARE][:2]
    result = [Opinion(e, rng.choice(DISSENT[conclusion]) if e in dissent else conclusion, []) for e in panel]
    for index in range(len(issues)):
        first = rng.randrange(len(result))
        for k, opinion in enumerate(result):
            if k == first or rng.random() < ALSO_RAISED:
                opinion.raised.append(index)
    return result


def opinion_row(rng: random.Random, opinion: Opinion, issues: Sequence[Finding], conclusion: Conclusion) -> tuple[dict[str, dict[str, bool]], dict[str, str]]:  # fmt: skip
    """The checklist of the three points and the findings under each, as ``reviews.submit_opinion`` stores them."""
    mine = [issues[i] for i in opinion.raised]
    flagged = {(f.point, f.item) for f in mine} if opinion.proposed is not Conclusion.PASS else set()
    checks = {
        point: {item: (point, item) not in flagged for item in items}
        for point, (_, items) in REVIEW_POINTS.items()
    }
    findings = {}
    for point in REVIEW_POINTS:
        noted = [f.finding for f in mine if f.point == point]
        if noted:
            text = "".join(f"{n}. {t}" for n, t in enumerate(noted, 1)) if len(noted) > 1 else noted[0]
        else:
            text = rng.choice(words.POSITIVE[point])
            if conclusion is Conclusion.PASS and rng.random() < 0.3:
                text += rng.choice(words.SUGGESTIONS)
        findings[point] = text
    return checks, findings


def verify_code(rng: random.Random, taken: set[str]) -> str:
    """A report's verification code as ``review_reports.new_code`` makes one, from the seed's stream."""
    while True:
        code = "".join(rng.choices(CODE_ALPHABET, k=CODE_LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def report_hash(review: Row, version: Version, report: Row, changes: list[Row], signatures: list[Row],
                opinion_rows: list[Row]) -> str:  # fmt: skip
    """``signing.keyed_hash(report_content(...))`` of these rows, without loading them back."""
    content = {
        "review": review["id"], "work": review["work_id"], "plan_version": version.id, "plan_number": version.number,
        "plan_sha256": version.sha256, "meeting_day": review["meeting_day"].isoformat(),
        "held_on": review["held_on"].isoformat(), "place": review["place"], "attendees": review["attendees"],
        "absent": review["absent_expert_ids"], "leader": review["leader_expert_id"], "report": report["id"],
        "version": report["version"], "conclusion": report["conclusion"].value, "summary": report["summary"],
        "supersedes": report["supersedes_id"], "reason": report["correction_reason"], "code": report["verify_code"],
        "finalised_at": _utc(report["finalised_at"]),
        "changes": [{"n": c["number"], "text": c["text"], "from": c["source_expert_ids"]} for c in changes],
        "signatures": sorted([s["expert_id"], s["signer_name"], _utc(s["signed_at"])] for s in signatures),
        "opinions": [{"expert": o["expert_id"], "proposed": o["proposed"].value, "checks": o["checks"],
                      "findings": o["findings"], "at": _utc(o["submitted_at"])} for o in opinion_rows],
    }  # fmt: skip
    return signing.keyed_hash(content)


def body_hash(review: Row, version: Version, report: Row, changes: list[Row]) -> str:
    """``verification.body_hash`` of these rows: the keyed hash of what each expert signs."""
    return signing.keyed_hash(signed_body(
        review=review["id"], work=review["work_id"], plan_version=version.id, plan_sha256=version.sha256,
        report=report["id"], version=report["version"], conclusion=report["conclusion"].value,
        summary=report["summary"], supersedes=report["supersedes_id"], reason=report["correction_reason"],
        code=report["verify_code"],
        changes=[{"n": c["number"], "text": c["text"], "from": c["source_expert_ids"]} for c in changes],
    ))  # fmt: skip


@dataclass
class SigningKeys:
    """Each expert's Ed25519 key, made at his first seeded signature as ``signing.key_in_use`` makes one."""

    made: dict[int, tuple[int, Ed25519PrivateKey]] = field(default_factory=dict)

    def signature_row(
        self, rows: MeetingRows, ids: Ids, report: Row, body: str, expert_id: int, name: str, when: datetime
    ) -> Row:
        """His signature under the report, signed as ``review_reports.sign_report`` signs (no reservation)."""
        if expert_id not in self.made:
            private = Ed25519PrivateKey.generate()
            key = rows.add("expert_signing_key", {"id": ids("expert_signing_key"),
                                                  **signing.new_key_row(expert_id, when, private)})  # fmt: skip
            self.made[expert_id] = (key["id"], private)
        key_id, private = self.made[expert_id]
        message = signing.payload(report_id=report["id"], version=report["version"], body_hash=body,
                                  expert_id=expert_id, signed_at=when, reservation="", key_id=key_id)  # fmt: skip
        return rows.add("review_signature", {
            "id": ids("review_signature"), "report_id": report["id"], "expert_id": expert_id, "signer_name": name,
            "signed_at": when, "reservation": "", "signature": private.sign(message).hex(), "key_id": key_id,
        })  # fmt: skip


def leader_of(
    rng: random.Random, panel: Sequence[int], experts: dict[int, ExpertInfo], prefer: int | None
) -> int:
    """The panel elects its leader, usually one with a full-senior title."""
    if prefer in panel:
        return prefer
    seniors = [e for e in panel if experts[e].senior]
    return rng.choice(seniors or list(panel))
