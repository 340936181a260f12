"""The 计算书 of a demo plan: simplified checks by the real formulas, fed with the work's own parameters."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping

ParamValue = str | bool
Params = Mapping[str, ParamValue]
Facts = Mapping[str, str]
Calculation = Callable[[Params, Facts, random.Random], list[str]]

E_STEEL = 206_000.0  # N/mm², GB 50017-2017 table 4.4.8


def stability_factor(slenderness: float, yield_strength: float) -> float:
    """φ of an axially loaded b-class section, GB 50017-2017 appendix D (formulas D.0.5-1/2)."""
    lam_n = slenderness / math.pi * math.sqrt(yield_strength / E_STEEL)
    if lam_n <= 0.215:
        return 1 - 0.65 * lam_n**2
    b = 0.965 + 0.300 * lam_n + lam_n**2
    return (b - math.sqrt(b * b - 4 * lam_n**2)) / (2 * lam_n**2)


def num(params: Params, code: str) -> float:
    return float(str(params[code]))


def foundation_pit(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    depth_text = str(params["excavation_depth"])
    depth = float(depth_text)
    complex_site = (
        params.get("complex_conditions") is True or params.get("affects_adjacent_structures") is True
    )
    grade, gamma, ks_min, kov_min = (
        ("一级", "1.1", 1.35, 1.25) if depth >= 10 or complex_site else
        ("二级", "1.0", 1.30, 1.20) if depth >= 5 else ("三级", "0.9", 1.25, 1.15)
    )  # fmt: skip
    ks = ks_min + rng.uniform(0.02, 0.35)
    kov = kov_min + rng.uniform(0.05, 0.6)
    kb = 1.8 + rng.uniform(0.1, 1.5)
    drift = depth * rng.uniform(1.8, 3.2)
    return [
        f"基坑开挖深度{depth_text}m，支护方案为{facts.get('scheme', '钻孔灌注桩+内支撑')}。"
        f"采用理正深基坑软件按JGJ 120-2012进行计算，基坑支护安全等级{grade}，重要性系数γ0={gamma}。",
        "土层参数按勘察报告取值：①杂填土 γ=18.0kN/m³，c=8kPa，φ=10°；②粉质黏土 γ=19.2kN/m³，c=22kPa，φ=14°；"
        "③淤泥质粉质黏土 γ=17.8kN/m³，c=12kPa，φ=9°；④粉砂夹粉土 γ=18.9kN/m³，c=5kPa，φ=28°。",
        f"计算结果：整体稳定安全系数Ks={ks:.2f}≥{ks_min:.2f}，抗倾覆安全系数Kov={kov:.2f}≥{kov_min:.2f}，"
        f"坑底抗隆起安全系数Kb={kb:.2f}≥1.8，围护结构最大水平位移{drift:.1f}mm，均满足规范要求。",
    ]


def concrete_support(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    system = facts.get("sys") or "盘扣式"
    is_disc = system.startswith("盘扣")
    area, radius, fy, f = (571.0, 20.1, 355.0, 300.0) if is_disc else (506.0, 15.9, 235.0, 205.0)
    step = 1.5
    l0 = 1.2 * step if is_disc else 1.155 * 1.2 * (step + 2 * 0.2)
    lam = l0 * 1000 / radius
    phi = stability_factor(lam, fy)
    load, line = num(params, "total_load"), num(params, "line_load")
    spacing = next(s for s in (1.5, 1.2, 0.9, 0.6, 0.45) if load * s * s * 1000 / (phi * area) <= 0.85 * f)
    axial = load * spacing * spacing
    beam_step = next(s for s in (0.9, 0.6, 0.45, 0.3, 0.2) if line * s / 2 * 1000 / (phi * area) <= 0.85 * f)
    beam_axial = line * beam_step / 2
    lines = [
        f"模板支撑架搭设高度{params['support_height']}m，搭设跨度{params['support_span']}m，"
        f"施工总荷载设计值{params['total_load']}kN/m²，集中线荷载设计值{params['line_load']}kN/m。",
        f"采用{system}支架，板下立杆纵横间距{spacing}m×{spacing}m，水平杆步距{step}m，"
        f"立杆计算长度l0={l0:.2f}m，长细比λ={lam:.1f}≤150，稳定系数φ={phi:.3f}。",
        f"板下单根立杆轴力设计值N={axial:.2f}kN，σ=N/(φA)={axial * 1000 / (phi * area):.1f}N/mm²≤f={f:.0f}N/mm²，满足要求。",
        f"梁下立杆沿梁长间距{beam_step}m，单根立杆轴力N={beam_axial:.2f}kN，"
        f"σ={beam_axial * 1000 / (phi * area):.1f}N/mm²≤{f:.0f}N/mm²，满足要求。",
    ]
    if params.get("slender_independent") is True:
        lines.append("支撑架高宽比大于1且相对独立，按JGJ 162-2008设置抗倾覆缆风绳并与已施工结构可靠拉结。")
    return lines


def load_bearing_support(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    point = num(params, "point_load")
    phi = stability_factor(6000 / 74.6, 355)  # φ219×8 pipe, 6 m between lateral restraints
    sigma = point * 1.4 * 1000 / (phi * 5303)
    return [
        f"承重支撑体系承受单点集中荷载{params['point_load']}kN，胎架立柱采用φ219×8钢管（A=5303mm²，i=74.6mm）。",
        f"考虑动力系数1.4，立柱稳定性σ={sigma:.1f}N/mm²≤305N/mm²，胎架顶部分配梁采用HN400×200，满足要求。",
    ]


def rope_for(tension: float) -> tuple[int, float]:
    """The thinnest 6×37+FC rope (1770 MPa) with a breaking force of six times the tension or more."""
    for diameter in (16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 66, 72, 80, 90, 100):
        breaking = 0.53 * diameter * diameter
        if breaking >= 6 * tension:
            return diameter, breaking
    return 100, 0.53 * 100 * 100


def non_standard_lifting(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    weight = num(params, "lift_weight")
    tension = weight * 1.1 / (4 * math.sin(math.radians(60)))
    diameter, breaking = rope_for(tension)
    return [
        f"单件起吊重量{params['lift_weight']}kN（含吊索具），采用两台履带式起重机抬吊，"
        "按JGJ 276-2012每台起重机负荷不超过其额定起重量的80%。",
        f"吊索按4肢计算，与水平面夹角60°，单肢拉力T={tension:.1f}kN，选用φ{diameter}钢丝绳"
        f"（最小破断拉力{breaking:.0f}kN），安全系数K={breaking / tension:.1f}≥6，满足要求。",
    ]


def machinery_installation(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    heaviest = rng.uniform(2.0, 18.0)
    rated = heaviest / rng.uniform(0.45, 0.78)
    return [
        f"最重构件约{heaviest:.1f}t，吊装半径{rng.randint(8, 26)}m，所选起重机在该工况额定起重量{rated:.1f}t，"
        f"负荷率{heaviest / rated * 100:.0f}%≤80%，满足要求。",
        "地基承载力：起重机支腿下铺设2.0m×2.0m路基箱，最大支腿反力作用下接地比压小于场地承载力特征值。",
    ]


def machinery_erection(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    machine = f"{facts.get('machine', '')}{facts.get('machine_kind', '起重机械')}"
    side = rng.choice((5.0, 5.5, 6.0, 6.5))
    eccentricity = side / 4 * rng.uniform(0.45, 0.9)
    pressure = rng.uniform(90, 220)
    ties = max(0, int(num(params, "erection_height") // 30) - 1)
    return [
        f"{machine}额定起重量{params['crane_capacity']}kN，安装总高度{params['erection_height']}m，"
        f"基础标高{params['foundation_elevation']}m。",
        f"基础采用{side}m×{side}m×1.40m C35钢筋混凝土基础，按JGJ/T 187-2019验算："
        f"偏心距e={eccentricity:.2f}m≤b/4={side / 4:.3f}m，基底最大压力pkmax={pressure:.0f}kPa≤1.2fa，满足要求。",
        f"设附着装置{ties}道，附着杆内力及预埋件按使用说明书最不利工况复核，满足要求。"
        if ties
        else "独立高度范围内使用，不设附着装置。",
    ]


def scaffold_pole(height: float) -> tuple[float, float]:
    """Axial force (kN) and stress (N/mm²) of a double-row scaffold pole, JGJ 130-2011 section 5.2."""
    axial = 1.3 * (0.1291 * height + 2.1) + 1.5 * 2.025
    phi = stability_factor(1.155 * 1.5 * 1.8 * 1000 / 15.9, 235)
    return axial, axial * 1000 / (phi * 506)


def ground_steel_tube(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    axial, sigma = scaffold_pole(num(params, "scaffold_height"))
    lines = [
        f"脚手架搭设高度{params['scaffold_height']}m，立杆纵距1.5m、横距0.9m，步距1.8m，连墙件两步三跨布置。",
        f"底部立杆轴力设计值N={axial:.2f}kN，σ=N/(φA)={sigma:.1f}N/mm²≤205N/mm²，满足要求。",
    ]
    if num(params, "scaffold_height") >= 50:
        lines.append("架体高度超过50m，底部采用双立杆并分段设置钢丝绳卸荷，卸荷钢丝绳不参与计算。")
    return lines


def attached_lifting(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    point = rng.uniform(38, 62)
    return [
        f"附着式升降脚手架提升高度{params['lift_height']}m，架体高度14.4m（不大于5倍楼层高），架宽0.9m，"
        "直线布置支承跨度不大于7m，悬挑长度不大于2m。",
        f"单机位最大荷载{point:.1f}kN，选用7.5t电动葫芦（额定起重量75kN），荷载比{point / 75 * 100:.0f}%；"
        "防坠落装置制动距离不大于80mm，附墙支座穿墙螺栓采用2M30，满足JGJ 202-2010要求。",
    ]


def cantilevered(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    segment = num(params, "segment_height")
    axial, _ = scaffold_pole(segment)
    moment = axial * 1.2 + axial * 0.3
    return [
        f"分段架体搭设高度{params['segment_height']}m（约{max(1, round(segment / 2.9))}层），"
        "悬挑梁采用18#工字钢（Wx=185cm³），悬挑长度1.25m，锚固段长度1.75m，采用两道φ20 U型锚环。",
        f"立杆轴力N={axial:.2f}kN，悬挑梁最大弯矩M={moment:.2f}kN·m，"
        f"σ=M/(γxWx)={moment * 1e6 / (1.05 * 185_000):.1f}N/mm²≤215N/mm²，满足要求。",
    ]


def suspended_platform(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    rear = rng.choice((4.5, 4.6, 4.8))
    k = 1000 * rear / (1.3 * 1130)
    return [
        "吊篮型号ZLP630（额定载重量630kg），平台长度6m，悬挂机构前梁外伸1.3m，配重25块共1000kg。",
        f"抗倾覆系数K=G·b/(F·a)=1000×{rear}/(1130×1.3)={k:.2f}≥3，满足GB/T 19155-2017要求。",
    ]


def unloading_platform(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    tension = rng.uniform(14, 22)
    return [
        "卸料平台尺寸4.0m×2.2m，主梁采用[16a槽钢，次梁[10槽钢，限载1.0t并在显著位置悬挂限载牌。",
        f"斜拉钢丝绳φ20（6×19，破断拉力≥200kN），最大拉力{tension:.1f}kN，安全系数K={200 / tension:.1f}≥10，满足要求。",
    ]


def special_shaped(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    axial = rng.uniform(8, 16)
    return [
        "按架体实际形状建立空间杆系模型（3D3S）计算，考虑风荷载及施工荷载最不利组合。",
        f"立杆最大轴力N={axial:.2f}kN，σ={axial * 1000 / (0.26 * 506):.1f}N/mm²≤205N/mm²，满足要求。",
    ]


def demolition(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    pressure = 33 * 9.8 / 4.8
    return [
        f"拆除机械作业区地基承载力：破碎锤自重33t，履带接地面积4.8m²，接地比压p={pressure:.0f}kPa≤fak=120kPa。",
        "防护棚采用双层钢管搭设，层间距600mm，顶层满铺脚手板，按落物冲击荷载1.0kN复核，满足要求。",
    ]


def mining_method(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    holes = rng.randint(60, 90)
    return [
        f"冻结壁设计厚度2.0m，平均温度≤-10℃，布设冻结孔{holes}个，积极冻结期45d，盐水温度-28℃～-30℃。",
        f"冻结壁强度验算：最大弯曲拉应力{rng.uniform(0.5, 1.1):.2f}MPa≤允许值1.2MPa，满足要求。",
    ]


def shield(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    cover = rng.uniform(9, 20)
    grout = math.pi / 4 * (6.48**2 - 6.2**2) * 1.2 * 1.6
    length = f"{rng.uniform(600, 1800):.1f}"
    return [
        f"区间隧道长度{length}m，盾构机开挖直径6.48m，管片外径6.2m、内径5.5m、环宽1.2m，最大覆土厚度{cover:.1f}m。",
        f"土仓压力设定P=K0·γ·h={0.5 * 19 * cover / 100:.2f}bar；同步注浆量Q=π/4(D²-d²)·L·λ={grout:.2f}m³/环（λ=1.6）。",
    ]


def pipe_jacking(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    dn = int(facts.get("dn") or "1500")
    length = rng.uniform(60, 220)
    outer = dn * 1.2 / 1000
    force = math.pi * outer * length * 5 + math.pi / 4 * outer**2 * 300
    return [
        f"管道DN{dn}，单段顶进长度{length:.1f}m，采用触变泥浆减阻，管壁与土的平均摩阻力取5kN/m²。",
        f"总顶力F=πD0·L·fk+NF={force:.0f}kN（CECS 246:2008），小于管材允许顶力及后背墙承载力，不设中继间。",
    ]


def curtain_wall(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    height = num(params, "curtain_wall_height")
    mu_z = (max(height, 10) / 10) ** 0.30
    beta = 1 + 0.7 * (max(height, 10) / 10) ** -0.15
    return [
        f"幕墙施工高度{params['curtain_wall_height']}m，基本风压0.45kN/m²，地面粗糙度B类。",
        f"风荷载标准值wk=βgz·μs1·μz·w0={beta:.2f}×1.4×{mu_z:.2f}×0.45={beta * 1.4 * mu_z * 0.45:.2f}kN/m²；"
        "单元板块最大重量约650kg，采用环形轨道电动葫芦吊装，吊具安全系数不小于5。",
    ]


def steel_structure(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    heaviest = rng.uniform(8, 45)
    rated = heaviest / rng.uniform(0.5, 0.78)
    return [
        f"钢结构最大跨度{params['steel_span']}m，最重吊装单元约{heaviest:.1f}t。",
        f"采用履带式起重机吊装，作业半径处额定起重量{rated:.1f}t，负荷率{heaviest / rated * 100:.0f}%≤80%；"
        "跨中设临时支撑，卸载按10%、20%分级进行。",
    ]


def space_frame(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    span = num(params, "space_frame_span")
    weight = span * span * rng.uniform(0.035, 0.06)
    lifters = max(4, round(weight / 60))
    reaction = weight * 9.8 / lifters * 1.2
    return [
        f"网架（索膜）结构跨度{params['space_frame_span']}m，提升单元总重约{weight:.0f}t，设{lifters}个提升点。",
        f"单点最大反力{reaction:.0f}kN（含1.2倍不均匀系数），选用额定2000kN液压提升器，负载率{reaction / 20:.0f}%≤60%。",
    ]


def manual_dug_pile(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    depth = num(params, "pile_depth")
    pressure = 19 * depth * 0.49
    return [
        f"桩长（挖孔深度）{params['pile_depth']}m，桩径1200mm，护壁C25混凝土厚150mm，每节1.0m。",
        f"护壁最大土压力p=γhKa={pressure:.1f}kPa，环向压应力σ=pR/t={pressure * 0.75 / 0.15 / 1000:.2f}MPa，满足要求；"
        "孔深超过10m设机械送风，风量不小于25L/s。",
    ]


def underwater(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    water = rng.uniform(3, 9)
    seal = round(water * 0.22 + 0.5, 1)
    return [
        f"施工水位以下水深约{water:.1f}m，钢围堰封底混凝土C30厚{seal}m。",
        f"抗浮验算K=(G封底+G围堰+摩阻力)/F浮={rng.uniform(1.08, 1.3):.2f}≥1.05，满足要求。",
    ]


def precast_installation(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    heaviest = rng.uniform(2.5, 7.5)
    rated = heaviest / rng.uniform(0.5, 0.8)
    return [
        f"最重预制构件约{heaviest:.1f}t，塔吊在该吊装半径处额定起重量{rated:.1f}t，负荷率{heaviest / rated * 100:.0f}%。",
        "吊索与构件水平夹角不小于60°，吊点采用预埋吊钉，斜支撑每块构件不少于2道。",
    ]


def integral_jacking(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    weight = num(params, "structure_weight")
    points = max(4, round(weight / rng.uniform(900, 1600)))
    reaction = weight / points * 1.2
    jack = next(c for c in (1000, 2000, 3000, 5000, 10_000) if reaction <= 0.7 * c)
    return [
        f"结构重量{params['structure_weight']}kN，设{points}个顶升（平移）点，单点最大荷载{reaction:.0f}kN（不均匀系数1.2）。",
        f"选用{jack}kN液压千斤顶，负载率{reaction / jack * 100:.0f}%≤70%；PLC同步控制位移差不大于2mm。",
    ]


def new_technology(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    return [
        "本工艺尚无国家、行业及地方技术标准，已委托设计单位进行专项设计，并进行足尺模型试验。",
        f"试验荷载取设计荷载的1.2倍，实测最大变形{rng.uniform(3, 12):.1f}mm，小于限值，结果作为本方案的计算依据。",
    ]


def listed_only(params: Params, facts: Facts, rng: random.Random) -> list[str]:
    return ["按使用说明书及相关标准对主要受力构件进行复核，计算结果满足要求。"]


CALCULATIONS: Mapping[str, Calculation] = {
    "foundation_pit": foundation_pit,
    "concrete_support": concrete_support,
    "load_bearing_support": load_bearing_support,
    "non_standard_lifting": non_standard_lifting,
    "machinery_installation": machinery_installation,
    "machinery_erection": machinery_erection,
    "ground_steel_tube": ground_steel_tube,
    "attached_lifting": attached_lifting,
    "cantilevered": cantilevered,
    "suspended_platform": suspended_platform,
    "unloading_platform": unloading_platform,
    "special_shaped": special_shaped,
    "general": demolition,
    "special_structure": demolition,
    "mining_method": mining_method,
    "shield": shield,
    "pipe_jacking": pipe_jacking,
    "curtain_wall": curtain_wall,
    "steel_structure": steel_structure,
    "space_frame_membrane": space_frame,
    "manual_dug_pile": manual_dug_pile,
    "underwater": underwater,
    "precast_installation": precast_installation,
    "integral_jacking": integral_jacking,
    "new_technology": new_technology,
}


def calculation(sub_type: str) -> Calculation:
    return CALCULATIONS.get(sub_type, listed_only)
