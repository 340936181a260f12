"""Word lists the demo generator builds invented Chinese names, addresses and titles from."""

from __future__ import annotations

from knowledge.regions import City

# City weights: a rough share of each city's building activity, so Suzhou and Nanjing get most projects.
CITY_WEIGHTS: dict[City, int] = {
    City.NANJING: 14,
    City.WUXI: 10,
    City.XUZHOU: 8,
    City.CHANGZHOU: 7,
    City.SUZHOU: 16,
    City.NANTONG: 9,
    City.LIANYUNGANG: 4,
    City.HUAIAN: 5,
    City.YANCHENG: 6,
    City.YANGZHOU: 5,
    City.ZHENJIANG: 4,
    City.TAIZHOU: 5,
    City.SUQIAN: 4,
}

PROVINCE_PREFIX = "江苏"

# Hand-picked 字号 (brand words): generic auspicious words; any match with a real company is chance.
BRANDS_CURATED = """
华建 中恒 金陵 苏源 宏泰 恒达 华宁 东方 天衡 永安 正邦 瑞丰 鼎盛 盛华 新城 远景 博远 长河 江天 润泽
锦程 汇通 中盈 嘉禾 华泰 兴宇 龙腾 腾远 启航 凯达 德信 诚达 通源 恒泰 中诚 宏图 金石 立信 信达
明珠 银河 天成 合力 协和 同创 众联 安居 海川 云山 青松 明辉 晨光 春晖 九州 中鼎 泰和 国润
鸿运 恒久 百川 精诚 建联 筑诚 楚天 吴越 淮海 江海 沿海 运河 太湖 钟山 紫金 栖霞 秦淮
维扬 润扬 通达 畅通 博大 卓越 优筑 匠心 精工 科建 智建 锡源 常信 淮信 盐都 泰兴 宿丰
金城 银建 安平 福地 瑞祥 祥和 和顺 顺达 达通 新宇 天宇 宇通 环宇 天元 元通 恒昌 昌盛 兴业
联创 创新 新力 力行 坤元 乾元 元泰 泰山 山海 海通 通联 嘉诚 诚信 信和 和泰 正源 源丰 丰华 华联 联兴
"""

# Two lists whose pairs widen the brand space enough for 30,000 unique names at province scale.
BRAND_FIRST = "华中金恒宏盛鼎瑞嘉锦汇润泰兴永昌正德信通天新东南江海博远安福宝荣卓隆凯明"
BRAND_SECOND = "建业达源泰丰诚信通成茂盛昌安宇鼎华瑞和联祥辉远邦晟基筑科峰坤"

# Industry words (行业表述) per internal kind; a kind refines EnterpriseType (constructors split in two).
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "owner": ("置业", "房地产开发", "城市建设投资", "投资发展", "置地", "实业", "城市发展"),
    "general": ("建设", "建工", "建筑工程", "土木工程", "建设工程", "市政工程", "建筑安装工程", "交通工程"),
    "specialty": (
        "地基基础工程",
        "钢结构工程",
        "幕墙工程",
        "建筑装饰工程",
        "机电安装工程",
        "起重设备安装工程",
        "爆破拆除工程",
        "脚手架工程",
        "隧道工程",
        "模架工程",
        "建筑科技",
        "预制构件",
    ),
    "supervisor": ("工程监理", "工程咨询", "建设监理", "工程项目管理", "建设管理咨询"),
    "surveyor": ("岩土工程", "勘察院", "岩土工程勘察", "地质勘察", "工程勘察"),
    "designer": ("建筑设计研究院", "勘察设计", "建筑设计", "规划设计研究院", "工程设计", "市政设计研究院"),
    "monitor": ("工程检测", "监测技术", "建设工程质量检测", "工程测试", "岩土监测技术"),
}

# The short words a numbered constructor subsidiary ends with: 某某建设集团第二工程有限公司.
NUMBERED_UNIT_WORDS = ("工程", "建设", "建筑工程", "安装工程")
CHINESE_ORDINALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")

# Common surnames with weights (per mille, national census order), nudged up for names common in Jiangsu.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 31), ("黄", 25), ("赵", 23),
    ("吴", 25), ("周", 24), ("徐", 24), ("孙", 16), ("马", 14), ("朱", 18), ("胡", 13), ("郭", 12),
    ("何", 11), ("高", 11), ("林", 11), ("罗", 10), ("郑", 9), ("梁", 9), ("谢", 8), ("宋", 7),
    ("唐", 7), ("许", 8), ("韩", 7), ("冯", 7), ("邓", 6), ("曹", 7), ("彭", 6), ("曾", 6),
    ("肖", 6), ("田", 6), ("董", 6), ("袁", 6), ("潘", 6), ("于", 5), ("蒋", 7), ("蔡", 5),
    ("余", 5), ("杜", 5), ("叶", 5), ("程", 5), ("苏", 4), ("魏", 4), ("吕", 4), ("丁", 5),
    ("任", 4), ("沈", 6), ("姚", 4), ("卢", 4), ("姜", 4), ("崔", 4), ("钟", 3), ("谭", 3),
    ("陆", 6), ("汪", 4), ("范", 3), ("金", 3), ("石", 3), ("廖", 3), ("贾", 3), ("夏", 3),
    ("付", 2), ("方", 2), ("白", 2), ("邹", 2), ("孟", 2), ("熊", 2), ("秦", 2), ("邱", 2),
    ("江", 2), ("尹", 2), ("薛", 2), ("闫", 1), ("段", 1), ("雷", 1), ("侯", 1), ("龙", 1),
    ("史", 1), ("陶", 2), ("黎", 1), ("贺", 1), ("顾", 4), ("毛", 1), ("郝", 1), ("龚", 1),
    ("邵", 2), ("万", 1), ("钱", 3), ("严", 2), ("武", 1), ("戴", 2), ("孔", 1), ("汤", 2),
    ("季", 1), ("缪", 1), ("华", 1), ("葛", 1), ("仲", 1), ("殷", 1), ("吉", 1), ("卞", 1),
)  # fmt: skip

# Given names typical of people born 1960–1985, the age of a senior engineer on an expert panel.
GIVEN_NAMES_TWO = """
建国 建华 建平 建军 建新 建明 国强 国平 国华 国庆 志强 志明 志刚 志军 卫东 卫国 卫华 永刚 永强 永平
晓东 晓明 晓峰 晓军 晓华 晓燕 晓红 晓梅 文斌 文华 文杰 文军 振华 振国 立新 立军 立群 新华 新民 新建
海涛 海峰 海军 海燕 红军 红梅 红霞 春华 春生 春林 秋生 冬梅 德明 德华 德胜 学军 学文 学明 玉林 玉华
金龙 金华 金生 宏伟 宏亮 宏斌 俊杰 俊峰 家俊 家明 继承 继红 中华 忠良 爱国 爱华 爱民 长青 长江 长春
明亮 明辉 明华 光明 光辉 世平 世杰 为民 亚军 亚平 伟东 伟民 伟华 庆丰 庆国 荣华 瑞华 少华 树林 松林
丽华 丽萍 丽娟 美华 秀英 秀兰 桂兰 桂英 玉兰 玉梅 雪梅 雪芳 慧敏 慧娟 静怡 燕萍 亚琴 建英 琴芳 小平
"""
GIVEN_NAMES_ONE = """
伟 军 勇 斌 峰 强 磊 涛 华 平 刚 杰 俊 健 林 海 波 宏 鹏 明 辉 锋 浩 亮 超 龙 飞 彬 锐 东
敏 静 燕 玲 芳 琳 红 霞 丽 萍 娟 英 洁 梅 艳 兰 颖 虹 琴 蓉
"""

# Professional titles of the senior grade that Notice 31 requires of an expert, with weights.
EXPERT_TITLES: tuple[tuple[str, int], ...] = (
    ("高级工程师", 55),
    ("正高级工程师", 18),
    ("教授级高级工程师", 12),
    ("研究员级高级工程师", 5),
    ("教授", 6),
    ("副教授", 4),
)

# Place-like words for 片区, 站, 花园 and so on; generic enough to fit any city.
PLACE_WORDS = """
九龙湖 滨江 新城 高铁新城 科技城 中央商务区 湖滨 东部新城 城南 城北 城东 城西 大学城 科学城
凤凰 翠屏 紫薇 梧桐 银杏 香樟 桃园 杏林 荷塘 柳岸 月湖 星湖 云湖 天鹅湖 南湖 北湖 西湖 东湖 金湖 白鹭
龙湾 虎山 鹤林 麒麟 天河 天池 锦绣 凤栖 雁鸣 芙蓉 海棠 玉兰 丁香 紫荆 兰亭 竹林 松涛 枫林 梅岭 桂园
泰和 永丰 长乐 安康 万福 吉祥 和平 振兴 富民 文昌 状元 学府 书院 新河 运河 古渡 双塘 三江 四季 五洲
"""

# Road stems: combined with a road suffix they give 双龙大道, 星湖街, 人民南路.
ROAD_STEMS = """
双龙 秣陵 星湖 人民 解放 中山 建设 长江 太湖 淮海 青年 和平 友谊 振兴 富民 学府 科技 创新 文昌 园区
金鸡 通江 沿江 滨河 环湖 跃进 胜利 新华 光明 东风 红旗 团结 幸福 工农 复兴 迎宾 世纪 时代 发展 开发
汇通 宏图 天元 龙蟠 凤凰 紫金 钟灵 秀水 清风 明月 春江 花园 桃源 翠竹 银杏 香山 云台 海滨 金港 银河
"""
ROAD_SUFFIXES: tuple[tuple[str, int], ...] = (
    ("路", 40), ("大道", 14), ("街", 10), ("东路", 8), ("西路", 8), ("南路", 7), ("北路", 7), ("中路", 6),
)  # fmt: skip

# River stems (+河): generic words, so no real river is put in the wrong city.
RIVER_STEMS = "清水 白马 龙池 万福 玉带 青龙 金沙 长春 新开 老坝 东沙 西塘 南门 北门"

# Functional zones that are not divisions in GB/T 2260, with the district a project there is filed under.
# 苏州工业园区 has no division code of its own in DISTRICTS; the demo files it under 吴中区.
ZONES: dict[City, tuple[tuple[str, str], ...]] = {
    City.NANJING: (("南京江北新区", "浦口区"), ("南京经济技术开发区", "栖霞区")),
    City.WUXI: (("无锡高新区", "新吴区"),),
    City.SUZHOU: (("苏州工业园区", "吴中区"), ("苏州高新区", "虎丘区")),
    City.CHANGZHOU: (("常州经开区", "武进区"),),
}

# Cities with a metro, and how many lines a demo name may use.
METRO_LINES: dict[City, int] = {
    City.NANJING: 11,
    City.SUZHOU: 8,
    City.WUXI: 5,
    City.CHANGZHOU: 3,
    City.XUZHOU: 6,
    City.NANTONG: 2,
}

PHASES = ("一期", "二期", "三期")
HOSPITAL_BUILDINGS = ("新建门诊楼", "新建住院楼", "医技综合楼", "感染病区", "急诊急救中心", "门急诊综合楼")
HOSPITAL_NAMES = (
    "第一人民医院",
    "第二人民医院",
    "第三人民医院",
    "中医院",
    "妇幼保健院",
    "人民医院",
    "儿童医院",
)
DISTRICT_HOSPITALS = ("人民医院", "中医院", "妇幼保健院", "第二人民医院", "中西医结合医院")
SCHOOL_KINDS = ("小学", "中学", "实验学校", "幼儿园", "高级中学", "九年一贯制学校")
COLLEGE_KINDS = ("职业技术学院", "技师学院", "高等职业技术学校")
COLLEGE_FIELDS = ("交通", "建筑", "工程", "信息", "机电", "商贸", "卫生", "财经", "科技")
PRODUCTS = (
    "新能源电池",
    "智能装备",
    "光伏组件",
    "汽车零部件",
    "高端装备",
    "集成电路封测",
    "生物医药",
    "精密机械",
    "新材料",
    "电子元器件",
)
CIVIC_BUILDINGS = ("体育中心", "图书馆新馆", "文化艺术中心", "会展中心", "市民中心", "档案馆", "养老服务中心")


def words(block: str) -> tuple[str, ...]:
    """Split a whitespace-separated block into its words, keeping their order."""
    return tuple(block.split())


def brand_words() -> tuple[str, ...]:
    """Every 字号 the generator may use, curated first, without repeats, in a fixed order."""
    seen: dict[str, None] = {}
    for brand in words(BRANDS_CURATED):
        seen.setdefault(brand, None)
    for first in BRAND_FIRST:
        for second in BRAND_SECOND:
            if first != second:
                seen.setdefault(first + second, None)
    return tuple(seen)


def city_short(city: City) -> str:
    """南京市 → 南京: the form a company name or a metro line is prefixed with."""
    return city.label.removesuffix("市")


def district_short(district: str) -> str:
    """江宁区 → 江宁, 沛县 → 沛县 (a one-character stem keeps its suffix)."""
    stem = district[:-1]
    return stem if len(stem) >= 2 else district
