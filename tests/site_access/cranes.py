"""Access rows of the crane pages: the machine register, its machine page and its certificates."""

from datetime import date
from decimal import Decimal
from typing import Any

from expert_pool.pdf.crane_certificate_pdf import certificate_pdf
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import services
from knowledge.cranes.machines import MachineType
from tests.factories import make_account

READERS = {Role.PROJECT_TEAM, Role.REGULATOR, Role.ADMIN}
# endpoint -> roles that get 200 (every other signed-in role gets 403).
MATRIX: dict[str, set[Role]] = {
    "cranes.index": READERS,
    "cranes.register": {Role.PROJECT_TEAM, Role.ADMIN},
    "cranes.detail": READERS,
    "cranes.certificate_file": READERS,
    "cranes.export": READERS,
    "cranes.import_machines": {Role.PROJECT_TEAM, Role.ADMIN},
    "cranes.import_template": {Role.PROJECT_TEAM, Role.ADMIN},
}
POST_ONLY: set[str] = {"cranes.revoke", "cranes.import_commit"}
QUERY: dict[str, set[str]] = {}


def extend_world(app: Any, session: Any, world: dict[str, Any]) -> dict[str, Any]:
    """A tower crane of the world's contractor (Suzhou), registered with its certificate."""
    owner = make_account(session, Role.PROJECT_TEAM, enterprise_id=world["enterprise_id"])
    data = services.MachineInput(MachineType.TOWER_CRANE, "徐工建机", "XGT7020", "ACCESS-1", date(2022, 5, 1),
                                 rated_moment_knm=Decimal(1250))  # fmt: skip
    base = app.config["PUBLIC_BASE_URL"]
    machine = services.register_machine_and_ownership(
        session, data, scope=Scope.of(owner), today=date(2026, 12, 1),
        render=lambda c: certificate_pdf(c, base_url=base),
    )  # fmt: skip
    certificate = services.current_certificate(machine)
    assert certificate is not None
    return {"machine_id": machine.id, "certificate_id": certificate.id, "code": certificate.verify_code}
