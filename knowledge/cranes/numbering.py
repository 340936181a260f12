"""The ownership registration number (产权备案编号), one per machine for its life (一机一号): format, parse, next.

No published Jiangsu format for the number was found in the search corpora (searches for 江苏 建筑起重机械 备案编号
formats, and for numbers beginning "苏" in crane forms, found none; forms from other provinces only show a field
"备案编号"). The format is therefore the system's own, documented here and kept as **policy**:

    苏A-T-00001   province abbreviation 苏 + the city's letter, "-", the type letter, "-", a five-digit serial

- The city letters are those of the motor-vehicle plates of Jiangsu (苏A 南京 … 苏N 宿迁; I and O are not used),
  which every registrant already knows; checked against two public tables in the code corpus (a plate-prefix table
  "'苏A': '南京', … '苏N': '宿迁'" and a city-to-"苏X" mapping). Cities are ``knowledge.regions.City``.
- Type letters: T 塔式起重机, S 施工升降机, W 物料提升机, M 门式起重机, Q 桥式起重机, Z 其他.
- The serial counts per city and type from 00001. The city is that of the registering authority: 第五条 has the
  owner register before first lease or installation "到本单位工商注册所在地县级以上地方人民政府建设主管部门" (read in
  a reprint of the decree). The number stays with the machine for its life (一机一号, DOMAIN.md section 9), also
  when a change of owner is registered anew; that decision belongs to the service, which is not written yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.cranes.errors import RegistrationNumberError
from knowledge.cranes.machines import MachineType
from knowledge.regions import City

PROVINCE = "苏"
SERIAL_DIGITS = 5
MAX_SERIAL = 10**SERIAL_DIGITS - 1

CITY_LETTERS: dict[City, str] = {
    City.NANJING: "A",
    City.WUXI: "B",
    City.XUZHOU: "C",
    City.CHANGZHOU: "D",
    City.SUZHOU: "E",
    City.NANTONG: "F",
    City.LIANYUNGANG: "G",
    City.HUAIAN: "H",
    City.YANCHENG: "J",
    City.YANGZHOU: "K",
    City.ZHENJIANG: "L",
    City.TAIZHOU: "M",
    City.SUQIAN: "N",
}
TYPE_LETTERS: dict[MachineType, str] = {
    MachineType.TOWER_CRANE: "T",
    MachineType.CONSTRUCTION_HOIST: "S",
    MachineType.MATERIAL_HOIST: "W",
    MachineType.GANTRY_CRANE: "M",
    MachineType.BRIDGE_CRANE: "Q",
    MachineType.OTHER: "Z",
}
_CITY_BY_LETTER = {letter: city for city, letter in CITY_LETTERS.items()}
_TYPE_BY_LETTER = {letter: machine_type for machine_type, letter in TYPE_LETTERS.items()}
_PATTERN = re.compile(r"苏([A-Z])-([A-Z])-(\d{5})")
_EXAMPLE = "苏A-T-00001"


@dataclass(frozen=True, slots=True, order=True)
class RegistrationNumber:
    """A parsed number: the city of registration, the machine's type and the serial within both."""

    city: City
    machine_type: MachineType
    serial: int

    def __post_init__(self) -> None:
        if not 1 <= self.serial <= MAX_SERIAL:
            raise RegistrationNumberError(f"备案编号的流水号须在1至{MAX_SERIAL}之间，不能是{self.serial}")

    def __str__(self) -> str:
        return format_number(self)


def format_number(number: RegistrationNumber) -> str:
    """``苏E-S-00042`` for the 42nd construction hoist registered in Suzhou."""
    city = CITY_LETTERS[number.city]
    kind = TYPE_LETTERS[number.machine_type]
    return f"{PROVINCE}{city}-{kind}-{number.serial:0{SERIAL_DIGITS}d}"


def parse_number(text: str) -> RegistrationNumber:
    """The number ``text`` spells; surrounding spaces, lower-case letters and full-width "－" are accepted.

    :raises RegistrationNumberError: naming what is wrong, with an example of the format.
    """
    cleaned = text.strip().upper().replace("－", "-").replace("—", "-")
    match = _PATTERN.fullmatch(cleaned)
    if match is None:
        raise RegistrationNumberError(
            f"备案编号“{text.strip()}”格式不正确：应为“苏”+城市字母-机种字母-5位流水号，如 {_EXAMPLE}",
            field="registration_number",
        )
    city_letter, type_letter, serial = match.groups()
    city = _CITY_BY_LETTER.get(city_letter)
    if city is None:
        options = "、".join(f"苏{letter}（{c.label}）" for c, letter in CITY_LETTERS.items())
        raise RegistrationNumberError(
            f"备案编号中的城市代码“苏{city_letter}”不是本省设区市，可选：{options}",
            field="registration_number",
        )
    machine_type = _TYPE_BY_LETTER.get(type_letter)
    if machine_type is None:
        options = "、".join(f"{letter}（{t.label}）" for t, letter in TYPE_LETTERS.items())
        raise RegistrationNumberError(
            f"备案编号中的机种代码“{type_letter}”无效，可选：{options}", field="registration_number"
        )
    if int(serial) == 0:
        raise RegistrationNumberError("备案编号的流水号从00001起，不能为00000", field="registration_number")
    return RegistrationNumber(city, machine_type, int(serial))


def next_number(last: RegistrationNumber | None, city: City, machine_type: MachineType) -> RegistrationNumber:
    """The number after ``last`` in the sequence of ``city`` and ``machine_type``; the first when ``last`` is None.

    :raises RegistrationNumberError: when ``last`` belongs to another city or type, or the serials have run out.
    """
    if last is None:
        return RegistrationNumber(city, machine_type, 1)
    if (last.city, last.machine_type) != (city, machine_type):
        raise RegistrationNumberError(
            f"上一个编号 {format_number(last)} 不属于{city.label}{machine_type.label}的编号序列"
        )
    if last.serial == MAX_SERIAL:
        raise RegistrationNumberError(
            f"{city.label}{machine_type.label}的备案编号已用完（最大 {MAX_SERIAL}）"
        )
    return RegistrationNumber(city, machine_type, last.serial + 1)
