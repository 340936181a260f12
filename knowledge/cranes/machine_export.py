"""The crane register's list as CSV (UTF-8 with BOM, which Excel opens correctly) and XLSX (openpyxl)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from knowledge.cranes.models import Machine
from knowledge.cranes.queries import MachineState
from knowledge.cranes.service_age import assessment_due, service_age_limit
from knowledge.spreadsheets.writing import csv_bytes, xlsx_bytes

HEADERS = ["备案编号", "机械类别", "制造单位", "规格型号", "出厂编号", "出厂日期", "额定能力", "产权单位",
           "产权单位统一社会信用代码", "备案地", "首次备案日期", "产权备案次数", "状态", "评估年限（年）",
           "超过评估年限"]  # fmt: skip
SHEET = "起重机械清单"


def row(machine: Machine, state: MachineState, on: date) -> list[str | int]:
    registrations = machine.registrations
    limit = service_age_limit(machine.spec)
    return [
        machine.registration_number or "",
        machine.machine_type.label,
        machine.maker,
        machine.model,
        machine.serial_number,
        machine.manufactured_on.isoformat(),
        machine.capacity_label,
        machine.owner.name,
        machine.owner.credit_code,
        machine.registration_city.label if machine.registration_city else "",
        registrations[0].registered_on.isoformat() if registrations else "",
        len(registrations),
        state.label,
        limit if limit is not None else "",
        "是" if assessment_due(machine.spec, machine.manufactured_on, on) else "否",
    ]


def to_csv(machines: Iterable[Machine], states: Mapping[int, MachineState], on: date) -> bytes:
    return csv_bytes(HEADERS, _rows(machines, states, on))


def to_xlsx(machines: Iterable[Machine], states: Mapping[int, MachineState], on: date) -> bytes:
    return xlsx_bytes(SHEET, HEADERS, _rows(machines, states, on))


def _rows(
    machines: Iterable[Machine], states: Mapping[int, MachineState], on: date
) -> Iterable[list[str | int]]:
    for machine in machines:
        yield row(machine, states.get(machine.id, MachineState.REGISTERED), on)
