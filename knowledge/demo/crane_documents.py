"""The demo cranes' documents: the SHA-256 of the real PDF of each certificate, use-registration sign and inspection
report, built with the caller's renderers (reportlab stays out of ``knowledge``) while a kind's documents are few.

Above the limits (province scale) the rows keep an empty ``sha256``: issued lazily, on first download (see
``knowledge.demo.cranes``). No hash is made up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from knowledge.cranes.inspection_models import InspectionReport
from knowledge.cranes.models import Certificate, CertificateKind
from knowledge.cranes.site_models import UseRegistration

# Documents per kind whose PDF is built at seeding (about 20 ms a certificate, 100 ms a report); above it, they are
# issued lazily (module docstring). The small demo hashes its ownership certificates only.
HASH_LIMITS = {"ownership": 5_000, "use_sign": 300, "report": 300}


@dataclass(frozen=True)
class CraneRenderers:
    """The PDF builders of the caller (reportlab stays out of ``knowledge``); None leaves every hash empty."""

    certificate: Callable[[Certificate], bytes] | None = None
    use_sign: Callable[[Certificate, UseRegistration], bytes] | None = None
    report: Callable[[InspectionReport], bytes] | None = None


def hash_documents(session: Session, renderers: CraneRenderers) -> int:
    """The SHA-256 of each document's real PDF, per kind while the kind's documents are few (``HASH_LIMITS``)."""
    session.flush()
    done = 0
    for kind, render in (
        (CertificateKind.OWNERSHIP, renderers.certificate),
        (CertificateKind.USE_SIGN, renderers.use_sign),
    ):
        stmt = select(Certificate).where(Certificate.kind == kind, Certificate.sha256 == "")
        count = session.scalar(stmt.with_only_columns(func.count())) or 0
        if render is None or count > HASH_LIMITS[kind.value]:
            continue
        for certificate in session.scalars(stmt.options(joinedload(Certificate.registration))):
            if kind is CertificateKind.OWNERSHIP:
                data = render(certificate)  # type: ignore[call-arg]
            else:
                use = session.get_one(UseRegistration, certificate.use_registration_id)
                data = render(certificate, use)  # type: ignore[call-arg]
            certificate.sha256, done = hashlib.sha256(data).hexdigest(), done + 1
    reports = select(InspectionReport).where(InspectionReport.sha256 == "")
    count = session.scalar(reports.with_only_columns(func.count())) or 0
    if renderers.report is not None and count <= HASH_LIMITS["report"]:
        for report in session.scalars(reports):
            report.sha256, done = hashlib.sha256(renderers.report(report)).hexdigest(), done + 1
    return done
