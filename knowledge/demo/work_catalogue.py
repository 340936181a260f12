"""What kinds of 危大工程 each kind of demo project registers, their names, places and lifting machines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# A project's kind is read back from its generated name (projects.py does not keep it): first match wins,
# metro before the others because a station may be named after a road.
KIND_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("metro_interval", ("区间",)),
    ("metro", ("地铁",)),
    ("pipe_gallery", ("管廊",)),
    ("bridge", ("桥",)),
    ("hospital", ("医院", "保健院", "门诊", "住院")),
    ("school", ("小学", "中学", "学校", "幼儿园", "学院")),
    ("residential", ("住宅", "安置房", "公寓")),
    ("commercial", ("商业综合体", "办公楼", "商务广场")),
    ("industrial", ("厂房", "生产基地", "年产")),
    ("civic", ("中心", "图书馆", "档案馆", "城市更新", "污水处理厂", "停车场")),
)
# Families share work kinds and name patterns; buildings of every use register much the same works.
FAMILY_OF_KIND: Mapping[str, str] = {
    "residential": "building",
    "commercial": "building",
    "school": "building",
    "hospital": "building",
    "industrial": "industrial",
    "civic": "civic",
    "metro": "metro",
    "metro_interval": "metro_interval",
    "road": "road",
    "bridge": "bridge",
    "pipe_gallery": "pipe_gallery",
}
# Relative number of works a project of each kind registers: a metro station registers many.
WORKS_PER_KIND: Mapping[str, int] = {
    "residential": 3,
    "commercial": 4,
    "school": 2,
    "hospital": 3,
    "industrial": 2,
    "civic": 2,
    "metro": 4,
    "metro_interval": 3,
    "road": 1,
    "bridge": 2,
    "pipe_gallery": 2,
}

# Sub-type weights (per mille of a family's works). Excavation, formwork, scaffolding and lifting dominate,
# as in every city's registry; manual dug piles are nearly gone from Jiangsu (soft ground, and restricted).
SUB_TYPE_WEIGHTS: Mapping[str, Mapping[str, int]] = {
    "building": {
        "foundation_pit": 210, "concrete_support": 170, "tool_formwork": 15, "load_bearing_support": 8,
        "non_standard_lifting": 8, "machinery_installation": 25, "machinery_erection": 160,
        "ground_steel_tube": 50, "attached_lifting": 80, "cantilevered": 95, "suspended_platform": 45,
        "unloading_platform": 45, "special_shaped": 8, "general": 8, "curtain_wall": 30,
        "steel_structure": 18, "space_frame_membrane": 4, "manual_dug_pile": 2, "precast_installation": 30,
        "integral_jacking": 2, "new_technology": 3,
    },
    "industrial": {
        "foundation_pit": 100, "concrete_support": 100, "tool_formwork": 30, "load_bearing_support": 20,
        "non_standard_lifting": 40, "machinery_installation": 80, "machinery_erection": 90,
        "ground_steel_tube": 60, "cantilevered": 20, "suspended_platform": 20, "unloading_platform": 30,
        "special_shaped": 20, "general": 30, "special_structure": 10, "steel_structure": 150,
        "space_frame_membrane": 40, "precast_installation": 30, "integral_jacking": 10, "new_technology": 10,
    },
    "civic": {
        "foundation_pit": 150, "concrete_support": 160, "load_bearing_support": 40, "non_standard_lifting": 20,
        "machinery_installation": 40, "machinery_erection": 80, "ground_steel_tube": 50,
        "attached_lifting": 30, "cantilevered": 50, "suspended_platform": 30, "unloading_platform": 30,
        "special_shaped": 40, "general": 30, "special_structure": 5, "curtain_wall": 60,
        "steel_structure": 80, "space_frame_membrane": 80, "manual_dug_pile": 2, "underwater": 5,
        "integral_jacking": 20, "new_technology": 20,
    },
    "metro": {
        "foundation_pit": 300, "concrete_support": 100, "non_standard_lifting": 60,
        "machinery_installation": 40, "machinery_erection": 80, "unloading_platform": 20, "general": 20,
        "mining_method": 80, "shield": 200, "pipe_jacking": 10, "new_technology": 5,
    },
    "metro_interval": {
        "foundation_pit": 120, "non_standard_lifting": 100, "machinery_installation": 30,
        "machinery_erection": 100, "mining_method": 150, "shield": 500,
    },
    "road": {
        "foundation_pit": 220, "concrete_support": 90, "non_standard_lifting": 20,
        "machinery_installation": 70, "machinery_erection": 20, "ground_steel_tube": 20, "general": 90,
        "special_structure": 40, "mining_method": 20, "pipe_jacking": 160, "underwater": 20,
        "integral_jacking": 10,
    },
    "bridge": {
        "foundation_pit": 120, "tool_formwork": 60, "concrete_support": 250, "non_standard_lifting": 80,
        "machinery_installation": 120, "machinery_erection": 80, "ground_steel_tube": 30,
        "special_structure": 50, "steel_structure": 60, "underwater": 100, "integral_jacking": 50,
    },
    "pipe_gallery": {
        "foundation_pit": 400, "concrete_support": 150, "machinery_installation": 80,
        "machinery_erection": 40, "general": 20, "shield": 30, "pipe_jacking": 150,
    },
}  # fmt: skip

# Name patterns per sub-type and family ("*" for any family): {b} a building or part, {m}/{mk} a machine's
# model and kind, {seg} a chainage segment, {sys} a support system, {old} a structure to demolish.
NAME_PATTERNS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "foundation_pit": {
        "*": ("{b}基坑支护及土方开挖工程", "地下车库基坑支护及土方开挖工程", "{b}基坑支护、降水及土方开挖工程",
              "基坑支护及降水工程", "{b}深基坑支护工程"),
        "metro": ("车站主体基坑围护及土方开挖工程", "{b}基坑围护及开挖工程", "车站附属结构基坑工程"),
        "metro_interval": ("{b}基坑围护及开挖工程",),
        "road": ("{seg}污水管道沟槽开挖及支护工程", "{seg}雨水管道沟槽支护工程", "下穿通道基坑支护及降水工程"),
        "bridge": ("{b}承台基坑开挖及支护工程", "{b}钢板桩围堰基坑工程"),
        "pipe_gallery": ("综合管廊{seg}基坑支护及土方开挖工程", "管廊节点井基坑支护工程"),
    },
    "tool_formwork": {
        "*": ("{b}核心筒液压爬模工程", "{b}核心筒液压爬升模板工程", "{b}标准层飞模工程"),
        "industrial": ("{b}筒仓滑模工程", "原料筒仓液压滑模工程"),
        "bridge": ("主塔液压爬模工程", "{b}高墩液压爬模工程"),
    },
    "concrete_support": {
        "*": ("{b}高支模工程", "地下车库顶板高支模工程", "{b}大堂高大模板支撑工程", "{b}{sys}模板支撑工程",
              "{b}转换层模板支撑工程", "{b}屋面构架高支模工程"),
        "civic": ("{b}屋面梁高支模工程", "{b}大空间高支模工程", "{b}高大模板支撑工程"),
        "metro": ("车站顶板模板支撑工程", "车站中板及顶板{sys}支架工程"),
        "bridge": ("{b}现浇箱梁满堂支架工程", "{b}现浇连续箱梁{sys}支架工程"),
        "road": ("{seg}箱涵模板支撑工程", "下穿通道顶板模板支撑工程"),
        "pipe_gallery": ("综合管廊{seg}模板支撑工程",),
    },
    "load_bearing_support": {
        "*": ("{b}钢结构临时支撑胎架工程", "钢连廊满堂支撑体系工程", "{b}钢桁架拼装支撑体系工程",
              "{b}屋盖钢结构满堂支撑架工程"),
    },
    "non_standard_lifting": {
        "*": ("{b}屋面钢桁架双机抬吊工程", "{b}大型设备吊装工程", "{b}钢连廊整体吊装工程"),
        "metro": ("盾构机吊装下井工程", "盾构机吊出及转场吊装工程"),
        "bridge": ("钢箱梁双机抬吊工程", "{b}钢箱梁非常规吊装工程"),
        "industrial": ("大型设备非常规吊装工程", "{b}桅杆式起重机吊装工程", "{b}钢结构双机抬吊工程"),
    },
    "machinery_installation": {
        "*": ("{b}钢结构构件吊装工程", "{b}机电设备吊装工程", "{b}屋面钢构件汽车吊安装工程"),
        "metro": ("地下连续墙钢筋笼吊装工程", "车站钢支撑吊装工程"),
        "bridge": ("预制T梁吊装工程", "预制小箱梁吊装工程", "{b}预制盖梁吊装工程"),
        "road": ("预制箱涵吊装工程", "{seg}预制构件吊装工程"),
        "pipe_gallery": ("综合管廊预制舱段吊装工程",),
    },
    "machinery_erection": {
        "*": ("{b}{m}{mk}安装拆卸工程",),
        "metro": ("{m}{mk}安装拆卸工程",),
        "road": ("{m}{mk}安装拆卸工程",),
        "bridge": ("{m}{mk}安装拆卸工程",),
        "pipe_gallery": ("{m}{mk}安装拆卸工程",),
    },
    "ground_steel_tube": {
        "*": ("{b}落地式钢管脚手架工程", "{b}外墙落地式双排脚手架工程", "{b}电梯井脚手架工程",
              "{b}采光井脚手架工程"),
        "bridge": ("{b}高墩落地式钢管脚手架工程",),
    },
    "attached_lifting": {
        "*": ("{b}附着式升降脚手架工程", "{b}全钢附着式升降脚手架工程", "{b}附着式升降操作平台工程"),
    },
    "cantilevered": {"*": ("{b}悬挑式脚手架工程", "{b}型钢悬挑脚手架工程", "{b}工字钢悬挑外脚手架工程")},
    "suspended_platform": {"*": ("{b}高处作业吊篮工程", "{b}外墙装饰吊篮工程", "{b}幕墙施工吊篮工程")},
    "unloading_platform": {"*": ("{b}悬挑式卸料平台工程", "{b}落地式卸料平台工程", "{b}型钢悬挑卸料平台工程")},
    "special_shaped": {
        "*": ("{b}异型脚手架工程", "{b}弧形外立面异型脚手架工程", "{b}穹顶满堂异型脚手架工程"),
        "industrial": ("{b}烟囱异型脚手架工程", "{b}筒仓异型脚手架工程"),
    },
    "general": {
        "*": ("场地内既有建筑拆除工程", "原{old}拆除工程"),
        "road": ("{seg}沿线既有建筑拆除工程", "既有道路及附属设施拆除工程"),
        "metro": ("车站范围既有建筑拆除工程",),
    },
    "special_structure": {
        "*": ("原水塔拆除工程", "原烟囱拆除工程"),
        "industrial": ("原厂区烟囱拆除工程", "原水塔拆除工程"),
        "road": ("既有高架桥拆除工程", "{seg}旧桥拆除工程", "沿线原码头拆除工程"),
        "bridge": ("旧桥拆除工程", "老桥上部结构拆除工程"),
    },
    "mining_method": {
        "metro": ("{b}矿山法暗挖通道工程",),
        "metro_interval": ("{n}号联络通道冻结法暗挖工程", "{n}号联络通道及泵房矿山法暗挖工程"),
        "*": ("下穿隧道矿山法暗挖工程",),
    },
    "shield": {
        "metro": ("盾构区间隧道工程", "{span}区间盾构工程", "区间{side}盾构隧道工程"),
        "*": ("综合管廊盾构段工程",),
    },
    "pipe_jacking": {
        "*": ("{seg}污水管道顶管工程", "DN{dn}钢筋混凝土管顶管工程", "{seg}雨水管顶管穿越工程"),
        "pipe_gallery": ("综合管廊顶管段工程", "{seg}管廊顶管穿越工程"),
    },
    "curtain_wall": {
        "*": ("{b}幕墙安装工程", "{b}单元式玻璃幕墙安装工程", "{b}石材幕墙安装工程", "{b}铝板幕墙安装工程"),
    },
    "steel_structure": {
        "*": ("裙房钢结构屋盖吊装工程", "{b}钢结构安装工程", "{b}钢结构连廊安装工程", "{b}钢结构屋盖安装工程"),
        "industrial": ("{b}钢结构厂房安装工程", "{b}钢结构安装工程"),
        "bridge": ("钢箱梁安装工程", "{b}钢混组合梁安装工程"),
    },
    "space_frame_membrane": {
        "*": ("{b}网架屋盖安装工程", "{b}屋面网架提升安装工程", "{b}索膜结构安装工程", "入口索膜雨棚安装工程"),
    },
    "manual_dug_pile": {"*": ("{b}人工挖孔桩工程", "{b}人工挖孔灌注桩工程")},
    "underwater": {
        "*": ("取水口水下作业工程", "{b}水下封底工程"),
        "bridge": ("{b}水中承台钢围堰施工工程", "{b}钻孔桩水下作业工程"),
        "road": ("{seg}涵洞水下作业工程",),
    },
    "precast_installation": {
        "*": ("{b}装配式混凝土预制构件安装工程", "{b}预制叠合板及预制楼梯安装工程", "{b}预制外墙板安装工程"),
    },
    "integral_jacking": {
        "*": ("{b}整体顶升工程", "钢结构屋盖整体提升工程", "{b}整体平移工程"),
        "bridge": ("{b}转体施工工程", "{b}整体顶升工程"),
    },
    "new_technology": {
        "*": ("{b}新型装配式钢支撑体系施工工程（四新）", "{b}集成式智能顶升施工平台工程（四新）",
              "{b}新型模块化支护结构施工工程（四新）"),
    },
}  # fmt: skip

# What a project of each kind calls its buildings or parts; residential blocks are numbered.
PARTS: Mapping[str, tuple[str, ...]] = {
    "commercial": ("主楼", "裙房", "A座", "B座", "塔楼", "1#办公楼", "2#办公楼"),
    "school": ("教学楼", "综合楼", "实验楼", "风雨操场", "图书馆", "行政楼", "食堂"),
    "hospital": ("门诊楼", "住院楼", "医技楼", "综合楼", "急诊楼"),
    "civic": ("主楼", "体育馆", "游泳馆", "展厅", "大剧院", "报告厅", "综合楼"),
    "metro": ("车站主体", "1号出入口", "2号出入口", "3号出入口", "1号风亭", "2号风亭"),
    "metro_interval": ("盾构始发井", "盾构接收井", "中间风井"),
    "industrial": ("综合楼", "仓库", "动力站", "研发楼", "办公楼"),
    "road": ("主线", "匝道", "下穿通道"),
    "bridge": ("主桥", "引桥", "1#墩", "2#墩", "3#墩", "4#墩", "5#墩"),
    "pipe_gallery": ("节点井", "投料口", "通风口"),
}
# A civic project's parts follow what it is: a sports centre has a 体育馆, a treatment plant 生化池.
CIVIC_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("体育", ("体育馆", "游泳馆", "主体育场", "全民健身馆")),
    ("会展", ("1#展厅", "2#展厅", "登录厅", "会议中心")),
    ("文化艺术", ("大剧院", "音乐厅", "美术馆")),
    ("图书馆", ("主楼", "报告厅", "书库")),
    ("污水", ("生化池", "二沉池", "综合楼", "鼓风机房")),
    ("停车场", ("地下停车场", "出入口匝道")),
)
MAX_BUILDING_NUMBER = {"residential": 32, "industrial": 12}
# Names that place a work without a building: 地下车库基坑… is at the garage, 裙房钢结构… on the podium.
PLACE_PREFIXES = ("地下车库", "裙房", "钢连廊", "原料筒仓", "取水口", "入口", "车站", "管廊节点井")
SIDES = ("北侧", "南侧", "东侧", "西侧", "东北角", "西南角", "中部")
OLD_STRUCTURES = ("办公楼", "厂房", "宿舍楼", "商业用房", "仓库", "住宅楼", "锅炉房")
SUPPORT_SYSTEMS = ("盘扣式", "盘扣式", "盘扣式", "扣件式钢管")
PIPE_DIAMETERS = (800, 1000, 1200, 1350, 1500, 1650, 1800, 2000, 2200, 2400, 3000)


@dataclass(frozen=True)
class Machine:
    """A lifting machine: rated capacity (kN) and the ranges its erection height and foundation take."""

    model: str
    kind: str
    capacity: int
    height: tuple[float, float]
    foundation: tuple[float, float]


TOWER_CRANE = "塔式起重机"
HOIST = "施工升降机"
GANTRY = "门式起重机"

# Rated capacities of common models (QTZ80 ≈ TC5610-6: 6 t = 60 kN); 300 kN and more needs a review.
MACHINES: Mapping[str, Machine] = {
    m.model: m
    for m in (
        Machine("QTZ63", TOWER_CRANE, 60, (30.0, 100.0), (-6.5, 0.5)),
        Machine("QTZ80", TOWER_CRANE, 60, (35.0, 150.0), (-9.5, 0.5)),
        Machine("QTZ125", TOWER_CRANE, 80, (40.0, 180.0), (-9.5, 0.5)),
        Machine("QTZ160", TOWER_CRANE, 100, (45.0, 215.0), (-12.5, 0.5)),
        Machine("TC7052", TOWER_CRANE, 160, (60.0, 230.0), (-15.5, 0.5)),
        Machine("ZSL750", "动臂式塔式起重机", 320, (150.0, 330.0), (-18.5, 0.5)),
        Machine("SC200/200", HOIST, 20, (30.0, 200.0), (-0.3, 0.5)),
        Machine("MG20t", GANTRY, 200, (9.0, 14.0), (-0.3, 0.5)),
        Machine("MG45t", GANTRY, 450, (12.0, 18.0), (-0.3, 0.5)),
        Machine("JQJ160-40", "架桥机", 1600, (8.0, 12.0), (5.0, 25.0)),
    )
}
MACHINE_WEIGHTS: Mapping[str, Mapping[str, int]] = {
    "building": {"QTZ63": 15, "QTZ80": 35, "QTZ125": 20, "QTZ160": 10, "TC7052": 4, "ZSL750": 1, "SC200/200": 25},
    "industrial": {"QTZ63": 20, "QTZ80": 30, "QTZ125": 10, "SC200/200": 10, "MG20t": 10},
    "civic": {"QTZ80": 30, "QTZ125": 25, "QTZ160": 15, "TC7052": 8, "SC200/200": 20},
    "metro": {"MG45t": 60, "MG20t": 30, "QTZ80": 10},
    "metro_interval": {"MG45t": 70, "MG20t": 30},
    "road": {"MG20t": 50, "MG45t": 30, "QTZ63": 20},
    "bridge": {"JQJ160-40": 40, "MG45t": 30, "MG20t": 10, "QTZ125": 20},
    "pipe_gallery": {"MG20t": 60, "MG45t": 30, "QTZ63": 10},
}  # fmt: skip


def kind_of_project(name: str) -> str:
    """The kind projects.py built a name for, read back from its words; roads are what is left."""
    for kind, markers in KIND_MARKERS:
        if any(marker in name for marker in markers):
            return kind
    return "road"


def patterns_for(sub_type: str, family: str) -> tuple[str, ...]:
    """Name patterns of a sub-type for a family, falling back to a metro station's, then the generic ones."""
    by_family = NAME_PATTERNS[sub_type]
    fallback = by_family.get("metro") if family == "metro_interval" else None
    return by_family.get(family) or fallback or by_family["*"]


def parts_of(kind: str, project_name: str) -> tuple[str, ...]:
    if kind == "civic":
        for marker, parts in CIVIC_PARTS:
            if marker in project_name:
                return parts
    return PARTS.get(kind, PARTS["commercial"])
