"""The read side of the crane register: the machines a scope may see, the register's filters, one machine, one
certificate."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import ColumnElement, Numeric, Select, and_, cast, exists, false, or_, select, true
from sqlalchemy.orm import Session, joinedload, selectinload

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes.machines import MachineType
from knowledge.cranes.models import Certificate, Machine, OwnershipRegistration
from knowledge.cranes.periods import add_years
from knowledge.cranes.service_age import DEFAULT_POLICY, ServiceAgePolicy
from knowledge.cranes.site_models import Installation
from knowledge.enterprises.models import Enterprise, ProjectParticipant
from knowledge.errors import NotFoundError
from knowledge.pagination import Page, paginate
from knowledge.regions import City

EXPORT_CHUNK = 1000
E = TypeVar("E", bound=StrEnum)
TEXT_MAX = 64


class MachineState(StrEnum):
    """Where a registered machine stands: never installed, on a site (an open installation), or dismantled."""

    REGISTERED = "registered"
    ON_SITE = "on_site"
    DISMANTLED = "dismantled"

    @property
    def label(self) -> str:
        return {"registered": "已备案未安装", "on_site": "在用（安装在工地）", "dismantled": "已拆卸"}[
            self.value
        ]


def _open_installation() -> ColumnElement[bool]:
    return exists(
        select(Installation.id).where(Installation.machine_id == Machine.id, Installation.ended_on.is_(None))
    )


def _on_sites_of(enterprise_id: int) -> ColumnElement[bool]:
    """Machines installed now on a project the enterprise takes part in, or for which it is a named party of the
    installation (user, installer, supervisor, maintainer)."""
    party = or_(
        Installation.user_id == enterprise_id, Installation.installer_id == enterprise_id,
        Installation.supervisor_id == enterprise_id, Installation.maintainer_id == enterprise_id,
        Installation.project_id.in_(
            select(ProjectParticipant.project_id).where(ProjectParticipant.enterprise_id == enterprise_id)
        ),
    )  # fmt: skip
    return exists(
        select(Installation.id).where(
            Installation.machine_id == Machine.id, Installation.ended_on.is_(None), party
        )
    )


def _on_sites_in(city: City) -> ColumnElement[bool]:
    return exists(
        select(Installation.id).where(
            Installation.machine_id == Machine.id, Installation.ended_on.is_(None), Installation.city == city
        )
    )


def visible_machines(scope: Scope) -> ColumnElement[bool]:
    """Owners' project teams see their own machines and those installed on their projects; regulators their city's
    (registered there or installed there now) or the province's; admins all."""
    if scope.role is Role.ADMIN or (scope.role is Role.REGULATOR and scope.city is None):
        return true()
    if scope.role is Role.REGULATOR and scope.city is not None:
        return or_(Machine.registration_city == scope.city, _on_sites_in(scope.city))
    if scope.role is Role.PROJECT_TEAM and scope.enterprise_id is not None:
        return or_(Machine.owner_id == scope.enterprise_id, _on_sites_of(scope.enterprise_id))
    return false()


@dataclass(frozen=True)
class MachineFilter:
    """The register's filters; ``owner`` is a credit code (exact) or part of the owner's name, ``number`` part of
    the registration number, ``past_age`` the machines past their assessment age (``service_age``) on ``on``."""

    machine_type: MachineType | None = None
    city: City | None = None
    owner: str = ""
    number: str = ""
    state: MachineState | None = None
    made_after: date | None = None
    made_before: date | None = None
    past_age: bool = False

    @property
    def is_empty(self) -> bool:
        return self == MachineFilter()


FILTER_KEYS = ("type", "city", "owner", "number", "state", "made_after", "made_before", "past_age")


def parse_filter(args: Mapping[str, str]) -> tuple[MachineFilter, dict[str, str]]:
    """The filter a query string spells, and a Chinese message per parameter that could not be read (ignored)."""
    errors: dict[str, str] = {}

    def pick(name: str, enum_cls: type[E]) -> E | None:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        try:
            return enum_cls(raw)
        except ValueError:
            errors[name] = f"参数 {name} 的取值无效：{raw[:20]}，可选：{'、'.join(m.value for m in enum_cls)}"
            return None

    def day(name: str) -> date | None:
        raw = (args.get(name) or "").strip()
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = f"日期格式应为 YYYY-MM-DD：{raw[:20]}"
            return None

    def text(name: str) -> str:
        raw = (args.get(name) or "").strip()
        if len(raw) > TEXT_MAX:
            errors[name] = f"参数 {name} 不能超过{TEXT_MAX}个字符"
            return ""
        return raw

    past = (args.get("past_age") or "").strip()
    if past not in ("", "0", "1", "true", "false"):
        errors["past_age"] = "参数 past_age 应为 1 或 0"
    found = MachineFilter(
        machine_type=pick("type", MachineType),
        city=pick("city", City),
        owner=text("owner"),
        number=text("number"),
        state=pick("state", MachineState),
        made_after=day("made_after"),
        made_before=day("made_before"),
        past_age=past in ("1", "true"),
    )
    if found.made_after and found.made_before and found.made_after > found.made_before:
        errors["made_before"] = "出厂日期的起始日期晚于截止日期"
    return found, errors


def _past_age(on: date, policy: ServiceAgePolicy) -> ColumnElement[bool]:
    """Past the assessment age on ``on`` (strictly after the anniversary, as ``service_age.assessment_due``):
    one clause per tower-crane moment band and per hoist drive; other types have no age."""
    moment = cast(Machine.rated_moment_knm, Numeric(12, 2))
    bands = policy.tower_bands
    clauses = []
    for i, band in enumerate(bands):
        upper = moment < bands[i + 1].from_moment_knm if i + 1 < len(bands) else true()
        clauses.append(and_(Machine.machine_type == MachineType.TOWER_CRANE, moment >= band.from_moment_knm, upper,
                            Machine.manufactured_on < add_years(on, -band.years)))  # fmt: skip
    for drive, years in sorted(policy.hoist_years.items()):
        clauses.append(and_(Machine.machine_type == MachineType.CONSTRUCTION_HOIST, Machine.hoist_drive == drive,
                            Machine.manufactured_on < add_years(on, -years)))  # fmt: skip
    return or_(*clauses) if clauses else false()


def _state(state: MachineState) -> ColumnElement[bool]:
    installed = exists(select(Installation.id).where(Installation.machine_id == Machine.id))
    if state is MachineState.ON_SITE:
        return _open_installation()
    if state is MachineState.DISMANTLED:
        return and_(installed, ~_open_installation())
    return ~installed


def filtered_stmt(
    scope: Scope, f: MachineFilter, *, on: date, policy: ServiceAgePolicy = DEFAULT_POLICY
) -> Select[Machine]:
    """The machines the scope may see that match ``f``, newest first."""
    stmt = select(Machine).where(visible_machines(scope)).order_by(Machine.id.desc())
    if f.machine_type is not None:
        stmt = stmt.where(Machine.machine_type == f.machine_type)
    if f.city is not None:
        stmt = stmt.where(Machine.registration_city == f.city)
    if f.owner:
        owner = select(Enterprise.id).where(
            or_(Enterprise.credit_code == f.owner.upper(), Enterprise.name.contains(f.owner, autoescape=True))
        )
        stmt = stmt.where(Machine.owner_id.in_(owner))
    if f.number:
        number = f.number.upper().replace("－", "-")
        stmt = stmt.where(Machine.registration_number.contains(number, autoescape=True))
    if f.state is not None:
        stmt = stmt.where(_state(f.state))
    if f.made_after is not None:
        stmt = stmt.where(Machine.manufactured_on >= f.made_after)
    if f.made_before is not None:
        stmt = stmt.where(Machine.manufactured_on <= f.made_before)
    if f.past_age:
        stmt = stmt.where(_past_age(on, policy))
    return stmt


def machines_stmt(
    scope: Scope, machine_type: MachineType | None = None, city: City | None = None
) -> Select[Machine]:
    stmt = select(Machine).where(visible_machines(scope)).order_by(Machine.id.desc())
    if machine_type is not None:
        stmt = stmt.where(Machine.machine_type == machine_type)
    if city is not None:
        stmt = stmt.where(Machine.registration_city == city)
    return stmt


def machines_page(
    session: Session, scope: Scope, *, machine_type: MachineType | None = None, city: City | None = None,
    page: int = 1, per_page: int = 20,
) -> Page[Machine]:  # fmt: skip
    return paginate(session, machines_stmt(scope, machine_type, city), page, per_page)


def filtered_page(
    session: Session, scope: Scope, f: MachineFilter, *, on: date, page: int = 1, per_page: int = 20
) -> Page[Machine]:
    """A page of the filtered register, judged on the day ``on`` (for the service-age filter)."""
    return paginate(
        session, filtered_stmt(scope, f, on=on).options(joinedload(Machine.owner)), page, per_page
    )


def iter_machines(session: Session, scope: Scope, f: MachineFilter, *, on: date) -> Iterator[Machine]:
    """Every machine of the filtered register with its owner and registrations, loaded in chunks (the export)."""
    ids = list(session.scalars(filtered_stmt(scope, f, on=on).with_only_columns(Machine.id)))
    for i in range(0, len(ids), EXPORT_CHUNK):
        chunk = ids[i : i + EXPORT_CHUNK]
        yield from session.scalars(
            select(Machine).where(Machine.id.in_(chunk)).order_by(Machine.id.desc())
            .options(joinedload(Machine.owner), selectinload(Machine.registrations))
        )  # fmt: skip


def states_of(session: Session, machine_ids: Collection[int]) -> dict[int, MachineState]:
    """Each machine's state: on a site while an installation is open, dismantled once all have ended."""
    states = dict.fromkeys(machine_ids, MachineState.REGISTERED)
    ordered = sorted(machine_ids)
    for i in range(0, len(ordered), EXPORT_CHUNK):
        rows = session.execute(
            select(Installation.machine_id, Installation.ended_on).where(
                Installation.machine_id.in_(ordered[i : i + EXPORT_CHUNK])
            )
        )
        for machine_id, ended_on in rows:
            if ended_on is None:
                states[machine_id] = MachineState.ON_SITE
            elif states[machine_id] is not MachineState.ON_SITE:
                states[machine_id] = MachineState.DISMANTLED
    return states


def get_machine_for(session: Session, scope: Scope, machine_id: int) -> Machine:
    """The machine with its registrations and certificates, if the scope may see it; else NotFoundError."""
    machine = session.scalar(
        select(Machine)
        .where(Machine.id == machine_id, visible_machines(scope))
        .options(selectinload(Machine.registrations).selectinload(OwnershipRegistration.certificates))
    )
    if machine is None:
        raise NotFoundError("起重机械不存在或无权查看")
    return machine


def get_certificate_for(session: Session, scope: Scope, certificate_id: int) -> Certificate:
    """A certificate of a machine the scope may see; else NotFoundError."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFoundError("证书不存在或无权查看")
    get_machine_for(session, scope, certificate.registration.machine_id)
    return certificate
