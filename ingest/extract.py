"""Actions, quantified targets and citations inside a span of normalized text.

Targets have their own module (``ingest.targets``); they are re-exported here.

Each extractor is a pure function of (text, offset) that yields model objects whose spans are
offsets into the document's normalized text. Rules are deliberately small and tested on the
corpus; what they cannot tell they leave out rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.model import Action, Citation
from ingest.targets import targets as targets  # re-exported: extract is the one entry point

# ---------------------------------------------------------------- actions
POLICY_VERBS = sorted(
    ["推动", "推进", "支持", "加快", "加强", "提升", "提高", "培育", "打造", "建设", "组织开展", "开展", "鼓励", "引导", "促进", "实施", "深入实施", "完善", "优化", "强化", "发挥", "建立", "举办", "拓展", "扩大", "巩固", "维护", "保障", "推广", "落实", "深化", "搭建", "依托", "用好", "培养", "引领", "营造", "做好", "抓好", "构建", "健全", "激发", "融合", "聚焦", "发展", "实现", "形成", "建成", "壮大", "创建", "遴选", "指导", "规范", "淘汰", "整合", "加大", "持续", "统筹", "畅通", "恢复", "满足", "传承", "承接", "辐射", "带动", "吸引", "集聚", "开发", "研究", "制定", "严格", "禁止", "采用", "推行", "探索", "鼓励支持", "宣传推广", "展示推广", "加快推进"],
    key=len,
    reverse=True,
)
_VERB_RE = re.compile("|".join(POLICY_VERBS))
_CLAUSE_RE = re.compile(r"[^，。；：！？\n]+")
_SUBJECT_PREFIX = re.compile(r"^(?:各地|各单位|有关行业协会|企业|我省|我市|全省|全市|省|市|积极|大力|着力|进一步|加快|深入|持续|全面|切实|要|将|力争)+")

INSTRUMENT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "supply": ("技术", "研发", "创新", "人才", "资金", "平台", "设备", "装备", "基础设施", "公共服务", "培训", "中试", "设计"),
    "environment": ("标准", "规范", "税", "金融", "融资", "监管", "规划", "政策", "法规", "机制", "监测", "治理", "布局", "认证"),
    "demand": ("消费", "市场", "需求", "出口", "采购", "展览", "展示", "宣传推介", "贸易", "海外", "销售", "推介"),
}


def instrument_type(phrase: str) -> str | None:
    """Supply / environment / demand by keyword votes (Rothwell & Zegveld); None on a tie or no vote."""
    votes = {kind: sum(phrase.count(w) for w in words) for kind, words in INSTRUMENT_KEYWORDS.items()}
    best = max(votes.values())
    winners = [k for k, v in votes.items() if v == best]
    return winners[0] if best and len(winners) == 1 else None


def actions(text: str, offset: int) -> Iterator[Action]:
    """A clause that opens with a policy verb (after an optional subject) is one action."""
    for clause in _CLAUSE_RE.finditer(text):
        body = clause.group()
        lead = _SUBJECT_PREFIX.match(body)
        skip = lead.end() if lead else 0
        verb = _VERB_RE.match(body, skip)
        if verb is None:
            continue
        obj = body[verb.end() :].strip()
        if len(obj) < 2 or len(obj) > 60:
            continue
        start = offset + clause.start() + verb.start()
        yield Action(verb.group(), obj, start, offset + clause.end(), instrument_type(body))


# ---------------------------------------------------------------- citations
_RELATIONS = ("为深入贯彻落实", "为贯彻落实", "贯彻落实", "为落实", "落实", "根据", "按照", "依据", "参照")
_TITLE = re.compile(r"《(?P<title>[^《》]{4,120})》(?:[（(](?P<num>[^（）()]{2,40}?〔\d{4}〕\d+号)[）)])?")
_RELATION_RE = re.compile("|".join(_RELATIONS))
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}〔\d{4}〕\d{1,4}号|(?:中华人民共和国)?(?P<org>[\u4e00-\u9fff]{2,12}?公告)\d{4}年第\d{1,3}号"
)


def citations(text: str, offset: int) -> Iterator[Citation]:
    """《title》（文号） after a relation word in the same clause; bare 《title》（文号） as ``cites``."""
    for m in _TITLE.finditer(text):
        clause_start = max((c.end() for c in re.finditer(r"[。；\n]", text[: m.start()])), default=0)
        prefix = text[clause_start : m.start()]
        rel = None
        for r in _RELATION_RE.finditer(prefix):
            rel = r.group()
        if rel is None and not m.group("num"):
            continue
        if re.search(r"(以下简称|简称|印发|见附件)\S{0,2}$", prefix) or text[m.end() : m.end() + 3] == "印发给":
            continue
        relation = (rel or "cites").removeprefix("为深入").removeprefix("为")
        yield Citation(relation, m.group("title"), m.group("num"), offset + m.start(), offset + m.end())


def doc_numbers(text: str) -> list[str]:
    """文号 in ``text``; 中华人民共和国 before a 公告 number is dropped (公告 numbers omit it)."""
    return [m.group().removeprefix("中华人民共和国") for m in _DOC_NUMBER.finditer(text)]
