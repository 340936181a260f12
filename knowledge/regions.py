"""Jiangsu's 13 prefecture-level cities and their districts/counties, with GB/T 2260 division codes.

Source: 中华人民共和国行政区划代码 (GB/T 2260, as published by the Ministry of Civil Affairs, 2024),
including the 2020 changes in Nantong (港闸区 merged into 崇川区, 海门市 became 海门区).
The order of the cities is the official one (DOMAIN.md section 7).
"""

from __future__ import annotations

from enum import StrEnum


class City(StrEnum):
    NANJING = "nanjing"
    WUXI = "wuxi"
    XUZHOU = "xuzhou"
    CHANGZHOU = "changzhou"
    SUZHOU = "suzhou"
    NANTONG = "nantong"
    LIANYUNGANG = "lianyungang"
    HUAIAN = "huaian"
    YANCHENG = "yancheng"
    YANGZHOU = "yangzhou"
    ZHENJIANG = "zhenjiang"
    TAIZHOU = "taizhou"
    SUQIAN = "suqian"

    @property
    def label(self) -> str:
        return CITY_NAMES[self]

    @property
    def division_code(self) -> str:
        return CITY_CODES[self]


CITY_NAMES: dict[City, str] = {
    City.NANJING: "南京市",
    City.WUXI: "无锡市",
    City.XUZHOU: "徐州市",
    City.CHANGZHOU: "常州市",
    City.SUZHOU: "苏州市",
    City.NANTONG: "南通市",
    City.LIANYUNGANG: "连云港市",
    City.HUAIAN: "淮安市",
    City.YANCHENG: "盐城市",
    City.YANGZHOU: "扬州市",
    City.ZHENJIANG: "镇江市",
    City.TAIZHOU: "泰州市",
    City.SUQIAN: "宿迁市",
}

CITY_CODES: dict[City, str] = {city: f"32{i + 1:02d}00" for i, city in enumerate(City)}

# division code -> district/county name, per city
DISTRICTS: dict[City, dict[str, str]] = {
    City.NANJING: {
        "320102": "玄武区", "320104": "秦淮区", "320105": "建邺区", "320106": "鼓楼区",
        "320111": "浦口区", "320113": "栖霞区", "320114": "雨花台区", "320115": "江宁区",
        "320116": "六合区", "320117": "溧水区", "320118": "高淳区",
    },
    City.WUXI: {
        "320205": "锡山区", "320206": "惠山区", "320211": "滨湖区", "320213": "梁溪区",
        "320214": "新吴区", "320281": "江阴市", "320282": "宜兴市",
    },
    City.XUZHOU: {
        "320302": "鼓楼区", "320303": "云龙区", "320305": "贾汪区", "320311": "泉山区",
        "320312": "铜山区", "320321": "丰县", "320322": "沛县", "320324": "睢宁县",
        "320381": "新沂市", "320382": "邳州市",
    },
    City.CHANGZHOU: {
        "320402": "天宁区", "320404": "钟楼区", "320411": "新北区", "320412": "武进区",
        "320413": "金坛区", "320481": "溧阳市",
    },
    City.SUZHOU: {
        "320505": "虎丘区", "320506": "吴中区", "320507": "相城区", "320508": "姑苏区",
        "320509": "吴江区", "320581": "常熟市", "320582": "张家港市", "320583": "昆山市",
        "320585": "太仓市",
    },
    City.NANTONG: {
        "320612": "通州区", "320613": "崇川区", "320614": "海门区", "320623": "如东县",
        "320681": "启东市", "320682": "如皋市", "320685": "海安市",
    },
    City.LIANYUNGANG: {
        "320703": "连云区", "320706": "海州区", "320707": "赣榆区", "320722": "东海县",
        "320723": "灌云县", "320724": "灌南县",
    },
    City.HUAIAN: {
        "320803": "淮安区", "320804": "淮阴区", "320812": "清江浦区", "320813": "洪泽区",
        "320826": "涟水县", "320830": "盱眙县", "320831": "金湖县",
    },
    City.YANCHENG: {
        "320902": "亭湖区", "320903": "盐都区", "320904": "大丰区", "320921": "响水县",
        "320922": "滨海县", "320923": "阜宁县", "320924": "射阳县", "320925": "建湖县",
        "320981": "东台市",
    },
    City.YANGZHOU: {
        "321002": "广陵区", "321003": "邗江区", "321012": "江都区", "321023": "宝应县",
        "321081": "仪征市", "321084": "高邮市",
    },
    City.ZHENJIANG: {
        "321102": "京口区", "321111": "润州区", "321112": "丹徒区", "321181": "丹阳市",
        "321182": "扬中市", "321183": "句容市",
    },
    City.TAIZHOU: {
        "321202": "海陵区", "321203": "高港区", "321204": "姜堰区", "321281": "兴化市",
        "321282": "靖江市", "321283": "泰兴市",
    },
    City.SUQIAN: {
        "321302": "宿城区", "321311": "宿豫区", "321322": "沭阳县", "321323": "泗阳县",
        "321324": "泗洪县",
    },
}  # fmt: skip


def city_choices() -> list[tuple[str, str]]:
    """(value, label) pairs in the official order, for forms and filters."""
    return [(c.value, c.label) for c in City]


def district_names(city: City) -> list[str]:
    return list(DISTRICTS[city].values())


def is_district_of(city: City, district: str) -> bool:
    return district in DISTRICTS[city].values()


def city_of_division(code: str) -> City | None:
    """The city a six-digit division code belongs to (its first four digits), or None."""
    for city, city_code in CITY_CODES.items():
        if code[:4] == city_code[:4]:
            return city
    return None
