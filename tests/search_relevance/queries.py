"""The labelled queries: what an engineer or a regulator types, and the graded relevant documents of each.

Grades: 2 = exactly about it, 1 = relevant. Each query names the failure of issue 19 it probes (``FAILURES``);
"general" ones are everyday searches. Documents are named by number: plans below 900, review conclusions from
900 (``doc_id``)."""

from __future__ import annotations

from dataclasses import dataclass

FAILURES = {
    "compound": "1 compound words all-or-nothing",
    "phrase": "2 long phrases, single characters swamp the score",
    "traditional": "3 traditional script not folded",
    "number": "4 document and standard numbers",
    "code": "5 model codes and their prefixes",
    "synonym": "6 every word must match, cross-synonym words",
    "title": "7 title versus body",
    "general": "everyday searches",
}


@dataclass(frozen=True)
class Query:
    text: str
    relevant: dict[str, int]  # doc_id -> grade
    failure: str


def doc_id(number: int) -> str:
    return f"review:{number}" if number >= 900 else f"plan:{number}"


def _q(text: str, failure: str, grades: dict[int, int]) -> Query:
    assert failure in FAILURES, failure
    return Query(text, {doc_id(n): g for n, g in grades.items()}, failure)


_DOC_87 = {106: 2, 109: 2, 112: 2, 207: 2}
_DOC_31 = {101: 2, 106: 2, 112: 2, 201: 2, 401: 2, 403: 2, 501: 2}
_JGJ_120 = dict.fromkeys((101, 102, 103, 104, 106, 108, 109, 110, 112, 113), 2)
_TOWER_80 = {301: 2, 311: 2, 313: 2}

QUERIES: list[Query] = [
    # 1 compounds
    _q("模板支撑体系", "compound", {201: 2, 203: 2, 207: 2, 210: 2, 208: 1, 205: 1, 202: 1, 911: 1}),
    _q("起重吊装", "compound", {306: 2, 307: 2, 308: 2, 314: 2, 921: 2, 310: 1, 301: 1}),
    _q("应急预案", "compound", {114: 2, 112: 1, 901: 1, 931: 1, 941: 1, 942: 1}),
    _q("深基坑", "compound", {101: 2, 106: 2, 112: 2, 901: 2, 107: 1, 110: 1, 111: 1, 903: 1}),
    _q("深基坑 支护", "compound", {101: 2, 106: 2, 112: 2, 107: 1, 110: 1, 102: 1}),
    _q("高大模板", "compound", {201: 2, 207: 2, 911: 2, 202: 1, 208: 1, 205: 1}),
    _q("起重机械安装", "compound", {301: 2, 304: 2, 309: 2, 312: 1, 302: 1, 305: 1}),
    _q("应急救援预案", "compound", {114: 2, 942: 2}),
    _q("基坑支护 钻孔灌注桩", "compound", {101: 2, 110: 2, 107: 2, 108: 1, 112: 1}),
    # 2 long phrases
    _q("危险性较大的分部分项工程", "phrase", {101: 2, 201: 2}),
    _q("超过一定规模的危险性较大的分部分项工程", "phrase", {201: 2}),
    _q("工程概况 塔式起重机", "phrase", {301: 2, 309: 2, 313: 1, 311: 1, 302: 1}),
    _q("盾构 工程概况", "phrase", {504: 2}),
    _q("编制依据 JGJ 162", "phrase", {201: 2, 202: 2, 203: 2, 207: 2, 208: 2, 210: 2}),
    _q("计算书 悬挑 工字钢", "phrase", {401: 2}),
    _q("悬挑梁锚固端楼板厚度", "phrase", {409: 2}),
    _q("分层分段对称平衡限时", "phrase", {101: 2}),
    # 3 traditional script
    _q("塔式起重机 安装拆卸", "traditional", {309: 2, 301: 2, 922: 2, 302: 1, 311: 1}),
    _q("花岗岩", "traditional", {508: 2, 509: 2}),
    _q("石材幕墙", "traditional", {509: 2, 508: 2}),
    _q("悬挑脚手架 工字钢", "traditional", {401: 2, 410: 2, 411: 2, 409: 2, 932: 1, 402: 1}),
    _q("高支模 滿堂支撐架", "traditional", {208: 2, 201: 2, 911: 1}),
    _q("塔式起重機", "traditional", {309: 2, 301: 2, 922: 2, 313: 1, 311: 1, 509: 1, 302: 1}),
    _q("钻孔灌注桩 内支撑", "traditional", {101: 2, 110: 2, 112: 1}),
    _q("腳手架", "traditional", {401: 2, 402: 2, 405: 2, 410: 2, 403: 1, 406: 1}),
    # 4 document and standard numbers
    _q("建质〔2009〕87号", "number", _DOC_87),
    _q("建质[2009]87号", "number", _DOC_87),
    _q("建质(2009)87号", "number", _DOC_87),
    _q("建质200987号", "number", _DOC_87),
    _q("建质【2009】87号", "number", _DOC_87),
    _q("建办质〔2018〕31号", "number", _DOC_31),
    _q("建办质201831号", "number", _DOC_31),
    _q("JGJ 120-2012", "number", _JGJ_120),
    _q("JGJ120", "number", _JGJ_120),
    _q("JGJ 120—2012", "number", _JGJ_120),
    _q("JGJ 162-2008", "number", {201: 2, 202: 2, 203: 2, 207: 2, 208: 2, 210: 2}),
    _q("JGJ 196-2010", "number", {301: 2, 302: 2, 303: 2, 309: 2, 311: 2, 313: 2}),
    _q("JGJ215-2010", "number", {304: 2, 305: 2}),
    _q("JGJ/T 231", "number", {202: 2, 406: 2, 912: 2}),
    _q("GB 50202", "number", {101: 2, 108: 2, 112: 2}),
    _q("GB 50497-2019", "number", {102: 2, 111: 2, 110: 1}),
    _q("建质〔2009〕254号", "number", {207: 2}),
    _q("JGJ 147-2016 拆除", "number", {501: 2, 502: 2, 517: 2}),
    _q("GB 50446-2017", "number", {504: 2, 516: 2}),
    # 5 model codes
    _q("QTZ80", "code", _TOWER_80),
    _q("QTZ80A(6010)", "code", {301: 2, 311: 2}),
    _q("QTZ5012", "code", {302: 2}),
    _q("QTZ5012A", "code", {302: 2}),
    _q("SC200/200", "code", {304: 2, 305: 2}),
    _q("SC200", "code", {304: 2, 305: 2}),
    _q("ZLP630", "code", {407: 2, 515: 2}),
    _q("ZLP 吊篮", "code", {407: 2, 508: 2, 515: 2}),
    _q("QTZ125", "code", {309: 2, 313: 2}),
    _q("QY50K 汽车吊", "code", {306: 2}),
    _q("6010 塔吊", "code", {301: 2, 311: 2}),
    _q("25t 汽车吊", "code", {301: 2, 306: 2}),
    # 6 every word must match, cross-synonyms
    _q("工字钢 悬挑", "synonym", {401: 2, 409: 2, 410: 2, 411: 2, 932: 2, 402: 1}),
    _q("槽钢 悬挑脚手架", "synonym", {402: 2, 401: 1, 409: 1, 410: 1, 411: 1, 408: 1}),
    _q("爬架", "synonym", {403: 2, 404: 2, 931: 2}),
    _q("附着式升降脚手架", "synonym", {403: 2, 404: 2, 931: 2}),
    _q("施工电梯", "synonym", {304: 2, 305: 2}),
    _q("履带吊", "synonym", {307: 2, 308: 2}),
    _q("盘扣架", "synonym", {406: 2, 202: 1, 205: 1, 912: 1}),
    _q("汽车起重机 吊装", "synonym", {306: 2, 307: 1, 502: 1, 301: 1, 302: 1}),
    _q("悬挑架", "synonym", {409: 2, 401: 2, 402: 2, 410: 2, 411: 2, 932: 1}),
    # 7 title versus body
    _q("高支模", "title", {201: 2, 202: 2, 207: 2, 208: 2, 911: 2, 912: 2, 205: 1, 210: 1}),
    _q("锚索 基坑", "title", {107: 2, 903: 2}),
    _q("矿山法 暗挖", "title", {507: 2, 505: 1}),
    _q("施工升降机 安装", "title", {304: 2, 305: 2}),
    _q("预压 支架", "title", {205: 2, 514: 1}),
    _q("格构柱 塔吊基础", "title", {311: 2, 106: 1}),
    _q("沉降观测 邻近住宅", "title", {107: 2}),
    _q("盘扣式钢管支架 预应力梁", "title", {205: 2}),
    # everyday searches
    _q("盾构", "general", {504: 2, 516: 2, 941: 2}),
    _q("爆破拆除", "general", {503: 2}),
    _q("静力切割", "general", {502: 2, 517: 2}),
    _q("顶管", "general", {506: 2}),
    _q("有限空间作业", "general", {511: 2}),
    _q("人工挖孔桩", "general", {512: 2}),
    _q("挂篮", "general", {514: 2}),
    _q("网架 提升", "general", {510: 2}),
    _q("修改后通过 深基坑", "general", {901: 2}),
    _q("双机抬吊", "general", {307: 2}),
    _q("防坠落装置", "general", {403: 2, 931: 2, 304: 1, 404: 1}),
    _q("管井降水", "general", {101: 2, 110: 2, 103: 1}),
    _q("SMW工法桩", "general", {102: 2, 902: 2}),
    _q("地下连续墙 逆作法", "general", {106: 2}),
    _q("钢板桩 沟槽", "general", {105: 2, 108: 1}),
    _q("满堂支撑架", "general", {201: 2, 208: 2, 207: 2, 210: 2, 517: 1}),
    _q("幕墙", "general", {508: 2, 509: 2, 515: 2, 943: 2}),
    _q("MJS 盾构接收", "code", {516: 2}),
    _q("连墙件", "general", {402: 2, 413: 2, 410: 1}),
    _q("吊篮", "general", {407: 2, 508: 1, 515: 1}),
]
