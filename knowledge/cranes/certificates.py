"""Electronic crane certificates: their public verification codes, and what a code says when checked.

A code is 12 characters from an alphabet without look-alikes (no I, O, 0, 1), drawn with ``secrets``; it is
printed on the certificate and in its QR code. A certificate is current, superseded (by a later certificate of
the same machine, after a change of owner) or revoked (by a regulator, with the date and the reason).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from knowledge.cranes.errors import CertificateError
from knowledge.cranes.models import Certificate, CertificateKind, CertificateRevocation, OwnershipRegistration
from knowledge.cranes.site_models import Installation, UseRegistration
from knowledge.errors import NotFoundError

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


class CertificateState(StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return {"current": "现行有效", "superseded": "已被替代", "revoked": "已撤销"}[self.value]


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """The code ``text`` spells, with spaces and hyphens dropped and letters upper-cased.

    :raises CertificateError: when it is not 12 characters of the code's alphabet.
    """
    cleaned = re.sub(r"[\s\-－]", "", text or "").upper()
    if not _CODE.fullmatch(cleaned):
        raise CertificateError(
            f"验证码格式不正确：应为{CODE_LENGTH}位字母或数字（不含I、O、0、1），请核对证书上印的验证码",
            field="code",
        )
    return cleaned


def state_of(certificate: Certificate) -> CertificateState:
    if certificate.revocation is not None:
        return CertificateState.REVOKED
    if certificate.superseded_by is not None:
        return CertificateState.SUPERSEDED
    return CertificateState.CURRENT


@dataclass(frozen=True)
class Verdict:
    """What the public verification page says about a code."""

    certificate: Certificate
    state: CertificateState
    replaced_by: Certificate | None
    revocation: CertificateRevocation | None
    use_registration: UseRegistration | None = None  # for a use-registration sign (使用登记标志)

    @property
    def message(self) -> str:
        if self.use_registration is not None:
            return self._use_sign_message(self.use_registration)
        number = self.certificate.registration.number
        if self.state is CertificateState.REVOKED:
            assert self.revocation is not None
            return (
                f"该证书（备案编号 {number}）已于{self.revocation.revoked_on.isoformat()}撤销，不再有效；"
                f"撤销原因：{self.revocation.reason}"
            )
        if self.state is CertificateState.SUPERSEDED:
            return f"该证书（备案编号 {number}）已被产权变更后的新证书替代，不再是现行证书"
        return f"该证书真实有效，是备案编号 {number} 的现行产权备案证明"

    def _use_sign_message(self, use: UseRegistration) -> str:
        if self.state is CertificateState.REVOKED:
            assert self.revocation is not None
            return (
                f"该使用登记标志（使用登记编号 {use.number}）已于{self.revocation.revoked_on.isoformat()}撤销，"
                f"不再有效；撤销原因：{self.revocation.reason}"
            )
        if self.state is CertificateState.SUPERSEDED:
            return f"该使用登记标志（使用登记编号 {use.number}）已被替代，不再是现行标志"
        ended = use.installation.ended_on
        if ended is not None:
            return f"该使用登记标志真实，使用登记编号 {use.number}；该机械已于{ended.isoformat()}拆卸告知，本次登记已终止"
        return f"该使用登记标志真实有效，是使用登记编号 {use.number} 的现行建筑起重机械使用登记标志"


def verify_code(session: Session, text: str) -> Verdict:
    """The verdict on a typed or scanned code.

    :raises CertificateError: for a malformed code; :raises NotFoundError: for a code no certificate has.
    """
    code = normalise_code(text)
    certificate = session.scalar(
        select(Certificate)
        .where(Certificate.verify_code == code)
        .options(joinedload(Certificate.registration).joinedload(OwnershipRegistration.machine))
    )
    if certificate is None:
        raise NotFoundError(f"没有验证码为 {code} 的起重机械证书，请核对；证书可能是伪造的")
    state = state_of(certificate)
    use = None
    if certificate.kind is CertificateKind.USE_SIGN and certificate.use_registration_id is not None:
        use = session.scalar(
            select(UseRegistration)
            .where(UseRegistration.id == certificate.use_registration_id)
            .options(joinedload(UseRegistration.installation).joinedload(Installation.project))
        )
    return Verdict(certificate, state, certificate.superseded_by, certificate.revocation, use)
