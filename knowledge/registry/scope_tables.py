"""The scope tables of 建办质〔2018〕31号 as data: categories, sub-types, parameters and threshold clauses.

Annex 1 (附件1) lists the 危险性较大的分部分项工程 (危大工程); Annex 2 (附件2) lists those 超过一定规模,
which need an expert review (Decree 37 Art. 12). Every clause below cites its annex, item (一…七) and
sub-item ((一)…(六)) of the notice; "X 及以上" and "超过X（含X）" are both inclusive (≥).
"""

from __future__ import annotations

from knowledge.registry.clauses import (
    Annex,
    Category,
    Parameter,
    SubType,
    at_least,
    flag,
    if_true,
    listed,
    number,
)

# The notice was issued on 2018-05-17; the suffix names the text these tables were checked against.
RULES_VERSION = "建办质〔2018〕31号@2018-05-17"

# Ranges are plausibility bounds, not rules: a value beyond them is almost always a unit error (mm for m, t for kN).
PARAMETERS: dict[str, Parameter] = {
    p.code: p
    for p in (
        number("excavation_depth", "开挖深度", "m", 100),
        flag("complex_conditions", "地质条件、周围环境或地下管线复杂"),
        flag("affects_adjacent_structures", "影响毗邻建（构）筑物安全"),
        number("support_height", "模板支撑搭设高度", "m", 200),
        number("support_span", "模板支撑搭设跨度", "m", 300),
        number("total_load", "施工总荷载（设计值）", "kN/m²", 1000),
        number("line_load", "集中线荷载（设计值）", "kN/m", 2000),
        flag("slender_independent", "高度大于支撑水平投影宽度且相对独立无联系构件"),
        number("point_load", "承受单点集中荷载", "kN", 100_000),
        number("lift_weight", "单件起吊重量", "kN", 200_000),
        number("crane_capacity", "起重量", "kN", 200_000),
        number("erection_height", "搭设总高度", "m", 1000),
        # 标高 is measured from ±0.000, so a crane founded in a basement has a negative foundation elevation.
        number("foundation_elevation", "搭设基础标高", "m", 1000, minimum=-100),
        number("scaffold_height", "脚手架搭设高度", "m", 300),
        number("lift_height", "提升高度", "m", 1000),
        number("segment_height", "分段架体搭设高度", "m", 100),
        number("curtain_wall_height", "幕墙施工高度", "m", 1000),
        number("steel_span", "钢结构跨度", "m", 500),
        number("space_frame_span", "网架或索膜结构跨度", "m", 500),
        number("pile_depth", "人工挖孔桩开挖深度", "m", 100),
        number("structure_weight", "结构重量", "kN", 2_000_000),
        flag("affects_surroundings", "可能影响行人、交通、电力设施、通讯设施或其它建（构）筑物安全"),
        flag("hazardous_release_risk", "拆除中容易引起有毒有害气（液）体或粉尘扩散、易燃易爆事故发生"),
        flag("within_heritage_zone", "位于文物保护建筑、优秀历史建筑或历史文化风貌区影响范围内"),
        flag(
            "new_tech_without_standard",
            "采用新技术、新工艺、新材料、新设备可能影响施工安全且尚无国家、行业及地方技术标准",
        ),
    )
}


A1, A2 = Annex.HAZARDOUS, Annex.OVER_SCALE

# 附件1 一 / 附件2 一: 基坑工程. 附件1 一（二）fires on its condition alone: with a depth of 3 m or more
# (一) fires as well and both are reported; the verdict is the same. The 2018 notice, unlike 建质〔2009〕87号,
# no longer makes a complex pit under 5 m over scale.
_PIT = "基坑（槽）的土方开挖、支护、降水工程"
EXCAVATION = Category(
    "excavation",
    "基坑工程",
    (
        SubType(
            "foundation_pit",
            _PIT,
            ("excavation_depth", "complex_conditions", "affects_adjacent_structures"),
            (
                at_least(A1, 1, 1, f"开挖深度超过3m（含3m）的{_PIT}", "excavation_depth", "3"),
                if_true(
                    A1,
                    1,
                    2,
                    f"开挖深度虽未超过3m，但地质条件、周围环境和地下管线复杂的{_PIT}",
                    "complex_conditions",
                ),
                if_true(
                    A1,
                    1,
                    2,
                    f"开挖深度虽未超过3m，但影响毗邻建、构筑物安全的{_PIT}",
                    "affects_adjacent_structures",
                ),
                at_least(A2, 1, 0, f"开挖深度超过5m（含5m）的{_PIT}", "excavation_depth", "5"),
            ),
        ),
    ),
)

# 附件1 二 / 附件2 二: 模板工程及支撑体系.
_TOOL = "各类工具式模板工程：包括滑模、爬模、飞模、隧道模等工程"
_SUPPORT = "混凝土模板支撑工程："
FORMWORK = Category(
    "formwork",
    "模板工程及支撑体系",
    (
        SubType(
            "tool_formwork",
            "工具式模板工程（滑模、爬模、飞模、隧道模等）",
            (),
            (listed(A1, 2, 1, _TOOL), listed(A2, 2, 1, _TOOL)),
        ),
        SubType(
            "concrete_support",
            "混凝土模板支撑工程",
            ("support_height", "support_span", "total_load", "line_load", "slender_independent"),
            (
                at_least(A1, 2, 2, _SUPPORT + "搭设高度5m及以上", "support_height", "5"),
                at_least(A1, 2, 2, _SUPPORT + "搭设跨度10m及以上", "support_span", "10"),
                at_least(
                    A1,
                    2,
                    2,
                    _SUPPORT + "施工总荷载（荷载效应基本组合的设计值）10kN/m²及以上",
                    "total_load",
                    "10",
                ),
                at_least(A1, 2, 2, _SUPPORT + "集中线荷载（设计值）15kN/m及以上", "line_load", "15"),
                if_true(
                    A1, 2, 2, _SUPPORT + "高度大于支撑水平投影宽度且相对独立无联系构件", "slender_independent"
                ),
                at_least(A2, 2, 2, _SUPPORT + "搭设高度8m及以上", "support_height", "8"),
                at_least(A2, 2, 2, _SUPPORT + "搭设跨度18m及以上", "support_span", "18"),
                at_least(A2, 2, 2, _SUPPORT + "施工总荷载（设计值）15kN/m²及以上", "total_load", "15"),
                at_least(A2, 2, 2, _SUPPORT + "集中线荷载（设计值）20kN/m及以上", "line_load", "20"),
            ),
        ),
        SubType(
            "load_bearing_support",
            "承重支撑体系（用于钢结构安装等满堂支撑体系）",
            ("point_load",),
            (
                listed(A1, 2, 3, "承重支撑体系：用于钢结构安装等满堂支撑体系"),
                at_least(
                    A2,
                    2,
                    3,
                    "承重支撑体系：用于钢结构安装等满堂支撑体系，承受单点集中荷载7kN及以上",
                    "point_load",
                    "7",
                ),
            ),
        ),
    ),
)

# 附件1 三 / 附件2 三: 起重吊装及起重机械安装拆卸工程.
_NON_STANDARD = "采用非常规起重设备、方法，且单件起吊重量在{}kN及以上的起重吊装工程"
_ERECTION = "的起重机械安装和拆卸工程"
LIFTING = Category(
    "lifting",
    "起重吊装及起重机械安装拆卸工程",
    (
        SubType(
            "non_standard_lifting",
            "采用非常规起重设备、方法的起重吊装工程",
            ("lift_weight",),
            (
                at_least(A1, 3, 1, _NON_STANDARD.format(10), "lift_weight", "10"),
                at_least(A2, 3, 1, _NON_STANDARD.format(100), "lift_weight", "100"),
            ),
        ),
        # Annex 2 has no counterpart of 附件1 三（二）: such a work is 危大 and never over scale by this item.
        SubType(
            "machinery_installation",
            "采用起重机械进行安装的工程",
            (),
            (listed(A1, 3, 2, "采用起重机械进行安装的工程"),),
        ),
        SubType(
            "machinery_erection",
            "起重机械安装和拆卸工程",
            ("crane_capacity", "erection_height", "foundation_elevation"),
            (
                listed(A1, 3, 3, "起重机械安装和拆卸工程"),
                at_least(A2, 3, 2, "起重量300kN及以上" + _ERECTION, "crane_capacity", "300"),
                at_least(A2, 3, 2, "搭设总高度200m及以上" + _ERECTION, "erection_height", "200"),
                at_least(A2, 3, 2, "搭设基础标高在200m及以上" + _ERECTION, "foundation_elevation", "200"),
            ),
        ),
    ),
)

# 附件1 四 / 附件2 四: 脚手架工程.
_ATTACHED = "附着式升降脚手架工程"
SCAFFOLDING = Category(
    "scaffolding",
    "脚手架工程",
    (
        SubType(
            "ground_steel_tube",
            "落地式钢管脚手架工程（包括采光井、电梯井脚手架）",
            ("scaffold_height",),
            (
                at_least(
                    A1,
                    4,
                    1,
                    "搭设高度24m及以上的落地式钢管脚手架工程（包括采光井、电梯井脚手架）",
                    "scaffold_height",
                    "24",
                ),
                at_least(A2, 4, 1, "搭设高度50m及以上的落地式钢管脚手架工程", "scaffold_height", "50"),
            ),
        ),
        SubType(
            "attached_lifting",
            "附着式升降脚手架工程（含附着式升降操作平台）",
            ("lift_height",),
            (
                listed(A1, 4, 2, _ATTACHED),
                at_least(
                    A2,
                    4,
                    2,
                    f"提升高度在150m及以上的{_ATTACHED}或附着式升降操作平台工程",
                    "lift_height",
                    "150",
                ),
            ),
        ),
        SubType(
            "cantilevered",
            "悬挑式脚手架工程",
            ("segment_height",),
            (
                listed(A1, 4, 3, "悬挑式脚手架工程"),
                at_least(A2, 4, 3, "分段架体搭设高度20m及以上的悬挑式脚手架工程", "segment_height", "20"),
            ),
        ),
        SubType("suspended_platform", "高处作业吊篮", (), (listed(A1, 4, 4, "高处作业吊篮"),)),
        SubType(
            "unloading_platform", "卸料平台、操作平台工程", (), (listed(A1, 4, 5, "卸料平台、操作平台工程"),)
        ),
        SubType("special_shaped", "异型脚手架工程", (), (listed(A1, 4, 6, "异型脚手架工程"),)),
    ),
)

# 附件1 五 / 附件2 五: 拆除工程. Being near heritage or releasing toxic matter is a property of the site
# or the structure, not a kind of demolition, so those are conditions of the general sub-type.
_SPECIAL = "码头、桥梁、高架、烟囱、水塔或拆除中容易引起有毒有害气（液）体或粉尘扩散、易燃易爆事故发生的特殊建、构筑物的拆除工程"
_HERITAGE = "文物保护建筑、优秀历史建筑或历史文化风貌区影响范围内的拆除工程"
DEMOLITION = Category(
    "demolition",
    "拆除工程",
    (
        SubType(
            "general",
            "建（构）筑物拆除工程",
            ("affects_surroundings", "hazardous_release_risk", "within_heritage_zone"),
            (
                if_true(
                    A1,
                    5,
                    0,
                    "可能影响行人、交通、电力设施、通讯设施或其它建、构筑物安全的拆除工程",
                    "affects_surroundings",
                ),
                if_true(A2, 5, 1, _SPECIAL, "hazardous_release_risk"),
                if_true(A2, 5, 2, _HERITAGE, "within_heritage_zone"),
            ),
        ),
        SubType(
            "special_structure", "码头、桥梁、高架、烟囱、水塔的拆除工程", (), (listed(A2, 5, 1, _SPECIAL),)
        ),
    ),
)

# 附件1 六 / 附件2 六: 暗挖工程. Both annexes list the same works, so every one of them is over scale.
_UNDERGROUND = "采用矿山法、盾构法、顶管法施工的隧道、洞室工程"


def _underground(code: str, label: str) -> SubType:
    return SubType(code, label, (), (listed(A1, 6, 0, _UNDERGROUND), listed(A2, 6, 0, _UNDERGROUND)))


UNDERGROUND = Category(
    "underground",
    "暗挖工程",
    (
        _underground("mining_method", "矿山法施工的隧道、洞室工程"),
        _underground("shield", "盾构法施工的隧道工程"),
        _underground("pipe_jacking", "顶管法施工的工程"),
    ),
)

# 附件1 七 / 附件2 七: 其它.
_NEW_TECH = (
    "采用新技术、新工艺、新材料、新设备可能影响工程施工安全，尚无国家、行业及地方技术标准的分部分项工程"
)
OTHER = Category(
    "other",
    "其它",
    (
        SubType(
            "curtain_wall",
            "建筑幕墙安装工程",
            ("curtain_wall_height",),
            (
                listed(A1, 7, 1, "建筑幕墙安装工程"),
                at_least(A2, 7, 1, "施工高度50m及以上的建筑幕墙安装工程", "curtain_wall_height", "50"),
            ),
        ),
        SubType(
            "steel_structure",
            "钢结构安装工程",
            ("steel_span",),
            (
                listed(A1, 7, 2, "钢结构、网架和索膜结构安装工程"),
                at_least(A2, 7, 2, "跨度36m及以上的钢结构安装工程", "steel_span", "36"),
            ),
        ),
        SubType(
            "space_frame_membrane",
            "网架和索膜结构安装工程",
            ("space_frame_span",),
            (
                listed(A1, 7, 2, "钢结构、网架和索膜结构安装工程"),
                at_least(A2, 7, 2, "跨度60m及以上的网架和索膜结构安装工程", "space_frame_span", "60"),
            ),
        ),
        SubType(
            "manual_dug_pile",
            "人工挖孔桩工程",
            ("pile_depth",),
            (
                listed(A1, 7, 3, "人工挖孔桩工程"),
                at_least(A2, 7, 3, "开挖深度16m及以上的人工挖孔桩工程", "pile_depth", "16"),
            ),
        ),
        SubType(
            "underwater",
            "水下作业工程",
            (),
            (listed(A1, 7, 4, "水下作业工程"), listed(A2, 7, 4, "水下作业工程")),
        ),
        # Annex 2 七（五）has no counterpart in Annex 1 七（五）, which concerns precast components instead.
        SubType(
            "precast_installation",
            "装配式建筑混凝土预制构件安装工程",
            (),
            (listed(A1, 7, 5, "装配式建筑混凝土预制构件安装工程"),),
        ),
        # Annex 1 lists no integral jacking, so below 1000 kN such a work is not 危大 by this item.
        SubType(
            "integral_jacking",
            "大型结构整体顶升、平移、转体等施工工艺",
            ("structure_weight",),
            (
                at_least(
                    A2,
                    7,
                    5,
                    "重量1000kN及以上的大型结构整体顶升、平移、转体等施工工艺",
                    "structure_weight",
                    "1000",
                ),
            ),
        ),
        SubType(
            "new_technology",
            "采用新技术、新工艺、新材料、新设备的分部分项工程（四新）",
            ("new_tech_without_standard",),
            (
                if_true(A1, 7, 6, _NEW_TECH, "new_tech_without_standard"),
                if_true(A2, 7, 6, _NEW_TECH, "new_tech_without_standard"),
            ),
        ),
    ),
)

CATEGORIES: tuple[Category, ...] = (
    EXCAVATION,
    FORMWORK,
    LIFTING,
    SCAFFOLDING,
    DEMOLITION,
    UNDERGROUND,
    OTHER,
)
