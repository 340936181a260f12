"""The crane area's error family: expected failures with a Chinese message a person can read."""

from __future__ import annotations

from knowledge.errors import ValidationError


class CraneError(ValidationError):
    """Root of the crane area's expected failures; ``str(exc)`` is the message shown to the user (a DomainError,
    so the pages and the API report it like any other refusal)."""

    code = "crane_rule"


class MachineDataError(CraneError):
    """A machine's description that lacks what its type needs (a tower crane without its rated moment…)."""


class RegistrationNumberError(CraneError):
    """A registration number (备案编号) that is malformed, or a serial that has run out."""

    code = "invalid_registration_number"


class UseRegistrationError(CraneError):
    """A use registration (使用登记) outside the period that 建设部令第166号 allows."""


class InspectionItemError(CraneError):
    """An inspection item that is not on its machine type's checklist, or results that cannot be concluded."""


class ConclusionMismatchError(CraneError):
    """A stated report conclusion that contradicts what the recorded items give."""


class SpotCheckPolicyError(CraneError):
    """Spot-check settings that cannot be applied (a percentile outside 1-99, a window of no months…)."""


class RegistrationRefusedError(CraneError):
    """An ownership registration refused by 建设部令第166号 第七条; ``reasons`` holds every reason found."""

    code = "registration_refused"

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__("；".join(reasons))
        self.reasons = reasons


class CertificateError(CraneError):
    """A certificate that cannot be issued, revoked or verified as asked (already revoked, malformed code…)."""
