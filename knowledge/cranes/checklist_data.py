"""The inspection items per machine type, as rows, with the sources they were taken from.

**What the corpora held.** Neither JGJ 305-2013 《建筑施工升降设备设施检验标准》 nor GB/T 5031 / GB/T 10054's item
lists were found in the search corpora (exact-string and meaning searches for the titles, "JGJ 305", its conclusion
rule). What was found are two complete installation self-check forms of a Guangdong crane-management system,
item by item with their 保证项目 marked "★" and the rule that concludes them:

- TC: 塔式起重机安装自检表 GDAQ209010803, "检查依据" 广东 DBJ/T 15-73-2010《建筑塔式起重机安装检查评定规程》,
  GB 5144-2006, GB/T 5031-2008, JGJ 196-2010 …: 100 items, 36 保证项目 (repository zjt0428/myGitProjectRemote,
  WebContent/pages/print/data/TowerInstallTable.jsp, commit e336006).
- CH: 施工升降机安装自检表 GDAQ209010801, "检查依据" 《建筑施工升降机安装检验评定规程》 (its number is not shown),
  GB/T 10054-2005, GB 10055-2007, JGJ 215-2010 …: 99 items, 38 保证项目 (same repository,
  WebContent/pages/print/data/SInstallCheck.jsp). The form's own sequence numbers repeat (74-76 twice); the keys
  here follow its 项目编号, which do not.
- Both forms: "保证项目（序号带“★”的项目）全部合格，一般项目中不合格项目数不超过5项，此设备自检结论方为“合格”".
- MH: JGJ 88-2010 《龙门架及井架物料提升机安全技术规范》 clauses 4.1.10, 5.4.3 and 11.0.3, as a public standards
  knowledge base quotes them (code corpus, find_string id 55160702624). Which of them are 保证项目 is not stated
  there: the marking below is reasoned (a person-carrying ban and the hoisting rope are life-safety items).

- MH, version 2: the 保证项目 of JGJ 59-2011 《建筑施工安全检查标准》 表B.15 物料提升机检查评分表 (安全装置 15,
  防护设施 15, 附墙架与缆风绳 10, 钢丝绳 10, 安拆、验收与使用 10 points), line by line with each line's deduction,
  as two public copies of the table give them alike (pages corpus: qq94.com/fjx/1Epoz2, chaoshi.m.zjtcn.com
  classifydetails/1218097), beside version 1's JGJ 88-2010 clauses. The table's 一般项目 (基础与导轨架, 动力与传动,
  通信装置, 卷扬机操作棚, 避雷装置) were not found: they are not listed. Which lines are 保证项目 of *this* list is
  reasoned, as in version 1: a line whose deduction alone takes its whole item's points (未安装起重量限制器、防坠安全器,
  扣15分 of 15) is a key item here; a line deducting less, a range or per place is a general item.

So the tower crane and construction hoist lists are the Guangdong forms' items (all their 保证项目; a selection
of their 一般项目, chosen for having a measured value or being a frequent finding), the material hoist list is
three clauses (version 2 adds JGJ 59-2011 表B.15's 保证项目), and gantry and bridge cranes have no list yet. The wording is shortened from the forms; the item
numbers are the forms' 项目编号 (which follow the Guangdong standard's tables). Replace a list by adding a version.

Rows are ``(number, text, is_key, measure)``; ``measure`` is ``(unit, minimum, maximum, max_exclusive)`` with
bounds as decimal strings (None: no bound), inclusive unless ``max_exclusive`` says the standard writes "小于".
"""

from __future__ import annotations

VERSION_1 = "v1"

TC_STANDARD = "DBJ/T 15-73-2010"
CH_STANDARD = "《建筑施工升降机安装检验评定规程》（广东）"
MH_STANDARD = "JGJ 88-2010"
MH_TABLE = "JGJ 59-2011 表B.15"
MH_STANDARD_V2 = "JGJ 88-2010、JGJ 59-2011"
VERSION_2 = "v2"

MeasureRow = tuple[str, str | None, str | None, bool]
Row = tuple[str, str, bool, MeasureRow | None]

# fmt: off

# 塔式起重机: every 保证项目 of form GDAQ209010803, then a selection of its 一般项目.
TOWER_CRANE_ROWS_V1: tuple[Row, ...] = (
    ("1.1.1", "主要承载结构件及焊缝无裂纹，无整体或局部塑性变形，销孔无塑性变形，母材无严重锈蚀或磨损", True, None),
    ("1.4.9", "设有失压保护，供电中断后各用电设备处于断电状态，恢复供电时不自动启动", True, None),
    ("1.4.10", "各机构控制回路设置零位保护，且有效、可靠", True, None),
    ("1.4.13", "动臂变幅机构设置超速开关，且动作准确、可靠", True, None),
    ("1.5.1", "液压系统有防过载和液压冲击的安全装置，安全溢流阀调定压力不大于系统额定工作压力的110%", True,
     ("%", None, "110", False)),
    ("1.5.2", "顶升液压缸具有可靠的平衡阀或液压锁，且与液压缸之间不用软管连接", True, None),
    ("1.5.4", "顶升支承梁、爬爪、爬升支承座无变形、可见裂纹等缺陷", True, None),
    ("2.1.1", "塔机尾部与周围构筑物及外围施工设施之间的安全距离不小于0.6m", True, ("m", "0.6", None, False)),
    ("2.1.2", "两塔机间：低位塔机臂架端部与另一塔机塔身水平距离、高低位部件垂直距离均不小于2m", True,
     ("m", "2", None, False)),
    ("2.1.3", "塔机任何部位与架空输电线的安全距离符合规定，否则采取有效的安全防护措施", True, None),
    ("2.2.2", "固定支腿、预埋节由原制造厂制造（或有专业制造厂制造证明），地脚螺栓由有资质的专业厂制造", True,
     None),
    ("2.2.3", "基础混凝土强度等级符合相关技术标准和制造厂的要求", True, None),
    ("2.3.1a", "安装高度不超过设计允许的最大高度；独立状态或最高附着点以上塔身轴心线侧向垂直度偏差不大于4‰",
     True, ("‰", None, "4", False)),
    ("2.3.1b", "附着状态下最高附着点以下塔身轴心线侧向垂直度偏差不大于2‰", True, ("‰", None, "2", False)),
    ("2.3.2", "销轴规格及数量符合说明书，无缺件、可见裂纹、严重磨损，轴向定位装置规范、可靠", True, None),
    ("2.3.3", "主要受力结构件采用有性能等级标志的高强度螺栓，规格数量符合说明书，按要求拧紧", True, None),
    ("2.3.5", "司机室与悬挂或支承部分连接牢固，可移动司机室设有可靠的安全锁止装置", True, None),
    ("2.3.7", "不同型号塔机间结构部件未经制造厂书面许可不替换使用，不同制造厂的部件不替换使用", True, None),
    ("2.4.1", "附着使用时按说明书制定附着方案，并按方案附着", True, None),
    ("2.4.2", "附着框架、附着杆有原制造厂（或不低于其资质的专业制造厂）的制造证明", True, None),
    ("2.4.3", "附着装置与塔身节和附着物连接安全可靠，连接件齐全，不采用膨胀螺栓连接", True, None),
    ("2.5.2", "吊钩无补焊、非铸造，无裂纹、危险截面永久变形、超限磨损、开口度增加、扭转变形等缺陷", True, None),
    ("2.5.7", "钢丝绳无断股、扭结、压扁、弯折、笼状畸变、绳径超限减小、腐蚀、严重断丝等缺陷", True, None),
    ("2.5.10", "起升、回转、变幅、行走机构均配备制动器，起升、变幅、运行机构采用常闭制动器，制动平稳可靠", True,
     None),
    ("2.5.11", "制动器零部件无可见裂纹、衬垫及制动轮过度磨损、弹簧塑性变形、缺件、液压制动器漏油", True, None),
    ("2.6.6", "主电路和控制电路的对地绝缘电阻不小于0.5MΩ", True, ("MΩ", "0.5", None, False)),
    ("2.6.7", "塔机主体结构、电机机座和电气设备金属外壳等可靠接地，接地电阻不大于4Ω", True,
     ("Ω", None, "4", False)),
    ("3.1.1", "安装起重力矩限制器，动作灵敏、准确、可靠，限制值小于额定载荷的110%，显示误差不超过±5%", True,
     ("%", None, "110", True)),
    ("3.1.2", "安装起重量限制器，动作灵敏、准确、可靠，限制值小于额定载荷的110%，显示误差不超过±5%", True,
     ("%", None, "110", True)),
    ("3.1.3", "安装起升高度限位器，吊钩装置起升到极限位置（最小距离800mm）时停止起升，仍能下降", True,
     ("mm", "800", None, False)),
    ("3.1.5", "小车变幅塔机设小车行程限位开关和终端缓冲装置，停车时端部距缓冲装置不小于200mm；动臂变幅塔机设幅度"
     "限位开关和臂架防后倾装置", True, ("mm", "200", None, False)),
    ("3.1.7", "轨道式塔机每个运行方向设行程限位装置（限位开关、缓冲器、终端止挡）", True, None),
    ("3.1.8", "小车变幅塔机变幅双向设置小车断绳保护装置，且动作有效、可靠", True, None),
    ("3.1.9", "小车变幅塔机设置小车防坠落装置，车轮失效时小车不脱离臂架坠落", True, None),
    ("3.1.10", "轨道式塔机安装夹轨器，零件无缺损，工作有效、可靠", True, None),
    ("4.1.1", "空载试验：操作、控制系统和联锁装置动作准确、灵活，安全装置灵敏可靠，各机构运转正常、制动可靠",
     True, None),
    ("4.1.2", "额定载荷试验：各机构运转正常、制动可靠，关键零部件无裂纹、连接松动、损坏", True, None),
    # 一般项目 (a selection)
    ("1.1.9", "滑轮、起升卷筒及动臂变幅卷筒设钢丝绳防脱装置，与侧板最外缘间隙不超过钢丝绳直径的20%", False,
     ("%", None, "20", False)),
    ("1.3.3", "塔身底部固定耐用金属产品标牌，含名称型号、制造编号和出厂日期、制造厂、制造许可证号", False, None),
    ("1.3.7", "装设起重力矩和起重量报警装置，且动作准确、可靠", False, None),
    ("1.4.4", "有线遥控操纵台控制回路电压不高于48V；无线遥控失控时塔机能自行停止", False,
     ("V", None, "48", False)),
    ("1.4.12", "司机操作方便处设置非自动复位的紧急断电开关", False, None),
    ("2.2.4", "混凝土基础与方案一致，安装基准面平整度偏差不大于1‰，有排水措施", False, ("‰", None, "1", False)),
    ("2.3.6", "同规格标准节能任意组装，主肢结合处外表面阶差不大于2mm", False, ("mm", None, "2", False)),
    ("2.4.4", "附着杆与水平面之间的倾斜角不超过10°", False, ("°", None, "10", False)),
    ("2.5.1", "吊钩转动灵活，紧固件牢固，设有防止吊索或吊具脱出的装置", False, None),
    ("2.5.5", "钢丝绳放出最大工作长度后卷筒上至少保留3圈", False, ("圈", "3", None, False)),
    ("2.6.2", "设置专用开关箱，不用同一开关箱控制2台及以上用电设备", False, None),
    ("3.1.13", "臂架根部铰点高度大于50m的塔机配备风速仪，超限时发出停止作业警报", False, None),
)

# 施工升降机: every 保证项目 of form GDAQ209010801 (sub-rows of one 项目编号 kept as one item, except where the
# form gives a separate measurable limit), then a selection of its 一般项目.
CONSTRUCTION_HOIST_ROWS_V1: tuple[Row, ...] = (
    ("1.1.1", "导轨架、传动系统、吊笼立柱、承载梁和附墙架等主要受力构件无明显变形、裂纹、开焊和严重锈蚀磨损；"
     "标准节立管壁厚减少量不大于出厂厚度的25%", True, ("%", None, "25", False)),
    ("1.1.4", "吊笼顶部设紧急出口（或立面紧急逃离门），设电气安全开关，且动作有效、可靠", True, None),
    ("1.3.7", "吊笼顶用作安装、拆卸、维修平台时设顶部控制装置和非自行复位的急停开关", True, None),
    ("1.4.7", "传动系统设常闭式制动器，不采用带式制动器；多套独立传动系统各有独立制动器", True, None),
    ("1.4.8", "制动器具有手动松闸功能，撤除手动作用力后立即恢复制动", True, None),
    ("1.4.9", "液压泵组装有溢流阀，压力调整正确", True, None),
    ("1.4.10", "液压系统设旁通阀和制动器手动松闸装置，事故状态可手动下降", True, None),
    ("2.1.2", "围栏登机门装机械锁止装置和电气安全开关，吊笼位于底部规定位置时方可开启，门开启后吊笼不能起动",
     True, None),
    ("2.1.7", "升降机任何部件与外电架空线路边线的距离符合规定，否则采取安全防护措施", True, None),
    ("2.2.2", "基础混凝土强度等级不低于C25，并符合制造厂的要求", True, ("C", "25", None, False)),
    ("2.3.3", "销轴规格及数量符合说明书，无缺件、裂纹、严重磨损，轴向定位装置规范、可靠", True, None),
    ("2.3.4", "传动系统、导轨架、附墙架等采用不低于8.8级的高强度螺栓，无缺件，防松可靠，按要求拧紧", True, None),
    ("2.3.6", "导轨架超过最大独立高度时安装附墙架，实际安装高度不超过设计最大高度", True, None),
    ("2.3.7", "附墙架有原制造厂（或不低于其资质的专业制造厂）的制造证明", True, None),
    ("2.3.8", "附墙架与标准节和附着物连接安全可靠，连接件齐全，不采用膨胀螺栓连接", True, None),
    ("2.3.9", "导轨架顶端自由高度、附着点高度和间距、附着距离符合说明书，否则有制造厂认可的专项方案", True,
     None),
    ("2.4.6", "登机平台独立搭设，铺设严密牢固，正面临边硬质防护高度不低于1.8m", True,
     ("m", "1.8", None, False)),
    ("2.4.8", "吊笼门装机械锁止装置和电气安全开关，且动作灵敏、可靠", True, None),
    ("2.5.3", "齿轮齿条全宽啮合（不少于计算宽度的90%），齿面侧隙0.2～0.5mm", True,
     ("mm", "0.2", "0.5", False)),
    ("2.5.9", "钢丝绳不编织接长，无断股、扭结、压扁、笼状畸变、绳径减小7%及以上、腐蚀、严重断丝等缺陷", True,
     None),
    ("2.5.13", "制动器无可见裂纹、衬垫磨损达原厚度50%、制动弹簧塑性变形、缺件、漏油等缺陷", True, None),
    ("2.6.7", "阴暗处或夜班作业的升降机在全行程装设足够的照明和楼层编号标志灯", True, None),
    ("3.1.1", "每个吊笼装有与型号规格相匹配的防坠安全器；齿轮齿条式必须为渐进式，不采用瞬时式", True, None),
    ("3.1.2", "对重质量大于吊笼质量时设对重防坠安全装置或双向安全器；对重下方有通道时对重设防坠装置", True,
     None),
    ("3.1.3a", "防坠安全器有有效铅封或漆封，在有效标定期内使用，标定期不超过1年（自标定日起的月数）", True,
     ("月", None, "12", False)),
    ("3.1.3b", "防坠安全器的使用寿命不超过5年（自出厂日起的年数）", True, ("年", None, "5", False)),
    ("3.1.4", "吊笼和对重装设有效的防脱轨保护装置；采用安全钩时最高一对位于最低驱动齿轮之下", True, None),
    ("3.1.5", "每个吊笼设自动复位型上、下行程限位开关，由吊笼运动直接触发，动作可靠", True, None),
    ("3.1.7", "每个吊笼设非自动复位型上、下极限开关，动作可靠，且不与限位开关共用触发元件", True, None),
    ("3.1.10", "提升或对重钢丝绳不少于两条且相互独立时装非自行复位的防松绳开关，动作灵敏、可靠", True, None),
    ("3.1.11", "装设超载保护装置，对吊笼内载荷和吊笼顶部载荷均有效", True, None),
    ("3.1.12", "吊笼控制装置（含便携式）上装非自动复位型急停开关，动作灵敏、可靠", True, None),
    ("4.1.1", "空载试验：操作、控制系统灵活可靠，安全装置灵敏可靠，运行平稳，制动无瞬时滑移", True, None),
    ("4.1.2", "曳引驱动的钢丝绳式升降机平衡系数为0.4～0.5，对重压缩缓冲器时空载吊笼不能被提升", True,
     ("", "0.4", "0.5", False)),
    ("4.1.3", "额定载荷试验：操作、控制系统灵活可靠，安全装置灵敏可靠，运行平稳，起、制动正常", True, None),
    ("4.1.4", "坠落试验：防坠安全装置将吊笼制停，电气联锁开关动作，结构无损坏和永久变形", True, None),
    # 一般项目 (a selection)
    ("1.1.2", "吊笼门框净高度不小于2.0m、净宽度不小于0.6m，笼门开启高度不小于1.8m", False,
     ("m", "2.0", None, False)),
    ("2.1.1", "吊笼和对重升降通道周围设地面防护围栏，高度不低于1.8m", False, ("m", "1.8", None, False)),
    ("2.1.3", "地面吊笼出入口上方设防护棚，建筑物高度超过24m时设双层防护棚", False, None),
    ("2.3.2", "齿轮齿条式相邻标准节吊笼导轨接点阶差不大于0.8mm（对重导轨不大于0.5mm）", False,
     ("mm", None, "0.8", False)),
    ("2.3.10", "附墙架撑杆平面与附着面的法向夹角不大于8°", False, ("°", None, "8", False)),
    ("2.4.1", "各停层处设层门，层门不向吊笼运行通道一侧开启，装机械锁止装置", False, None),
    ("2.5.5", "钢丝绳型号规格符合设计要求，有产品检验合格证，直径不小于9mm", False, ("mm", "9", None, False)),
    ("2.6.5", "电气元件对地绝缘电阻不小于0.5MΩ（电气线路不小于1MΩ）", False, ("MΩ", "0.5", None, False)),
    ("2.6.6", "金属结构和电气设备金属外壳可靠接地，接地电阻不大于4Ω", False, ("Ω", None, "4", False)),
    ("3.1.6", "额定提升速度小于0.80m/s时，吊笼触发上限位开关后上部安全距离不小于1.8m", False,
     ("m", "1.8", None, False)),
    ("3.1.8", "齿轮齿条式升降机上极限开关与上限位开关之间的越程距离不小于0.15m", False,
     ("m", "0.15", None, False)),
)

# 物料提升机: the three JGJ 88-2010 clauses found (see the module docstring; 保证项目 marking reasoned).
MATERIAL_HOIST_ROWS_V1: tuple[Row, ...] = (
    ("11.0.3", "物料提升机严禁载人", True, None),
    ("5.4.3a", "提升吊笼钢丝绳直径不小于12mm", True, ("mm", "12", None, False)),
    ("5.4.3b", "提升吊笼钢丝绳安全系数不小于8", True, ("", "8", None, False)),
    ("4.1.10a", "物料提升机自由端高度不宜大于6m", False, ("m", None, "6", False)),
    ("4.1.10b", "附墙架间距不宜大于6m", False, ("m", None, "6", False)),
)
# 物料提升机, version 2: JGJ 59-2011 表B.15's 保证项目 line by line ("{item}{line}", the deduction in the
# comment; key where it is the item's whole score), then version 1's JGJ 88-2010 clauses.
MATERIAL_HOIST_ROWS_V2: tuple[Row, ...] = (
    ("1a", "安装起重量限制器、防坠安全器", True, None),  # 15 of 15
    ("1b", "起重量限制器、防坠安全器灵敏", True, None),  # 15 of 15
    ("1c", "安全停层装置符合规范要求并达到定型化", False, None),  # 5-10
    ("1d", "安装上行程限位", True, None),  # 15 of 15
    ("1e", "上行程限位灵敏，安全越程符合规范要求", False, None),  # 10
    ("1f", "安装高度超过30m时，安装渐进式防坠安全器、自动停层、语音及影像信号监控装置", False, None),  # 5 each
    ("2a", "设置防护围栏且符合规范要求", False, None),  # 5-15
    ("2b", "设置进料口防护棚且符合规范要求", False, None),  # 5-15
    ("2c", "停层平台两侧设置防护栏杆、挡脚板", False, None),  # 5 per place
    ("2d", "停层平台脚手板铺设严密、牢固", False, None),  # 2 per place
    ("2e", "安装平台门，平台防护设施门起作用", False, None),  # 5-15
    ("2f", "平台门达到定型化", False, None),  # 2 per place
    ("2g", "吊笼门符合规范要求", False, None),  # 10
    ("3a", "附墙架结构、材质、间距符合产品说明书要求", True, None),  # 10 of 10
    ("3b", "附墙架与建筑结构可靠连接", True, None),  # 10 of 10
    ("3c", "缆风绳设置数量、位置符合规范要求", False, None),  # 5
    ("3d", "缆风绳使用钢丝绳并与地锚连接", True, None),  # 10 of 10
    ("3e", "缆风绳钢丝绳直径不小于8mm", False, ("mm", "8", None, False)),  # 5-10
    ("3f", "缆风绳角度在45°～60°之间", False, ("°", "45", "60", False)),  # 5-10
    ("3g", "安装高度超过30m的物料提升机不使用缆风绳", True, None),  # 10 of 10
    ("3h", "地锚设置符合规范要求", False, None),  # 5 per place
    ("4a", "钢丝绳磨损、变形、锈蚀未达到报废标准", True, None),  # 10 of 10
    ("4b", "钢丝绳绳夹设置符合规范要求", False, None),  # 2 per place
    ("4c", "吊笼处于最低位置时，卷筒上钢丝绳不少于3圈", True, ("圈", "3", None, False)),  # 10 of 10
    ("4d", "设置钢丝绳过路保护措施，钢丝绳不拖地", False, None),  # 5
    ("5a", "安装、拆卸单位取得专业承包资质和安全生产许可证", True, None),  # 10 of 10
    ("5b", "制定专项施工方案并经审核、审批", True, None),  # 10 of 10
    ("5c", "履行验收程序，验收表经责任人签字", False, None),  # 5-10
    ("5d", "安装、拆除人员及司机持证上岗", True, None),  # 10 of 10
    ("5e", "作业前按规定进行例行检查并填写检查记录", False, None),  # 4
    ("5f", "多班作业按规定填写交接班记录", False, None),  # 3
    *MATERIAL_HOIST_ROWS_V1,
)
# fmt: on

# The forms' conclusion rule (see the module docstring). JGJ 305's own allowance was not found: policy.
MAX_GENERAL_FAILURES_V1 = 5
