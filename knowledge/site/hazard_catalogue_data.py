"""The words of 《房屋市政工程生产安全重大事故隐患判定标准（2022版）》 (建质规〔2022〕2号), articles 4-15, as rows.

Transcribed from, and checked item by item against:

- A: repository yuluo554/siteguard, ``data/knowledge/regulations/seed_regulations.jsonl`` (commit 83555845),
  a verbatim extract of the ministry's docx attachment (www.mohurd.gov.cn/file/2022/20220422/
  79321b76-0f51-4144-bc7d-8cb033924efd.docx, linked from the Hunan provincial government's reprint of
  2022-04-24; sha256 ba0f5ad2…510a2 as its ``data/README.md`` records). Source A covers every item.
- B1: http://m.pingpingusa.com/937 (full-text reprint, 2022-04-25): articles 1-3 and article 4 (一)(二).
- B2: https://s.233.com/房屋市政工程生产安全重大事故隐患判定标准_news_1/?domain=jzs1: article 4 (一).
- B3: https://news.xuetian.cn/anquan/shiti-detail/786227 (exam key quoting article 7): article 7 (一)-(五).
- B4: https://jianshuapi.com/p/6644d28cf8d7 (full-text reprint): articles 8, 9, 10, 11 and 12.
- B5: http://wlllr.com/shijuan/11550_1.html?page=67 (exam options quoting article 9): article 9 (一)-(三).
- B6: https://cidian.kuaisou.com/ (exam key quoting article 13): article 13 (一)(二).
- B7: a public repository's fixture of the 2024 revision (建质规〔2024〕5号), which keeps article 5 (四)'s lead-in
  and its sub-item 4 in the same words: corroborates the structure of article 5 (四), not the 2022 text.

Items whose only stored copy is source A are marked "A only" beside them: the search corpora held no second
2022 copy of them (the 2025 Shenzhen Q&A pages zjj.sz.gov.cn quote the 2024 revision, whose articles 6 and 7
differ and are not evidence for 2022). Reprints B3-B6 use ASCII punctuation and "1、" numbering; only such
formatting differs, except where a comment says otherwise.

Rows are ``(article, item, sub_item, text)``: ``item`` 1 is （一）; 0 means the article has no numbered items and
the text is the whole article; ``sub_item`` 1 is "1." under an item, 0 when there is none. Text is the
standard's words without the closing "；" or "。".
"""

from __future__ import annotations

VERSION_2022 = "2022"
DOCUMENT_2022 = "建质规〔2022〕2号"
TITLE_2022 = "房屋市政工程生产安全重大事故隐患判定标准（2022版）"
ISSUED_2022 = "2022-04-19"  # the ministry's notice is dated 2022年4月19日 (shjx.org.cn, hbzaxh.com reprints)

# What each article is about, in the standard's words (the subject of its opening sentence).
ARTICLE_TOPICS_2022: dict[int, str] = {
    4: "施工安全管理",
    5: "基坑工程",
    6: "模板工程",
    7: "脚手架工程",
    8: "起重机械及吊装工程",
    9: "高处作业",
    10: "施工临时用电",
    11: "有限空间作业",
    12: "拆除工程",
    13: "暗挖工程",
    14: "施工工艺、设备和材料",  # no subject in the article's sentence; named for what it covers
    15: "其他",  # likewise: the catch-all of "其他严重违反……"
}

# The sentence that introduces the sub-items of an item: article 5 (四) is the only item with sub-items.
SUB_ITEM_LEAD_INS_2022: dict[tuple[int, int], str] = {
    (5, 4): "有下列基坑坍塌风险预兆之一，且未及时处理",
}

ROWS_2022: tuple[tuple[int, int, int, str], ...] = (
    # 第四条 施工安全管理有下列情形之一的，应判定为重大事故隐患：
    (4, 1, 0, "建筑施工企业未取得安全生产许可证擅自从事建筑施工活动"),  # A, B1, B2
    (
        4,
        2,
        0,
        "施工单位的主要负责人、项目负责人、专职安全生产管理人员未取得安全生产考核合格证书从事相关工作",
    ),  # A, B1
    (
        4,
        3,
        0,
        "建筑施工特种作业人员未取得特种作业人员操作资格证书上岗作业",
    ),  # A; B1 breaks off after "特种作业"
    (
        4,
        4,
        0,
        "危险性较大的分部分项工程未编制、未审核专项施工方案，或未按规定组织专家对"
        "“超过一定规模的危险性较大的分部分项工程范围”的专项施工方案进行论证",
    ),  # A only
    # 第五条 基坑工程有下列情形之一的，应判定为重大事故隐患：
    (
        5,
        1,
        0,
        "对因基坑工程施工可能造成损害的毗邻重要建筑物、构筑物和地下管线等，未采取专项防护措施",
    ),  # A only
    (5, 2, 0, "基坑土方超挖且未采取有效措施"),  # A only
    (5, 3, 0, "深基坑施工未进行第三方监测"),  # A only
    (5, 4, 1, "支护结构或周边建筑物变形值超过设计变形控制值"),  # A only; structure of (四) also B7
    (5, 4, 2, "基坑侧壁出现大量漏水、流土"),  # A only
    (5, 4, 3, "基坑底部出现管涌"),  # A only
    (5, 4, 4, "桩间土流失孔洞深度超过桩径"),  # A; the 2024 revision keeps these words (B7)
    # 第六条 模板工程有下列情形之一的，应判定为重大事故隐患：
    # (the 2024 revision renames the article 模板工程及支撑体系, rewords (一) and adds a fourth item)
    (6, 1, 0, "模板工程的地基基础承载力和变形不满足设计要求"),  # A only
    (6, 2, 0, "模板支架承受的施工荷载超过设计值"),  # A only
    (6, 3, 0, "模板支架拆除及滑模、爬模爬升时，混凝土强度未达到设计或规范要求"),  # A only
    # 第七条 脚手架工程有下列情形之一的，应判定为重大事故隐患：
    (7, 1, 0, "脚手架工程的地基基础承载力和变形不满足设计要求"),  # A, B3
    (7, 2, 0, "未设置连墙件或连墙件整层缺失"),  # A, B3
    (7, 3, 0, "附着式升降脚手架未经验收合格即投入使用"),  # A, B3
    (
        7,
        4,
        0,
        "附着式升降脚手架的防倾覆、防坠落或同步升降控制装置不符合设计要求、失效、被人为拆除破坏",
    ),  # A, B3
    # B3 writes "大于6m"; A (the docx) writes "大于6米": A kept.
    (7, 5, 0, "附着式升降脚手架使用过程中架体悬臂高度大于架体高度的2/5或大于6米"),
    # 第八条 起重机械及吊装工程有下列情形之一的，应判定为重大事故隐患：
    (
        8,
        1,
        0,
        "塔式起重机、施工升降机、物料提升机等起重机械设备未经验收合格即投入使用，或未按规定办理使用登记",
    ),  # A, B4
    (
        8,
        2,
        0,
        "塔式起重机独立起升高度、附着间距和最高附着以上的最大悬高及垂直度不符合规范要求",
    ),  # A, B4
    (8, 3, 0, "施工升降机附着间距和最高附着以上的最大悬高及垂直度不符合规范要求"),  # A, B4
    (
        8,
        4,
        0,
        "起重机械安装、拆卸、顶升加节以及附着前未对结构件、顶升机构和附着装置以及高强度螺栓、销轴、"
        "定位板等连接件及安全装置进行检查",
    ),  # A, B4
    (8, 5, 0, "建筑起重机械的安全装置不齐全、失效或者被违规拆除、破坏"),  # A, B4
    (8, 6, 0, "施工升降机防坠安全器超过定期检验有效期，标准节连接螺栓缺失或失效"),  # A, B4
    (8, 7, 0, "建筑起重机械的地基基础承载力和变形不满足设计要求"),  # A, B4
    # 第九条 高处作业有下列情形之一的，应判定为重大事故隐患：
    (
        9,
        1,
        0,
        "钢结构、网架安装用支撑结构地基基础承载力和变形不满足设计要求，"
        "钢结构、网架安装用支撑结构未按设计要求设置防倾覆装置",
    ),  # A, B4, B5
    (9, 2, 0, "单榀钢桁架（屋架）安装时未采取防失稳措施"),  # A, B4, B5
    (
        9,
        3,
        0,
        "悬挑式操作平台的搁置点、拉结点、支撑点未设置在稳定的主体结构上，且未做可靠连接",
    ),  # A, B4, B5
    # 第十条 (one sentence, no numbered items)
    (
        10,
        0,
        0,
        "施工临时用电方面，特殊作业环境（隧道、人防工程，高温、有导电灰尘、比较潮湿等作业环境）"
        "照明未按规定使用安全电压的，应判定为重大事故隐患",
    ),  # A, B4
    # 第十一条 有限空间作业有下列情形之一的，应判定为重大事故隐患：
    (
        11,
        1,
        0,
        "有限空间作业未履行“作业审批制度”，未对施工人员进行专项安全教育培训，"
        "未执行“先通风、再检测、后作业”原则",
    ),  # A, B4
    (11, 2, 0, "有限空间作业时现场未有专人负责监护工作"),  # A, B4
    # 第十二条 (one sentence)
    (12, 0, 0, "拆除工程方面，拆除施工作业顺序不符合规范和施工方案要求的，应判定为重大事故隐患"),  # A, B4
    # 第十三条 暗挖工程有下列情形之一的，应判定为重大事故隐患：
    (13, 1, 0, "作业面带水施工未采取相关措施，或地下水控制措施失效且继续施工"),  # A, B6
    (
        13,
        2,
        0,
        "施工时出现涌水、涌沙、局部坍塌，支护结构扭曲变形或出现裂缝，且有不断增大趋势，未及时采取措施",
    ),  # A, B6
    # 第十四条 (one sentence)
    (
        14,
        0,
        0,
        "使用危害程度较大、可能导致群死群伤或造成重大经济损失的施工工艺、设备和材料，应判定为重大事故隐患",
    ),  # A only
    # 第十五条 (one sentence, the catch-all)
    (
        15,
        0,
        0,
        "其他严重违反房屋市政工程安全生产法律法规、部门规章及强制性标准，且存在危害程度较大、"
        "可能导致群死群伤或造成重大经济损失的现实危险，应判定为重大事故隐患",
    ),  # A only
)
