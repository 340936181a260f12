"""The office's full view of an invited expert's phone and e-mail (issue 18): only the draw office whose scope
covers the draw, only for an expert invited (or confirmed) in that draw, with a reason, and audited each time.
Everyone else sees the masks; the expert sees his own on his profile."""

from __future__ import annotations

from sqlalchemy.orm import Session

from expert_pool.draws.models import Seat, SeatStatus
from expert_pool.experts.contacts import Contact, decrypt_contact
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.identity import IdentityVault

ACTION = "expert_contact_view"
LIVE = (SeatStatus.INVITED, SeatStatus.CONFIRMED)
REASON_MAX = 200


def may_view_contact(scope: Scope, seat: Seat) -> bool:
    """The draw office of the draw's city (or the provincial office), for a seat whose expert is invited or has
    confirmed; not the admin, regulators, the project team or experts."""
    if scope.role is not Role.DRAW_OFFICE:
        return False
    if scope.city is not None and scope.city is not seat.draw.work.city:
        return False
    return seat.status in LIVE


def reveal_contact(
    session: Session, seat_id: int, *, scope: Scope, vault: IdentityVault, reason: str
) -> Contact:
    """The invited expert's phone and e-mail in full; one ``expert_contact_view`` audit row (actor, expert, draw,
    seat, reason), committed.

    :raises NotFoundError: no such invitation.
    :raises PermissionDenied: not this draw's office, or the expert is not (or no longer) invited.
    :raises ValidationError: no reason, or one too long.
    """
    seat = session.get(Seat, seat_id)
    if seat is None:
        raise NotFoundError("邀请不存在")
    # The edge audits a refusal (every 403 is an ``access_denied`` row).
    if not may_view_contact(scope, seat):
        raise PermissionDenied(_refusal(scope, seat))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError("请填写查看联系方式的事由（如：电话确认参会）", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"事由不超过{REASON_MAX}个字符", field="reason")
    contact = decrypt_contact(vault, seat.expert)
    audit.record_read(session, actor_id=scope.account_id, action=ACTION, obj=("expert", seat.expert_id),
                      after={"draw_id": seat.draw_id, "seat_id": seat.id, "reason": reason})  # fmt: skip
    return contact


def _refusal(scope: Scope, seat: Seat) -> str:
    if scope.role is not Role.DRAW_OFFICE:
        return "只有抽取办公室在处理邀请时可以查看专家的完整联系方式"
    if scope.city is not None and scope.city is not seat.draw.work.city:
        return "该抽取不属于本账号管辖的城市，不能查看专家的联系方式"
    return f"该专家在本次抽取中当前为“{seat.status.label}”，未处于邀请中，不能查看其联系方式"
