"""Machine types of construction cranes and the data each type needs (rated moment, rated load, drive).

建设部令第166号 第二条 covers the 起重机械 in the special-equipment catalogue that are installed, dismantled and used
on building and municipal sites. The types the province registers are kept here with their Chinese names; the
capacity that describes a machine differs by type:

- 塔式起重机 by its rated lifting moment in kN·m (the figure 建设部公告第659号 and JGJ/T 189 band service ages by;
  self-check form GDAQ209010803 records it as 最大起重力矩 kN·m);
- 施工升降机 by its rated load in kg (额定载重量, form GDAQ209010801) and its drive: SC (齿轮齿条式, rack and pinion)
  or SS (钢丝绳式, wire rope), the two type letters of GB/T 10054 that the service ages distinguish;
- 物料提升机, 门式起重机, 桥式起重机 and others by their rated load in kg (额定起重量).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from knowledge.cranes.errors import MachineDataError


class MachineType(StrEnum):
    TOWER_CRANE = "tower_crane"
    CONSTRUCTION_HOIST = "construction_hoist"
    MATERIAL_HOIST = "material_hoist"
    GANTRY_CRANE = "gantry_crane"
    BRIDGE_CRANE = "bridge_crane"
    OTHER = "other"

    @property
    def label(self) -> str:
        return MACHINE_TYPE_LABELS[self]

    @property
    def rated_by_moment(self) -> bool:
        return self is MachineType.TOWER_CRANE


MACHINE_TYPE_LABELS: dict[MachineType, str] = {
    MachineType.TOWER_CRANE: "塔式起重机",
    MachineType.CONSTRUCTION_HOIST: "施工升降机",
    MachineType.MATERIAL_HOIST: "物料提升机",
    MachineType.GANTRY_CRANE: "门式起重机",
    MachineType.BRIDGE_CRANE: "桥式起重机",
    MachineType.OTHER: "其他建筑起重机械",
}


class HoistDrive(StrEnum):
    """The drive of a construction hoist, by its GB/T 10054 type letters."""

    RACK_AND_PINION = "sc"
    WIRE_ROPE = "ss"

    @property
    def label(self) -> str:
        return "SC型（齿轮齿条式）" if self is HoistDrive.RACK_AND_PINION else "SS型（钢丝绳式）"


@dataclass(frozen=True, slots=True)
class MachineSpec:
    """What a machine's type needs to be described: a tower crane's moment, any other type's rated load.

    ``hoist_drive`` is set for construction hoists only.
    """

    machine_type: MachineType
    rated_moment_knm: Decimal | None = None
    rated_load_kg: int | None = None
    hoist_drive: HoistDrive | None = None


@dataclass(frozen=True, slots=True)
class Machine:
    """One machine as its owner registers it (产权备案): maker, model, serial number, date of manufacture, spec.

    ``design_life_years`` is the service life the maker states (制造厂家规定的使用年限, 166号令 第七条第（二）项),
    when the maker states one.
    """

    maker: str
    model: str
    serial_number: str
    manufactured: date
    spec: MachineSpec
    design_life_years: int | None = None


def check_spec(spec: MachineSpec) -> MachineSpec:
    """``spec`` itself when it has what its type needs.

    :raises MachineDataError: naming the missing or impossible figure.
    """
    label = spec.machine_type.label
    if spec.machine_type.rated_by_moment:
        if spec.rated_moment_knm is None or spec.rated_moment_knm <= 0:
            raise MachineDataError(f"{label}须填写额定起重力矩（kN·m），且大于0", field="rated_moment_knm")
    elif spec.rated_moment_knm is not None:
        raise MachineDataError(f"{label}以额定载重量计，不填写起重力矩", field="rated_moment_knm")
    if not spec.machine_type.rated_by_moment and (spec.rated_load_kg is None or spec.rated_load_kg <= 0):
        raise MachineDataError(f"{label}须填写额定载重量（kg），且大于0", field="rated_load_kg")
    if spec.machine_type is MachineType.CONSTRUCTION_HOIST:
        if spec.hoist_drive is None:
            raise MachineDataError(
                "施工升降机须注明驱动型式：SC型（齿轮齿条式）或SS型（钢丝绳式）", field="hoist_drive"
            )
    elif spec.hoist_drive is not None:
        raise MachineDataError(f"驱动型式（SC/SS）只适用于施工升降机，不适用于{label}", field="hoist_drive")
    return spec


def check_machine(machine: Machine, *, today: date) -> Machine:
    """``machine`` itself when its description is complete and its dates possible on ``today``.

    :raises MachineDataError: for a blank maker, model or serial number, a date of manufacture after ``today``,
        a design life of no years, or a spec its type does not accept.
    """
    for field, value, name in (
        ("maker", machine.maker, "制造单位"),
        ("model", machine.model, "型号"),
        ("serial_number", machine.serial_number, "出厂编号"),
    ):
        if not value.strip():
            raise MachineDataError(f"请填写{name}", field=field)
    if machine.manufactured > today:
        raise MachineDataError(f"出厂日期 {machine.manufactured.isoformat()} 晚于今天", field="manufactured")
    if machine.design_life_years is not None and machine.design_life_years <= 0:
        raise MachineDataError("制造厂家规定的使用年限须大于0年", field="design_life_years")
    check_spec(machine.spec)
    return machine


def capacity_label(spec: MachineSpec) -> str:
    """The capacity as a register shows it: ``1250 kN·m`` for a tower crane, ``2000 kg（SC型（齿轮齿条式））``."""
    check_spec(spec)
    if spec.rated_moment_knm is not None:
        return f"{spec.rated_moment_knm.normalize():f} kN·m"
    text = f"{spec.rated_load_kg} kg"
    return f"{text}（{spec.hoist_drive.label}）" if spec.hoist_drive else text
