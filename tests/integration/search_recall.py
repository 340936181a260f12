"""A labelled recall set: realistic plan, review and work snippets, and the documents each query must find."""

from __future__ import annotations

from typing import Any

CITY_NAMES = {
    "nanjing": "南京市",
    "wuxi": "无锡市",
    "xuzhou": "徐州市",
    "changzhou": "常州市",
    "suzhou": "苏州市",
    "nantong": "南通市",
    "lianyungang": "连云港市",
    "huaian": "淮安市",
    "yancheng": "盐城市",
    "yangzhou": "扬州市",
    "zhenjiang": "镇江市",
    "taizhou": "泰州市",
    "suqian": "宿迁市",
}
CATEGORY_NAMES = {
    "excavation": "基坑工程",
    "formwork": "模板工程及支撑体系",
    "lifting": "起重吊装及起重机械安装拆卸工程",
    "scaffolding": "脚手架工程",
    "demolition": "拆除工程",
    "underground": "暗挖工程",
    "other": "其它",
}

# (doc_id, city, category, year, unit, title, text)
_ROWS: list[tuple[str, str, str, int, str, str, str]] = [
    (
        "plan:101",
        "nanjing",
        "excavation",
        2024,
        "中建八局第三建设有限公司",
        "河西商业综合体深基坑支护专项施工方案",
        "基坑开挖深度15.2m，支护采用钻孔灌注桩加两道钢筋混凝土内支撑，三轴搅拌桩止水帷幕，坑内管井降水。"
        "开挖按分层分段对称进行，每层不超过2m，支撑达到设计强度后方可开挖下层土方。",
    ),
    (
        "plan:102",
        "wuxi",
        "excavation",
        2023,
        "无锡市建筑工程有限公司",
        "锡东新城住宅项目基坑工程专项施工方案",
        "基坑开挖深度7.8m，采用SMW工法桩结合一道φ609钢支撑，钢支撑施加预加轴力，坑外设轻型井点降水。",
    ),
    (
        "plan:103",
        "suzhou",
        "excavation",
        2024,
        "中亿丰建设集团股份有限公司",
        "金鸡湖地下车库超深基坑专项施工方案",
        "本工程为超深基坑，开挖深度22.4m，围护结构采用1000mm厚地下连续墙，采用逆作法施工，设置立柱桩及格构柱。",
    ),
    (
        "plan:104",
        "xuzhou",
        "excavation",
        2022,
        "徐州建工集团",
        "云龙区安置房基坑土钉墙支护方案",
        "基坑开挖深度5.5m，采用放坡加土钉墙支护，土钉长度6m至9m，面层喷射C20混凝土。",
    ),
    (
        "plan:105",
        "changzhou",
        "excavation",
        2023,
        "常州第一建筑集团有限公司",
        "滨河路雨水管沟槽开挖支护方案",
        "沟槽开挖深度6.2m，采用拉森钢板桩支护，设两道型钢围檩及钢管内支撑，沟槽临近河道需加强降水。",
    ),
    (
        "plan:106",
        "nantong",
        "formwork",
        2024,
        "南通四建集团有限公司",
        "会展中心大堂高大模板支撑体系专项施工方案",
        "大堂楼板搭设高度12.6m，施工总荷载18kN/m2，支撑采用承插型盘扣式钢管脚手架，立杆间距1.2m，设置竖向斜杆。",
    ),
    (
        "plan:107",
        "yangzhou",
        "formwork",
        2023,
        "扬州建工集团",
        "体育馆屋面梁高支模专项施工方案",
        "屋面大梁跨度24m，集中线荷载25kN/m，高支模采用扣件式钢管支撑，梁底立杆纵距0.45m，剪刀撑连续设置。",
    ),
    (
        "plan:108",
        "zhenjiang",
        "formwork",
        2024,
        "镇江建工建设集团",
        "转换层满堂支撑架专项方案",
        "转换层梁截面1200×2500，采用盘扣式脚手架搭设满堂支撑架，顶部可调托撑伸出长度不大于400mm。",
    ),
    (
        "plan:109",
        "nanjing",
        "lifting",
        2024,
        "江苏省建筑工程集团有限公司",
        "QTZ80塔式起重机安装拆卸专项施工方案",
        "本工程设QTZ80(TC5610)塔式起重机一台，独立高度40m，设三道附着装置，顶升加节时风速不得大于12m/s。",
    ),
    (
        "plan:110",
        "wuxi",
        "lifting",
        2023,
        "无锡二建",
        "住宅楼施工升降机安装拆除专项方案",
        "选用SC200/200型施工升降机，导轨架安装高度98m，设置附墙架，基础承载力不小于0.15MPa。",
    ),
    (
        "plan:111",
        "suzhou",
        "lifting",
        2024,
        "苏州二建建筑集团",
        "钢结构连廊吊装专项施工方案",
        "连廊钢梁单件最重38t，采用两台200t汽车起重机双机抬吊，吊装前进行试吊，起重作业半径内设警戒区。",
    ),
    (
        "plan:112",
        "huaian",
        "lifting",
        2022,
        "淮安建工",
        "装配式住宅预制构件吊装方案",
        "预制叠合板及预制楼梯采用150t履带起重机吊装，履带吊行走路线铺设路基箱，构件最重6.5t。",
    ),
    (
        "plan:113",
        "yancheng",
        "scaffolding",
        2023,
        "盐城市第一建筑安装有限公司",
        "高层住宅附着式升降脚手架专项施工方案",
        "主体结构施工采用附着式升降脚手架，架体高度4.5个楼层，设置防坠落装置和防倾覆装置，提升时停止架体上作业。",
    ),
    (
        "plan:114",
        "taizhou",
        "scaffolding",
        2024,
        "泰州建工",
        "悬挑式脚手架专项施工方案",
        "外架采用型钢悬挑脚手架，悬挑工字钢型号16#，每段搭设高度不超过20m，连墙件按两步三跨设置。",
    ),
    (
        "plan:115",
        "suqian",
        "scaffolding",
        2022,
        "宿迁建设集团",
        "厂房落地式钢管脚手架专项方案",
        "落地式钢管脚手架搭设高度52m，超过50m部分采用双立杆，立杆基础为C20混凝土硬化地面。",
    ),
    (
        "plan:116",
        "lianyungang",
        "scaffolding",
        2023,
        "连云港建工",
        "外墙涂料施工高处作业吊篮专项方案",
        "外墙涂料施工采用ZLP630型高处作业吊篮，悬挂机构配重按说明书设置，安全绳独立设置。",
    ),
    (
        "plan:117",
        "nanjing",
        "underground",
        2024,
        "中铁十四局集团有限公司",
        "地铁区间盾构下穿既有铁路专项施工方案",
        "区间隧道采用土压平衡盾构机掘进，下穿既有铁路段加强同步注浆，对路基沉降进行自动化监测。",
    ),
    (
        "plan:118",
        "suzhou",
        "underground",
        2023,
        "苏州市政工程有限公司",
        "污水主管顶管法施工专项方案",
        "DN1800钢筋混凝土管采用泥水平衡顶管法施工，工作井深度9.5m，顶进长度120m，设置中继间。",
    ),
    (
        "plan:119",
        "wuxi",
        "other",
        2022,
        "无锡地基基础工程公司",
        "人工挖孔桩专项施工方案",
        "人工挖孔桩桩径1.2m，挖孔深度18m，孔内作业属有限空间作业，须进行有毒有害气体检测并强制通风。",
    ),
    (
        "plan:120",
        "nanjing",
        "other",
        2024,
        "江苏合发集团",
        "办公楼单元式玻璃幕墙安装专项施工方案",
        "建筑幕墙高度82m，采用单元式玻璃幕墙，单元板块最重1.2t，采用屋面小吊车吊装。",
    ),
    (
        "plan:121",
        "changzhou",
        "other",
        2023,
        "常州钢结构公司",
        "体育中心屋盖网架整体提升方案",
        "屋盖采用螺栓球网架，跨度72m，地面拼装后液压同步整体提升，提升高度21m。",
    ),
    (
        "plan:122",
        "nantong",
        "demolition",
        2022,
        "南通爆破工程公司",
        "热电厂烟囱爆破拆除专项方案",
        "钢筋混凝土烟囱高度80m，采用定向爆破拆除，倒塌方向需避开周边厂房，设置减震堤。",
    ),
    (
        "review:201",
        "nanjing",
        "excavation",
        2024,
        "中建八局第三建设有限公司",
        "河西商业综合体深基坑专项方案专家论证",
        "论证结论：修改后通过。修改意见：补充钢支撑轴力监测点布置，明确监测报警值；完善基坑坍塌应急预案。",
    ),
    (
        "review:202",
        "yangzhou",
        "formwork",
        2023,
        "扬州建工集团",
        "体育馆高支模专项方案专家论证",
        "论证结论：不通过。专家意见：梁底立杆间距过大，计算书中荷载取值错误，需重新编制后再次论证。",
    ),
    (
        "review:203",
        "nanjing",
        "lifting",
        2024,
        "江苏省建筑工程集团有限公司",
        "塔机安装拆卸方案专家论证",
        "论证结论：通过。塔机基础承台配筋满足要求，附着杆件计算完整。",
    ),
    (
        "review:204",
        "yancheng",
        "scaffolding",
        2023,
        "盐城市第一建筑安装有限公司",
        "爬架专项方案专家论证",
        "论证结论：修改后通过。修改意见：补充防坠装置检测记录，明确提升过程中的监控措施。",
    ),
    (
        "review:205",
        "nanjing",
        "underground",
        2024,
        "中铁十四局集团有限公司",
        "盾构下穿既有铁路方案专家论证",
        "论证结论：修改后通过。专家意见：细化下穿段掘进参数，加密沉降监测频率，完善应急预案。",
    ),
    (
        "review:206",
        "lianyungang",
        "scaffolding",
        2023,
        "连云港建工",
        "吊篮方案专家论证",
        "论证结论：通过。吊篮安装、验收和使用要求明确。",
    ),
    (
        "work:301",
        "nanjing",
        "excavation",
        2024,
        "南京城建集团",
        "江北新区人才公寓深基坑工程",
        "危大工程登记：深基坑，开挖深度6.5m，属于超过一定规模的危大工程。",
    ),
    (
        "work:302",
        "suzhou",
        "formwork",
        2024,
        "苏州金螳螂建设",
        "商业中心中庭高大模板工程",
        "危大工程登记：高大模板，搭设高度10m，施工总荷载16kN/m2。",
    ),
    (
        "work:303",
        "xuzhou",
        "lifting",
        2023,
        "徐州建工集团",
        "群塔作业塔吊安装工程",
        "危大工程登记：群塔作业，塔吊4台，最大起重量8t。",
    ),
]


def _doc(row: tuple[str, str, str, int, str, str, str], number: int) -> dict[str, Any]:
    doc_id, city, category, year, unit, title, text = row
    kind = doc_id.split(":")[0]
    doc: dict[str, Any] = {
        "doc_id": doc_id,
        "kind": kind,
        "title": title,
        "url": f"/{kind}s/{doc_id.split(':')[1]}",
        "city": city,
        "city_name": CITY_NAMES[city],
        "category": category,
        "category_name": CATEGORY_NAMES[category],
        "year": year,
        "date": f"{year}-{(number % 12) + 1:02d}-{(number % 27) + 1:02d}",
        "units": [unit],
        "enterprise_ids": [number % 5 + 1],
        "published": kind == "review",
    }
    if kind == "plan":
        doc["sections"] = [
            ("1", "工程概况", text),
            ("2", "编制依据", "《危险性较大的分部分项工程安全管理规定》"),
        ]
    elif kind == "review":
        doc["conclusion"] = (
            "fail" if "不通过" in text else "pass_after_revision" if "修改后" in text else "pass"
        )
        doc["conclusion_text"] = text
    else:
        doc["body"] = text
    return doc


DOCS: list[dict[str, Any]] = [_doc(row, n) for n, row in enumerate(_ROWS)]

# query -> documents a searcher for it must find in the first ten hits
QUERIES: dict[str, set[str]] = {
    "深基坑": {"plan:101", "plan:103", "review:201", "work:301"},
    "高支模": {"plan:106", "plan:107", "review:202", "work:302"},
    "塔吊": {"plan:109", "review:203", "work:303"},
    "爬架": {"plan:113", "review:204"},
    "盘扣架": {"plan:106", "plan:108"},
    "施工电梯": {"plan:110"},
    "汽车吊 双机抬吊": {"plan:111"},
    "履带吊 预制构件": {"plan:112"},
    "钢支撑轴力": {"plan:102", "review:201"},
    "桩": {"plan:101", "plan:102", "plan:103", "plan:105", "plan:119"},
    "QTZ80 塔吊": {"plan:109"},
    "止水帷幕": {"plan:101"},
    "悬挑架": {"plan:114"},
    "地连墙 逆作法": {"plan:103"},
    '"沉降监测"': {"review:205"},
    "盾构 下穿": {"plan:117", "review:205"},
    "应急预案": {"review:201", "review:205"},
    "标题:幕墙": {"plan:120"},
    "单位:中建八局": {"plan:101", "review:201"},
    "修改后通过": {"review:201", "review:204", "review:205"},
    "吊篮": {"plan:116", "review:206"},
    "降水": {"plan:101", "plan:102", "plan:105"},
    "顶管": {"plan:118"},
    "有限空间": {"plan:119"},
    "网架 提升": {"plan:121"},
    "城市:南京 深基坑": {"plan:101", "review:201", "work:301"},
}


def recall_at(found: dict[str, list[str]], k: int = 10) -> float:
    """Mean over the queries of the share of the labelled documents among the first k hits."""
    shares = [len(set(found[q][:k]) & wanted) / len(wanted) for q, wanted in QUERIES.items()]
    return sum(shares) / len(shares)
