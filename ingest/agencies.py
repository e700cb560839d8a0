"""Agencies: canonical names, aliases, and the roles a text gives them.

Policy texts name agencies by short forms (工信部, 省发展改革委) that depend on who writes: a
provincial text's 省工业和信息化厅 is that province's department. ``canonical`` expands both,
with the region of the document as context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.model import Agency, AgencyRole

# Short form -> full name, for national bodies (the 2023 State Council naming).
NATIONAL_ALIASES: dict[str, str] = {
    "工信部": "工业和信息化部",
    "国家发展改革委": "国家发展和改革委员会",
    "发展改革委": "国家发展和改革委员会",
    "国家发改委": "国家发展和改革委员会",
    "发改委": "国家发展和改革委员会",
    "科技部": "科学技术部",
    "人民银行": "中国人民银行",
    "央行": "中国人民银行",
    "税务总局": "国家税务总局",
    "市场监管总局": "国家市场监督管理总局",
    "金融监管总局": "国家金融监督管理总局",
    "证监会": "中国证券监督管理委员会",
    "中国证监会": "中国证券监督管理委员会",
    "银保监会": "中国银行保险监督管理委员会",
    "海关总署": "海关总署",
    "卫生健康委": "国家卫生健康委员会",
    "国管局": "国家机关事务管理局",
    "能源局": "国家能源局",
    "纺织工业联合会": "中国纺织工业联合会",
    "中纺联": "中国纺织工业联合会",
    "国资委": "国务院国有资产监督管理委员会",
    "国务院国资委": "国务院国有资产监督管理委员会",
}
# Short forms of provincial / municipal departments, expanded after the region prefix
# (the official names follow the State Council's pattern in every province and city).
LOCAL_ALIASES: dict[str, str] = {
    "发展改革委": "发展和改革委员会",
    "发展和改革委": "发展和改革委员会",
    "发改委": "发展和改革委员会",
    "工信厅": "工业和信息化厅",
    "工信局": "工业和信息化局",
    "经信厅": "经济和信息化厅",  # provinces that kept the 经济和信息化 name (浙江, 四川 …)
    "经信局": "经济和信息化局",
    "经信委": "经济和信息化委员会",
    "发展改革局": "发展和改革局",
    "发改局": "发展和改革局",
    "科技厅": "科学技术厅",
    "科技局": "科学技术局",
    "市场监管局": "市场监督管理局",
    "地方金融监管局": "地方金融监督管理局",
    "人力资源社会保障厅": "人力资源和社会保障厅",
    "人力资源社会保障局": "人力资源和社会保障局",
    "人社厅": "人力资源和社会保障厅",
    "卫生健康委": "卫生健康委员会",
    "卫健委": "卫生健康委员会",
    "住房城乡建设厅": "住房和城乡建设厅",
    "住房城乡建设局": "住房和城乡建设局",
    "住建厅": "住房和城乡建设厅",
    "应急厅": "应急管理厅",
    "应急局": "应急管理局",
    "文化和旅游厅": "文化和旅游厅",
    "文旅厅": "文化和旅游厅",
    "交通厅": "交通运输厅",
    "国资委": "人民政府国有资产监督管理委员会",
    "政府": "人民政府",
    "政府办公厅": "人民政府办公厅",
    "政府办公室": "人民政府办公室",
}
# Short forms staff type for central bodies (最高法, 人社部, 林草局): the common abbreviations of the
# State Council's ministries, commissions, bureaus and the other central organs, with the older names
# texts of earlier years carry (国家旅游局, 食药监总局). Read in queries only: in a text, a bare
# 数据局 may be the tail of 省大数据局, and ingest names agencies by ``NATIONAL_ALIASES``.
CENTRAL_SHORT_FORMS: dict[str, str] = {
    "最高法": "最高人民法院", "最高院": "最高人民法院", "最高检": "最高人民检察院",
    "全国人大常委会": "全国人民代表大会常务委员会",
    "中央网信办": "中央网络安全和信息化委员会办公室", "国家网信办": "国家互联网信息办公室",
    "网信办": "国家互联网信息办公室", "中组部": "中共中央组织部", "中宣部": "中共中央宣传部",
    "国家民委": "国家民族事务委员会", "人社部": "人力资源和社会保障部", "人力资源社会保障部": "人力资源和社会保障部",
    "住建部": "住房和城乡建设部", "住房城乡建设部": "住房和城乡建设部", "交通部": "交通运输部",
    "环保部": "环境保护部", "文旅部": "文化和旅游部",
    "卫健委": "国家卫生健康委员会", "国家卫健委": "国家卫生健康委员会", "卫计委": "国家卫生和计划生育委员会",
    "退役军人部": "退役军人事务部", "应急部": "应急管理部", "广电总局": "国家广播电视总局",
    "体育总局": "国家体育总局", "统计局": "国家统计局", "国家统计局": "国家统计局", "医保局": "国家医疗保障局",
    "国家医保局": "国家医疗保障局", "粮食和储备局": "国家粮食和物资储备局", "国防科工局": "国家国防科技工业局",
    "烟草局": "国家烟草专卖局", "移民局": "国家移民管理局", "林草局": "国家林业和草原局",
    "国家林草局": "国家林业和草原局", "林业局": "国家林业局", "铁路局": "国家铁路局", "民航局": "中国民用航空局",
    "邮政局": "国家邮政局", "文物局": "国家文物局", "中医药局": "国家中医药管理局", "疾控局": "国家疾病预防控制局",
    "矿山安监局": "国家矿山安全监察局", "煤监局": "国家煤矿安全监察局", "外汇局": "国家外汇管理局",
    "药监局": "国家药品监督管理局", "国家药监局": "国家药品监督管理局", "食药监总局": "国家食品药品监督管理总局",
    "知识产权局": "国家知识产权局", "数据局": "国家数据局", "国家数据局": "国家数据局",
    "标准委": "国家标准化管理委员会", "国标委": "国家标准化管理委员会", "国家标准委": "国家标准化管理委员会",
    "认监委": "国家认证认可监督管理委员会", "质检总局": "国家质量监督检验检疫总局",
    "工商总局": "国家工商行政管理总局", "安监总局": "国家安全生产监督管理总局", "旅游局": "国家旅游局",
    "测绘地信局": "国家测绘地理信息局", "气象局": "中国气象局", "地震局": "中国地震局", "中科院": "中国科学院",
    "社科院": "中国社会科学院", "工程院": "中国工程院", "自然科学基金委": "国家自然科学基金委员会",
    "基金委": "国家自然科学基金委员会", "科协": "中国科学技术协会", "全国总工会": "中华全国总工会",
    "国家发展改革委": "国家发展和改革委员会", "国家能源局": "国家能源局", "能源局": "国家能源局",
}
# The same abbreviations after 省/市 or a place: that government's own department (省药监局); and
# 大数据局, the data bureau of many provinces and cities, so that its tail 数据局 is not the national one.
LOCAL_SHORT_FORMS: dict[str, str] = {
    "药监局": "药品监督管理局", "医保局": "医疗保障局", "科协": "科学技术协会", "大数据局": "大数据局",
}
# Party bodies (省委组织部 -> 中共山东省委组织部) and their short forms.
PARTY_ALIASES: dict[str, str] = {
    "网信办": "网络安全和信息化委员会办公室",
    "金融办": "金融委员会办公室",
    "编办": "机构编制委员会办公室",
}
ORG_SUFFIX = r"(?:办公厅|办公室|联合会|协会|委员会|人民政府|政府|总局|总署|银行|部|委|厅|局|署|院|会|(?<!公)司)"  # 司: a ministry's department (科技司), not a 公司
# A whole name (not free text) may also end in 办 (网信办), 馆 (档案馆) or 分行.
_ORG_NAME = re.compile(rf"^[\u4e00-\u9fff]{{1,20}}?(?:{ORG_SUFFIX}|办|馆|分行)$")
_ORG_MENTION = re.compile(
    rf"(?:(?:国家|国务院|中国|省|市|区|县|各设区市|[\u4e00-\u9fff]{{2,3}}[省市])?[\u4e00-\u9fff]{{0,10}}?){ORG_SUFFIX}"
)
_KNOWN = sorted(
    set(NATIONAL_ALIASES) | set(NATIONAL_ALIASES.values()) | {"国务院", "商务部", "教育部", "财政部", "工业和信息化部办公厅", "商务部办公厅"},
    key=len,
    reverse=True,
)
# Not inside a local name: 省发展改革委 holds 发展改革委 but is no national body.
_KNOWN_RE = re.compile("(?<![省市县区州委])(?:" + "|".join(map(re.escape, _KNOWN)) + ")")


def looks_like_agency(name: str) -> bool:
    return bool(_ORG_NAME.match(name)) and len(name) <= 24


def canonical(mention: str, *, region: str | None = None) -> str:
    """Full name of an agency mention; 省/市-prefixed short forms get the document's region.

    省发展改革委 in a Shandong text is 山东省发展和改革委员会, 省委网信办 there is
    中共山东省委网络安全和信息化委员会办公室, 济南市政府 is 济南市人民政府.
    """
    name = mention.strip().strip("等")
    if name.startswith("中华人民共和国") and looks_like_agency(name[7:]):
        name = name[7:]  # 中华人民共和国工业和信息化部 is 工业和信息化部
    if name in NATIONAL_ALIASES:
        return NATIONAL_ALIASES[name]
    vertical = re.fullmatch(r"(?P<place>[\u4e00-\u9fff]{2,3})(?P<body>金融监管局|证监局)", name)
    if vertical and "地方" not in vertical.group("place") and not vertical.group("place").startswith(("省", "市")):  # 山东金融监管局: a national body's branch
        parent = "国家金融监督管理总局" if vertical.group("body") == "金融监管局" else "中国证券监督管理委员会"
        return f"{parent}{vertical.group('place')}监管局"
    for prefix in ("省", "市"):
        place = _place_for(prefix, region) if name.startswith(prefix) and region else None
        if not place:
            continue
        rest = name[1:]
        if rest.startswith("委") and len(rest) > 1:  # 省委组织部, 省委网信办
            return f"中共{place}委{PARTY_ALIASES.get(rest[1:], rest[1:])}"
        if rest == "税务局":
            return f"国家税务总局{place}税务局"
        return place + LOCAL_ALIASES.get(rest, rest)
    return re.sub(r"(?<=[省市县区州])政府", "人民政府", name)  # 济南市政府 -> 济南市人民政府


def _place_for(prefix: str, region: str) -> str | None:
    """广东省广州市 with prefix 市 -> 广州市; with 省 -> 广东省."""
    m = re.match(r"^(?P<prov>[\u4e00-\u9fff]+?省)?(?P<city>[\u4e00-\u9fff]+?市)?$", region)
    if not m:
        return None
    return m.group("prov") if prefix == "省" else m.group("city")


def split_joined(name: str) -> list[str]:
    """Two agency names a copy ran together: 工业和信息化部办公厅国家标准化管理委员会办公室 -> both.

    Split only before a name that starts like a new agency (国家…, 中国…, a ministry's 国务院…),
    so 国家标准化管理委员会办公室 itself stays whole.
    """
    for m in re.finditer(r"(?<=[厅室部委局署院会])(?=国家|中国|中华人民共和国|国务院)", name):
        head, rest = name[: m.start()], name[m.start() :]
        if looks_like_agency(head) and looks_like_agency(rest):
            return [head, *split_joined(rest)]
    return [name]


def split_names(segment: str) -> list[str]:
    """Split a 、-separated list of agencies; drop trailing 等 and role words."""
    names = []
    for part in re.split(r"[、，,]", segment):
        part = re.sub(r"(等|按职责分工负责|分工负责|负责|牵头|配合|参与)+$", "", part.strip())
        part = re.sub(r"^(责任单位|牵头单位|配合单位)[：:]?", "", part)
        if part and looks_like_agency(part):
            names.append(part)
    return names


_ROLE_WORDS: list[tuple[str, AgencyRole]] = [("牵头", "lead"), ("配合", "cooperating"), ("参与", "cooperating"), ("负责", "responsible")]
_CLAUSE = re.compile(r"（([^（）]*?(?:牵头|负责|配合|责任单位)[^（）]*)）")


def responsibility_clauses(text: str, offset: int, *, region: str | None) -> Iterator[Agency]:
    """Agencies in clauses like （省工业和信息化厅、省发展改革委牵头，……按职责分工负责）."""
    for m in _CLAUSE.finditer(text):
        body_start = m.start(1)
        for part in re.finditer(r"[^，；。]+", m.group(1)):
            segment = part.group()
            role: AgencyRole = "responsible"
            for word, word_role in _ROLE_WORDS:
                if word in segment:
                    role = word_role
                    break
            if segment.startswith(("责任单位", "牵头单位")):
                role = "lead" if segment.startswith("牵头") else "responsible"
            cursor = 0
            for name in split_names(segment):
                pos = segment.find(name, cursor)
                cursor = pos + len(name)
                start = offset + body_start + part.start() + pos
                yield Agency(canonical(name, region=region), role, name, start, start + len(name))


def known_mentions(text: str, offset: int, *, role: AgencyRole) -> Iterator[Agency]:
    """Mentions of well-known national bodies anywhere in ``text``."""
    for m in _KNOWN_RE.finditer(text):
        yield Agency(canonical(m.group()), role, m.group(), offset + m.start(), offset + m.end())


def mentions(text: str) -> list[str]:
    """Candidate agency names in free text (for issuers and addressee lists)."""
    return [m.group() for m in _ORG_MENTION.finditer(text)]
