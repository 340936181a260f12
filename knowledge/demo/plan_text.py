"""The text of a demo special construction plan (专项施工方案): the nine sections of 建办质〔2018〕31号 三."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from knowledge.demo import plan_vocabulary as words
from knowledge.demo.plan_calculations import ParamValue, calculation
from knowledge.demo.work_parameters import param_text
from knowledge.registry.rules import parameter

T = TypeVar("T")
CN_NUMBERS = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
HEADING_STYLES = 3  # 第一章 工程概况 / 一、工程概况 / 1 工程概况

# 施工方法, 技术措施 and 检查要求 per category; {…} are filled from the work's parameters and facts.
METHODS: Mapping[str, tuple[str, ...]] = {
    "excavation": (
        "土方开挖遵循“开槽支撑、先撑后挖、分层开挖、严禁超挖”的原则，分层厚度不大于2m。",
        "坑边3m范围内严禁堆载，施工荷载不大于20kPa，出土坡道设在基坑一侧并铺设钢板。",
        "降水采用{dewatering}，开挖前提前降水，地下水位控制在开挖面以下0.5～1.0m。",
        "坑底以上300mm土方采用人工清底，垫层随挖随浇，基底暴露时间不超过24h。",
        "钢支撑安装后按设计轴力的50%～80%施加预应力，温差较大时及时复加。",
    ),
    "formwork": (
        "立杆底部设可调底座及垫板，扫地杆距地不大于550mm，可调托撑伸出顶层水平杆不大于650mm。",
        "竖向斜杆（剪刀撑）按每5跨设置，水平剪刀撑在顶层及每隔4步设置一道。",
        "混凝土浇筑按先柱后梁板、由中部向两边对称分层进行，浇筑过程中安排专人监测。",
        "支架与已施工结构柱采用抱箍可靠拉结，竖向间距不大于两步。",
    ),
    "lifting": (
        "安装拆卸由具备相应资质的单位实施，作业前进行安全技术交底并划定警戒区。",
        "基础混凝土强度达到设计值的80%后方可安装，螺栓按规定扭矩预紧。",
        "安装完成后经自检、第三方检测机构检测合格，并在30日内办理使用登记。",
        "吊装前进行试吊，吊离地面200mm～300mm停留检查制动和吊索具。",
    ),
    "scaffolding": (
        "架体随结构施工逐层搭设，一次搭设高度不超过相邻连墙件以上两步。",
        "连墙件采用刚性连接，按两步三跨布置，转角及开口处加密。",
        "作业层满铺脚手板，外侧设1.2m防护栏杆及180mm挡脚板，密目网全封闭。",
        "升降作业时架体上严禁站人，升降完成后立即恢复附墙固定。",
    ),
    "demolition": (
        "拆除按自上而下、先非承重后承重的顺序进行，严禁数层同时拆除。",
        "拆除前切断水、电、燃气等管线，并设置硬质围挡和警戒区。",
        "机械拆除时边拆除边洒水降尘，建筑垃圾当日清运。",
    ),
    "underground": (
        "掘进参数根据监测数据动态调整，严格控制土仓压力和出土量。",
        "管片拼装自下而上、左右交叉进行，螺栓在脱出盾尾后复紧。",
        "同步注浆与掘进同步，注浆压力控制在0.2MPa～0.4MPa。",
        "开挖前进行超前探孔，确认冻结（加固）效果满足设计要求后方可开挖。",
    ),
    "other": (
        "构件吊装前复核吊点位置和构件重量，吊装时设置溜绳控制方向。",
        "临时支撑在结构形成稳定体系并验收合格后方可拆除。",
        "高处作业设置安全平台和生命线，作业人员全程系挂安全带。",
        "焊接作业办理动火审批，配备灭火器和接火盆，专人看火。",
    ),
}
SAFETY: Mapping[str, tuple[str, ...]] = {
    "excavation": ("基坑周边设1.2m防护栏杆及挡水墙，夜间设红灯示警。", "坑内设置不少于两处上下通道。"),
    "formwork": ("浇筑期间支架下方严禁站人，设置警戒区。", "混凝土强度达到设计要求并经同意后方可拆模。"),
    "lifting": (
        "设置力矩限制器、起重量限制器、高度限位等安全装置并保持灵敏有效。",
        "六级及以上大风、雷雨天气停止作业。",
    ),
    "scaffolding": (
        "悬挑梁锚固端采用两道U型锚环并用木楔塞紧。",
        "附着式升降脚手架设置防坠落、防倾覆和同步控制装置。",
    ),
    "demolition": ("拆除区周边设置隔离带，行人通道搭设双层防护棚。", "气割作业前清除可燃物并配备灭火器材。"),
    "underground": ("隧道内通风量满足每人每分钟3m³要求。", "洞口设置防淹门（挡水墙）及应急照明。"),
    "other": ("吊装区域设置警戒线，专人监护。", "孔内作业前检测有毒有害气体，作业时持续送风。"),
}
CHECKS: Mapping[str, str] = {
    "excavation": "每层开挖完成后检查支撑及围护结构渗漏，监测数据日报。",
    "formwork": "浇筑前由项目技术负责人组织检查立杆间距、步距和扣件（盘扣插销）紧固情况。",
    "lifting": "每班作业前检查限位、制动和钢丝绳，每月进行一次全面检查。",
    "scaffolding": "每次升降前后及遇大风、大雨后对架体进行检查并记录。",
    "demolition": "每日作业前检查机械状况和周边建筑变形情况。",
    "underground": "每环检查管片拼装质量及注浆量，每日复核盾构姿态。",
    "other": "每道工序完成后进行检查，合格后方可进入下一道工序。",
}


@dataclass(frozen=True)
class PlanContext:
    """What a plan says about its work: names, parties, people, parameters and dates."""

    key: str  # seeds the calculation's figures, so every version of a work shows the same ones
    work_name: str
    project_name: str
    address: str
    city: str
    location: str
    category: str
    category_label: str
    sub_type: str
    sub_type_label: str
    parameters: Mapping[str, ParamValue]
    facts: Mapping[str, str]
    verdict_label: str
    is_over_scale: bool
    citations: tuple[str, ...]
    units: Mapping[str, str]
    people: Mapping[str, str]
    planned_start: date
    planned_end: date


class _Facts(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def by_kind(table: Mapping[str, T], ctx: PlanContext) -> T:
    """The entry for the work's sub-type if the table has one, else its category's."""
    return table[ctx.sub_type] if ctx.sub_type in table else table[ctx.category]


def heading(style: int, index: int, title: str) -> str:
    if style == 0:
        return f"第{CN_NUMBERS[index]}章 {title}"
    if style == 1:
        return f"{CN_NUMBERS[index]}、{title}"
    return f"{index} {title}"


def subheading(style: int, index: int, sub: int, title: str) -> str:
    return f"（{CN_NUMBERS[sub]}）{title}" if style == 1 else f"{index}.{sub} {title}"


def parameter_lines(ctx: PlanContext) -> list[str]:
    lines = []
    for code, value in ctx.parameters.items():
        param = parameter(code)
        unit = param.unit if not isinstance(value, bool) else ""
        lines.append(f"{param.label}：{param_text(value)}{unit}")
    return lines


Section = list[tuple[str, list[str]]]  # (sub-heading, paragraphs)


def overview(ctx: PlanContext, rng: random.Random) -> Section:
    units = ctx.units
    parties = [
        f"建设单位为{units['owner']}",
        f"施工总承包单位为{units['general']}",
        f"监理单位为{units['supervisor']}",
    ]
    if "designer" in units:
        parties.append(f"设计单位为{units['designer']}")
    params = "；".join(parameter_lines(ctx)) or "本工程属于所列范围，无需量化参数"
    review = (
        "，专项施工方案须组织专家论证"
        if ctx.is_over_scale
        else "，专项施工方案经施工单位及监理单位审核后实施"
    )
    return [
        ("项目概况", [f"本项目为{ctx.project_name}，位于{ctx.address}。" + "，".join(parties) + "。"]),
        (
            "危大工程概况和特点",
            [
                f"{ctx.work_name}位于{ctx.location}，属于{ctx.category_label}中的“{ctx.sub_type_label}”。主要技术参数：{params}。",
                f"依据建办质〔2018〕31号{'、'.join(ctx.citations)}，本工程属于{ctx.verdict_label}{review}。",
            ],
        ),
        ("施工平面布置", [rng.choice(("材料堆场、加工区与作业区分区设置。", "作业区域采用硬质围挡封闭。"))]),
        ("施工要求和技术保证条件", ["施工前完成方案交底及安全技术交底，特种作业人员持证上岗。"]),
    ]  # fmt: skip


def basis(ctx: PlanContext, rng: random.Random) -> Section:
    own = by_kind(words.STANDARDS, ctx)
    extra = words.SUB_TYPE_STANDARDS.get(ctx.sub_type, ())
    standards = rng.sample(extra, min(1, len(extra))) + rng.sample(own, min(3, len(own)))
    standards += rng.sample(words.COMMON_STANDARDS, 1)
    # Decree 37 and Notice 31 are cited by every plan; the acts above them by some.
    laws = rng.sample(words.LAWS[:3], rng.randint(0, 1)) + list(words.LAWS[3:])
    return [
        ("法律法规", ["；".join(laws) + "。"]),
        ("标准规范", ["；".join(standards) + "。"]),
        ("其他依据", ["；".join(rng.sample(words.PROJECT_DOCUMENTS, 2)) + "。"]),
    ]


def schedule(ctx: PlanContext, rng: random.Random) -> Section:
    days = (ctx.planned_end - ctx.planned_start).days + 1
    equipment = [
        f"{name}{rng.randint(low, high)}{unit}"
        for name, unit, low, high in rng.sample(by_kind(words.EQUIPMENT, ctx), 4)
    ]
    return [
        ("施工进度计划", [f"计划{ctx.planned_start:%Y年%m月%d日}开工，{ctx.planned_end:%Y年%m月%d日}完成，总工期{days}日历天。"]),
        ("材料与设备计划", ["主要材料：" + "、".join(rng.sample(by_kind(words.MATERIALS, ctx), 3)) + "；主要设备："
                            + "、".join(equipment) + "。"]),
    ]  # fmt: skip


def technology(ctx: PlanContext, rng: random.Random) -> Section:
    facts = _Facts(ctx.facts)
    scheme = [f"支护方案：{ctx.facts['scheme']}"] if "scheme" in ctx.facts else []
    methods = [m.format_map(facts) for m in rng.sample(METHODS[ctx.category], rng.randint(1, 3))]
    return [
        ("技术参数", ["；".join(scheme + ["其余技术参数见工程概况"]) + "。"]),
        ("工艺流程", ["→".join(words.PROCESS.get(ctx.sub_type, words.PROCESS["new_technology"])) + "。"]),
        ("施工方法及操作要求", methods),
        ("检查要求", [CHECKS[ctx.category]]),
    ]


def safety(ctx: PlanContext, rng: random.Random) -> Section:
    people = ctx.people
    items = rng.sample(words.MONITORING[ctx.category], rng.randint(1, 3))
    monitoring = "；".join(f"{item}（{tool}，报警值{alarm}）" for item, tool, alarm in items)
    return [
        ("组织保障措施", [f"成立以项目经理{people['project_manager']}为组长的危大工程安全管理小组。"]),
        ("技术措施", [rng.choice(SAFETY[ctx.category])]),
        ("监测监控措施", [f"监测项目：{monitoring}。达到报警值时立即停止施工。"]),
    ]  # fmt: skip


def staffing(ctx: PlanContext, rng: random.Random) -> Section:
    people = ctx.people
    workers = "、".join(f"{w}{rng.randint(2, 12)}人" for w in by_kind(words.WORKERS, ctx))
    return [
        ("管理人员", [f"项目经理{people['project_manager']}，项目技术负责人{people['technical_lead']}，"
                      f"专职安全生产管理人员{people['safety_officer']}，方案编制人{people['author']}。"]),
        ("作业人员", [f"特种作业人员：{workers}，均持有效操作资格证书上岗。"]),
    ]  # fmt: skip


def acceptance(ctx: PlanContext, rng: random.Random) -> Section:
    people = ctx.people
    return [
        ("验收标准及程序", ["施工单位自检合格后报监理单位验收，验收合格并签字确认后方可进入下一道工序。"]),
        ("验收内容", ["、".join(rng.sample(by_kind(words.ACCEPTANCE_ITEMS, ctx), 3)) + "。"]),
        ("验收人员", [f"项目技术负责人{people['technical_lead']}、总监理工程师{people['chief_supervisor']}及专业监理工程师。"]),
    ]  # fmt: skip


def emergency(ctx: PlanContext, rng: random.Random) -> Section:
    hazards = rng.sample(by_kind(words.EMERGENCIES, ctx), rng.randint(1, 2))
    return [
        ("应急组织", [f"应急领导小组组长{ctx.people['project_manager']}，下设抢险组、技术组和医疗救护组。"]),
        ("应急处置", [f"{hazard}：{measure}。" for hazard, measure in hazards]),
        ("应急物资及联系", ["应急物资：" + "、".join(rng.sample(words.EMERGENCY_SUPPLIES, 4)) + f"。就近医院为{ctx.city}"
                            "第一人民医院，急救电话120。"]),
    ]  # fmt: skip


def calculations(ctx: PlanContext, rng: random.Random) -> Section:
    numbers = random.Random(f"{ctx.key}/calculation")
    drawings = "、".join(f"附图{i} {name}" for i, name in enumerate(by_kind(words.DRAWINGS, ctx), 1))
    return [
        ("计算书", calculation(ctx.sub_type)(ctx.parameters, ctx.facts, numbers)),
        ("相关施工图纸", [drawings + "。"]),
    ]


SECTIONS: tuple[Callable[[PlanContext, random.Random], Section], ...] = (
    overview,
    basis,
    schedule,
    technology,
    safety,
    staffing,
    acceptance,
    emergency,
    calculations,
)


def compose(
    ctx: PlanContext, rng: random.Random, *, number: int, note: str, submitted: date, omitted: frozenset[int]
) -> tuple[str, list[int]]:
    """The plan's text and the numbers (1-9) of the required sections it contains.

    Sections in ``omitted`` are left out and the others numbered on, as a real incomplete plan would be.
    """
    style = rng.randrange(HEADING_STYLES)
    lines = [
        ctx.project_name,
        f"{ctx.work_name}专项施工方案",
        f"编制单位：{ctx.units.get('author_unit', ctx.units['general'])}",
        f"编制人：{ctx.people['author']}　审核人：{ctx.people['technical_lead']}　审批人：{ctx.people['approver']}",
        f"编制日期：{submitted:%Y年%m月%d日}　版本：第{number}版",
    ]
    if note:
        lines.append(f"修订说明：{note}。")
    found: list[int] = []
    for section_number, build in enumerate(SECTIONS, 1):
        if section_number in omitted:
            continue
        found.append(section_number)
        index = len(found)
        lines.append(heading(style, index, words.SECTION_TITLES[section_number - 1]))
        for sub, (title, paragraphs) in enumerate(build(ctx, rng), 1):
            lines.append(subheading(style, index, sub, title))
            lines.extend(paragraphs)
    return "\n".join(lines) + "\n", found
