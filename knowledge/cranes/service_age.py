"""Service ages after which a crane needs a safety assessment, and the refusals of ownership registration.

Refusals follow 建设部令第166号 第七条, whose words were read in a full-text reprint of the decree
(jyjs981.cn/art_276014.html, search corpus "pages"): a machine may not be leased or used when it is

  （一）属国家明令淘汰或者禁止使用的；（二）超过安全技术标准或者制造厂家规定的使用年限的；
  （三）经检验达不到安全技术标准规定的；（四）没有完整安全技术档案的；（五）没有齐全有效的安全保护装置的。

and 第八条 has the owner scrap a machine of (一)-(三) and cancel its registration (the stored excerpt stops at 第八条's
first words, so its content is cited from the decree as commonly reprinted, not quoted). The registry refuses the
ownership registration (第五条 备案, read in the same excerpt) of such a machine with the reason.

**Service ages (policy).** 建设部公告第659号 (2007) restricts tower cranes and construction hoists past an age from
their date of manufacture unless a safety assessment (JGJ/T 189-2009) finds them fit. The figures below are the
ones those documents are widely quoted with: tower cranes below 630 kN·m over 10 years, 630 up to (not including)
1250 kN·m over 15 years, 1250 kN·m and above over 20 years; SC hoists over 8 years, SS hoists over 5 years, each
"不含" (the anniversary itself is not yet past). Of these, only the SC hoist's 8 years was confirmed in the
search corpora (an exam bank: "出厂年限超过（8）年的齿轮齿条式货用施工升降机，应进行安全评估，评估合格后方可继续
使用"); the texts of 公告第659号 and JGJ/T 189 were not found there, so the tower crane and SS figures are kept as
policy an administrator can change, to be checked against the gazetted text. One group's internal rule found in the
corpus (800/1250 kN·m bands, 5/7/10 years for leasing) is stricter and is not a provincial rule.

Material hoists, gantry, bridge and other cranes have no age in those documents: no assessment age is set.

**Assessment validity.** JGJ/T 189's period of validity of an assessment was not found; the report states it, so a
``SafetyAssessment`` carries its own ``valid_until``.

**Banned types.** No list of crane models 国家明令淘汰或者禁止使用 was found in the corpora, so ``BANNED_MODELS`` is
empty; an administrator adds a model (by type and model prefix, with the document that bans it) when one is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from knowledge.cranes.errors import MachineDataError
from knowledge.cranes.machines import HoistDrive, Machine, MachineSpec, MachineType, check_spec
from knowledge.cranes.periods import add_years

DECREE_166 = "建设部令第166号"
NOTICE_659 = "建设部公告第659号"
ASSESSMENT_STANDARD = "JGJ/T 189-2009《建筑起重机械安全评估技术规程》"


@dataclass(frozen=True, slots=True)
class TowerAgeBand:
    """Tower cranes of ``from_moment_knm`` and above (up to the next band) need an assessment past ``years``."""

    from_moment_knm: Decimal
    years: int


@dataclass(frozen=True, slots=True)
class BannedModel:
    """A model the state has banned or ordered withdrawn, matched by type and the start of the model name."""

    machine_type: MachineType
    model_prefix: str
    document: str

    def matches(self, machine: Machine) -> bool:
        model = machine.model.strip().upper()
        return machine.spec.machine_type is self.machine_type and model.startswith(self.model_prefix.upper())


# 建设部公告第659号 / JGJ/T 189-2009 as commonly quoted (see the module docstring): policy, replaceable.
TOWER_AGE_BANDS: tuple[TowerAgeBand, ...] = (
    TowerAgeBand(Decimal(0), 10),
    TowerAgeBand(Decimal(630), 15),
    TowerAgeBand(Decimal(1250), 20),
)
HOIST_AGE_YEARS: dict[HoistDrive, int] = {HoistDrive.RACK_AND_PINION: 8, HoistDrive.WIRE_ROPE: 5}

# None found in the corpora; see the module docstring.
BANNED_MODELS: tuple[BannedModel, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceAgePolicy:
    """The ages and lists the refusals apply; the default is the module's data, an administrator may change it.

    ``max_service_years`` is an absolute age per type past which a machine is due for scrapping whatever its
    assessment (a provincial choice; none is set by default, as no such provincial rule was found).
    """

    tower_bands: tuple[TowerAgeBand, ...] = TOWER_AGE_BANDS
    hoist_years: Mapping[HoistDrive, int] = field(default_factory=lambda: dict(HOIST_AGE_YEARS))
    max_service_years: Mapping[MachineType, int] = field(default_factory=dict)
    banned: tuple[BannedModel, ...] = BANNED_MODELS

    def __post_init__(self) -> None:
        starts = [band.from_moment_knm for band in self.tower_bands]
        if not starts or starts[0] != 0 or starts != sorted(set(starts)):
            raise MachineDataError("塔式起重机的年限分档须从0 kN·m起、按起重力矩由小到大排列且不重复")
        years = [band.years for band in self.tower_bands] + list(self.hoist_years.values())
        if any(y <= 0 for y in [*years, *self.max_service_years.values()]):
            raise MachineDataError("年限须大于0年")


DEFAULT_POLICY = ServiceAgePolicy()


@dataclass(frozen=True, slots=True)
class SafetyAssessment:
    """A safety assessment's result as its report states it (JGJ/T 189): when, whether fit, and valid until."""

    assessed_on: date
    passed: bool
    valid_until: date

    def is_valid_pass(self, on: date) -> bool:
        return self.passed and self.assessed_on <= on <= self.valid_until


def service_age_limit(spec: MachineSpec, policy: ServiceAgePolicy = DEFAULT_POLICY) -> int | None:
    """Years from manufacture after which the machine needs an assessment, or None when its type has no age.

    :raises MachineDataError: for a spec its type does not accept.
    """
    check_spec(spec)
    if spec.machine_type is MachineType.TOWER_CRANE:
        assert spec.rated_moment_knm is not None  # check_spec guarantees it
        return next(
            b.years for b in reversed(policy.tower_bands) if spec.rated_moment_knm >= b.from_moment_knm
        )
    if spec.machine_type is MachineType.CONSTRUCTION_HOIST:
        assert spec.hoist_drive is not None
        return policy.hoist_years.get(spec.hoist_drive)
    return None


def assessment_due(
    spec: MachineSpec, manufactured: date, on: date, policy: ServiceAgePolicy = DEFAULT_POLICY
) -> bool:
    """Whether on ``on`` the machine is past its assessment age: strictly after the anniversary ("不含").

    :raises MachineDataError: for a spec its type does not accept.
    """
    limit = service_age_limit(spec, policy)
    return limit is not None and on > add_years(manufactured, limit)


def scrapping_reason(machine: Machine, on: date, policy: ServiceAgePolicy = DEFAULT_POLICY) -> str | None:
    """Why the machine is due for scrapping on ``on`` (166号令 第七条第（二）项, 第八条), or None.

    Past the maker's stated service life, or past the provincial maximum for its type where one is set.
    """
    if machine.design_life_years is not None and on > add_years(
        machine.manufactured, machine.design_life_years
    ):
        return (
            f"已超过制造厂家规定的使用年限（{machine.design_life_years}年，出厂日期"
            f"{machine.manufactured.isoformat()}），应予报废（{DECREE_166} 第七条第（二）项、第八条）"
        )
    limit = policy.max_service_years.get(machine.spec.machine_type)
    if limit is not None and on > add_years(machine.manufactured, limit):
        return f"已超过本省规定的{machine.spec.machine_type.label}最长使用年限（{limit}年），应予报废"
    return None


@dataclass(frozen=True, slots=True)
class RegistrationFacts:
    """What the registry knows of a machine when its owner asks to register it.

    ``last_inspection_passed`` is None before any inspection; the two booleans are 第七条 (四) and (五).
    """

    machine: Machine
    assessment: SafetyAssessment | None = None
    last_inspection_passed: bool | None = None
    has_complete_safety_file: bool = True
    has_complete_safety_devices: bool = True


def registration_refusals(
    facts: RegistrationFacts, on: date, policy: ServiceAgePolicy = DEFAULT_POLICY
) -> tuple[str, ...]:
    """Every reason the ownership registration is refused on ``on``, in 第七条's order; empty when none.

    :raises MachineDataError: for a machine spec its type does not accept.
    """
    machine = facts.machine
    reasons: list[str] = []
    banned = next((b for b in policy.banned if b.matches(machine)), None)
    if banned is not None:
        reasons.append(
            f"型号“{machine.model}”属国家明令淘汰或者禁止使用的{machine.spec.machine_type.label}"
            f"（{banned.document}），不予备案（{DECREE_166} 第七条第（一）项）"
        )
    scrap = scrapping_reason(machine, on, policy)
    if scrap is not None:
        reasons.append(f"{scrap}，不予备案")
    age_reason = _age_reason(facts, on, policy)
    if age_reason is not None:
        reasons.append(age_reason)
    if facts.last_inspection_passed is False:
        reasons.append(f"最近一次检验结论为不合格，不予备案（{DECREE_166} 第七条第（三）项）")
    if not facts.has_complete_safety_file:
        reasons.append(f"没有完整安全技术档案，不予备案（{DECREE_166} 第七条第（四）项）")
    if not facts.has_complete_safety_devices:
        reasons.append(f"没有齐全有效的安全保护装置，不予备案（{DECREE_166} 第七条第（五）项）")
    return tuple(reasons)


def registration_refusal(
    facts: RegistrationFacts, on: date, policy: ServiceAgePolicy = DEFAULT_POLICY
) -> str | None:
    """The first reason the registration is refused on ``on``, or None when it may be registered."""
    reasons = registration_refusals(facts, on, policy)
    return reasons[0] if reasons else None


def _age_reason(facts: RegistrationFacts, on: date, policy: ServiceAgePolicy) -> str | None:
    spec = facts.machine.spec
    if not assessment_due(spec, facts.machine.manufactured, on, policy):
        return None
    limit = service_age_limit(spec, policy)
    head = (
        f"出厂已超过{limit}年（{spec.machine_type.label}，{NOTICE_659}、{ASSESSMENT_STANDARD}），"
        "须经安全评估合格后方可继续使用"
    )
    assessment = facts.assessment
    if assessment is None:
        return f"{head}；未提交安全评估报告，不予备案"
    if not assessment.passed:
        return f"{head}；安全评估结论为不合格，不予备案"
    if on > assessment.valid_until:
        return f"{head}；安全评估有效期至{assessment.valid_until.isoformat()}，已过期，不予备案"
    if on < assessment.assessed_on:
        return f"{head}；安全评估日期{assessment.assessed_on.isoformat()}晚于备案日期，不予备案"
    return None
