"""Review meetings (论证会) and their signed reports (Decree 37 Art. 13; DOMAIN.md sections 2.1 and 3).

A review belongs to one plan version and one drawn panel (the root draw of the meeting). Opinions,
required changes and signatures are written once and never changed; a report is a draft until every
seated expert has signed it, then final and frozen; a correction is a new, linked report version.
The database itself refuses to change the frozen rows (triggers below, also in migration 0006).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expert_pool.draws.models import Draw, HalfDay
from expert_pool.experts.models import Expert
from expert_pool.reviews.signing_models import ExpertSigningKey
from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.plans.models import PlanVersion
from knowledge.registry.models import Work


class Conclusion(StrEnum):
    """The panel's unanimous conclusion (Decree 37 Art. 13)."""

    PASS = "pass"
    PASS_AFTER_REVISION = "pass_after_revision"
    FAIL = "fail"

    @property
    def label(self) -> str:
        return {"pass": "通过", "pass_after_revision": "修改后通过", "fail": "不通过"}[self.value]


class Review(Base):
    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"), index=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"), index=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id"), unique=True)  # the meeting's root draw
    meeting_day: Mapped[date] = mapped_column(Date, index=True)
    half_day: Mapped[HalfDay] = mapped_column(enum_column(HalfDay, "half_day"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The meeting record (where, when, the attendees by role), written by the organiser; the leader the panel
    # chose (or the office designated) and the absences the office confirmed are set by ``attendance``.
    place: Mapped[str] = mapped_column(String(200), default="")
    held_on: Mapped[date | None] = mapped_column(Date)
    attendees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    absent_expert_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    leader_expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    work: Mapped[Work] = relationship()
    plan_version: Mapped[PlanVersion] = relationship()
    draw: Mapped[Draw] = relationship()
    leader: Mapped[Expert | None] = relationship()
    opinions: Mapped[list[ReviewOpinion]] = relationship(order_by="ReviewOpinion.id", viewonly=True)
    reports: Mapped[list[ReviewReport]] = relationship(order_by="ReviewReport.version", viewonly=True)
    readings: Mapped[list[ReviewReading]] = relationship(order_by="ReviewReading.id", viewonly=True)


class ReviewReading(Base):
    """When a seated expert first opened and first downloaded the plan (visible to regulators only)."""

    __tablename__ = "review_reading"
    __table_args__ = (UniqueConstraint("review_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"))
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    expert: Mapped[Expert] = relationship()


class ReviewOpinion(Base):
    """One expert's independent opinion on the three points (建办质〔2018〕31号); written once."""

    __tablename__ = "review_opinion"
    __table_args__ = (UniqueConstraint("review_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    checks: Mapped[dict[str, dict[str, bool]]] = mapped_column(JSON)  # point -> checklist item -> met
    findings: Mapped[dict[str, str]] = mapped_column(JSON)  # point -> free text
    proposed: Mapped[Conclusion] = mapped_column(enum_column(Conclusion, "proposed"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    expert: Mapped[Expert] = relationship()


class ReviewReport(Base):
    """A version of the review report: a draft by the leader, final once every seated expert signed."""

    __tablename__ = "review_report"
    __table_args__ = (UniqueConstraint("review_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    conclusion: Mapped[Conclusion] = mapped_column(enum_column(Conclusion, "conclusion"))
    summary: Mapped[str] = mapped_column(Text, default="")
    drafted_by: Mapped[int] = mapped_column(ForeignKey("expert.id"))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("review_report.id"))
    correction_reason: Mapped[str] = mapped_column(String(500), default="")
    verify_code: Mapped[str] = mapped_column(String(16), unique=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    content_hash: Mapped[str] = mapped_column(String(64), default="")

    review: Mapped[Review] = relationship(viewonly=True)
    changes: Mapped[list[RequiredChange]] = relationship(order_by="RequiredChange.number", viewonly=True)
    signatures: Mapped[list[ReportSignature]] = relationship(order_by="ReportSignature.id", viewonly=True)
    refusals: Mapped[list[ReportRefusal]] = relationship(order_by="ReportRefusal.id", viewonly=True)

    @property
    def open_refusals(self) -> list[ReportRefusal]:
        """Refusals the office has not answered: while one stands, the version cannot become final."""
        return [r for r in self.refusals if r.answered_at is None]


class RequiredChange(Base):
    """One numbered required change (修改意见) of a report, linked to the opinions it comes from."""

    __tablename__ = "review_change"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("review_report.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(1000))
    source_expert_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class ReportSignature(Base):
    """An expert's signature under a report version, in his own account: his agreement with it."""

    __tablename__ = "review_signature"
    __table_args__ = (UniqueConstraint("report_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("review_report.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    signer_name: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # 保留意见: he signs the panel's conclusion and records why he disagrees; set on insert (the row is frozen).
    reservation: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Ed25519 (hex) by the expert's key over ``signing.payload``; NULL only before signing began (migration 0018).
    signature: Mapped[str | None] = mapped_column(String(128))
    key_id: Mapped[int | None] = mapped_column(ForeignKey("expert_signing_key.id"))

    expert: Mapped[Expert] = relationship()
    key: Mapped[ExpertSigningKey | None] = relationship()


class ReportRefusal(Base):
    """An expert's refusal to sign a draft, with his reason: it goes to the draw office, which answers it.
    While a refusal stands unanswered the draft cannot become final; answered, the expert may sign it."""

    __tablename__ = "review_refusal"
    __table_args__ = (
        UniqueConstraint("report_id", "expert_id"),
        CheckConstraint("(answered_at IS NULL) = (answered_by IS NULL)", name="answer_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("review_report.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str] = mapped_column(String(500), default="")

    expert: Mapped[Expert] = relationship()
    report: Mapped[ReviewReport] = relationship(viewonly=True)


class Revision(Base):
    """After 修改后通过: a revised plan version with a response to each required change, then confirmed."""

    __tablename__ = "review_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("review_report.id"), index=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"), unique=True)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    report: Mapped[ReviewReport] = relationship()
    plan_version: Mapped[PlanVersion] = relationship()
    responses: Mapped[list[RevisionResponse]] = relationship(order_by="RevisionResponse.id", viewonly=True)


class RevisionResponse(Base):
    __tablename__ = "review_response"
    __table_args__ = (UniqueConstraint("revision_id", "change_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("review_revision.id"), index=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("review_change.id"))
    text: Mapped[str] = mapped_column(String(2000))


class CheckIn(StrEnum):
    SELF = "self"  # the expert, in his own account, at the meeting
    OFFICE = "office"  # the draw office recorded his presence

    @property
    def label(self) -> str:
        return {"self": "本人签到", "office": "抽取办公室登记"}[self.value]


class ReviewAttendance(Base):
    """An expert's presence at the meeting: checked in by himself or recorded by the office, never by the
    organiser whose plan he reviews (issue 17). The experts present are the panel that examines the plan."""

    __tablename__ = "review_attendance"
    __table_args__ = (UniqueConstraint("review_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    how: Mapped[CheckIn] = mapped_column(enum_column(CheckIn, "how"))

    expert: Mapped[Expert] = relationship()


class LeaderVote(Base):
    """One present expert's choice of the panel's leader (each may change it until the report is drafted)."""

    __tablename__ = "review_leader_vote"
    __table_args__ = (UniqueConstraint("review_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("expert.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("expert.id"))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AbsenceStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"pending": "待抽取办公室核实", "confirmed": "已核实缺席", "rejected": "已驳回"}[self.value]


class AbsenceReport(Base):
    """The organiser's report that an expert did not come: a credit event (DOMAIN 6) only once the draw office
    confirms it, so the team whose plan he reviews cannot cost him credit by itself (issue 17)."""

    __tablename__ = "review_absence"
    __table_args__ = (
        UniqueConstraint("review_id", "expert_id"),
        CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))  # None: carried from before
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[AbsenceStatus] = mapped_column(
        enum_column(AbsenceStatus, "status"), default=AbsenceStatus.PENDING
    )
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    credit_event_id: Mapped[int | None] = mapped_column(ForeignKey("credit_event.id"))

    expert: Mapped[Expert] = relationship()


# Frozen rows: the database refuses to change them, whatever client connects (TRUNCATE is not affected).
# Each (table, condition) is refused on UPDATE when the condition holds for the old row, and on DELETE.
FROZEN: dict[str, str] = {
    "review_opinion": "1 = 1",
    "review_change": "1 = 1",
    "review_signature": "1 = 1",
    "review_response": "1 = 1",
    "review_report": "OLD.finalised_at IS NOT NULL",
    "review_refusal": "OLD.answered_at IS NOT NULL",  # the office's answer is final too (migration 0011)
}


def sqlite_guards(table: str, condition: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table} WHEN {condition} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is signed and cannot change'); END",
        f"CREATE TRIGGER {table}_frozen_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is signed and cannot change'); END",
    ]


def postgres_guards(table: str, condition: str) -> list[str]:
    return [
        f"CREATE OR REPLACE FUNCTION {table}_frozen() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' OR ({condition}) THEN RAISE EXCEPTION '{table} is signed and cannot change'; "
        f"END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_frozen()",
    ]


for _table, _condition in FROZEN.items():
    _tbl = Base.metadata.tables[_table]
    for _stmt in sqlite_guards(_table, _condition):
        event.listen(_tbl, "after_create", DDL(_stmt).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]  # DDL() is unannotated
    for _stmt in postgres_guards(_table, _condition):
        event.listen(_tbl, "after_create", DDL(_stmt).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]  # DDL() is unannotated
