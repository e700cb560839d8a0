"""Actions, quantified targets and citations inside a span of normalized text.

Each extractor is a pure function of (text, offset) that yields model objects whose spans are
offsets into the document's normalized text. Rules are deliberately small and tested on the
corpus; what they cannot tell they leave out rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.model import Action, Citation, Comparator, Target

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


# ---------------------------------------------------------------- targets
UNITS = (
    "万亿元|亿元|万元|元|万吨|吨|万件|件|家|个|名|位|项|条|座|批|套|台|万人|人|所|场|次|个百分点|%|倍|千亿级|百亿级"
)
_QUANTITY = re.compile(
    rf"(?P<pre>超过|达到|不少于|不低于|不超过|突破|力争|约|近|下降|提高|提升|增长)?"
    rf"(?P<num>\d+(?:\.\d+)?)(?:[—–-](?P<hi>\d+(?:\.\d+)?))?(?P<unit>{UNITS})(?P<post>以上|左右|以内|以下|以上的)?"
)
_TARGET_VERBS = re.compile(r"(培育|建成|建设|打造|力争|达到|突破|超过|形成|实现|展示推广|推广|新增|创建|认定|不少于|不低于|提高|下降)")
_DEADLINE = re.compile(r"到(?P<year>20\d{2})年(?P<end>底|末)?")
_CLAUSE_SPLIT = re.compile(r"[，；。：\n]")


def _comparator(pre: str | None, post: str | None) -> Comparator:
    if (post and post.startswith("以上")) or pre in ("不少于", "不低于", "力争", "突破"):
        return "atLeast"
    if pre == "超过":
        return "moreThan"
    if post in ("以内", "以下") or pre == "不超过":
        return "atMost"
    if post == "左右" or pre in ("约", "近"):
        return "approximately"
    if pre == "达到":
        return "atLeast"
    return "exactly"


def targets(text: str, offset: int) -> Iterator[Target]:
    """Quantities stated as goals: a target verb or comparator, or a deadline 到YYYY年 in the sentence."""
    for sentence in re.finditer(r"[^。；\n]+", text):
        s = sentence.group()
        if re.match(r"^\s*20\d{2}年[，,]", s):  # a statistic about a past year
            continue
        deadline = _DEADLINE.search(s)
        for m in _QUANTITY.finditer(s):
            if _is_not_a_target(s, m):
                continue
            clause_start = max((c.end() for c in _CLAUSE_SPLIT.finditer(s, 0, m.start())), default=0)
            window = s[max(clause_start, m.start() - 8) : m.start()]
            has_goal = bool(m.group("post") or m.group("pre") or _TARGET_VERBS.search(window))
            if not has_goal and not (deadline and deadline.start() < m.start()):
                continue
            comparator = _comparator(m.group("pre"), m.group("post"))
            if m.group("hi"):
                comparator = "atLeast"
            yield Target(
                quantity=float(m.group("num")),
                unit=m.group("unit"),
                comparator=comparator,
                subject=_subject(s, m, clause_start),
                text=m.group()[len(m.group("pre") or "") :],
                start=offset + sentence.start() + m.start("num"),
                end=offset + sentence.start() + m.end(),
                deadline=_deadline_iso(deadline) if deadline and deadline.start() < m.start() else None,
            )


def _is_not_a_target(sentence: str, m: re.Match[str]) -> bool:
    before = sentence[max(0, m.start() - 2) : m.start()]
    after = sentence[m.end() : m.end() + 1]
    return (
        before.endswith(("第", "占", "的"))
        or "占" in sentence[max(0, m.start() - 12) : m.start()]
        or after in ("年", "月", "日", "号", "批")
        or (m.group("unit") in ("个", "项") and after in ("大", "中", "小"))
    )


def _subject(sentence: str, m: re.Match[str], clause_start: int) -> str:
    """What is counted: the noun phrase after the quantity, or before the verb when it ends the clause."""
    clause_end = next((c.start() for c in _CLAUSE_SPLIT.finditer(sentence, m.end())), len(sentence))
    after = sentence[m.end() : clause_end].strip("、 ")
    if len(after) >= 2 and not after[0].isdigit():
        return re.split(r"[、，]", after)[0][:40]
    before = sentence[clause_start : m.start()]
    before = _DEADLINE.sub("", before)
    before = re.sub(r"分别.*$", "", before)  # 普及率、数控化率分别超过90%、70%
    before = re.sub(r"(达到|超过|突破|不少于|不低于|力争|约|实现|提高|下降|提升|增长)+$", "", before).strip("，、 ")
    return before[-40:]


def _deadline_iso(m: re.Match[str]) -> str:
    return f"{m.group('year')}-12-31" if m.group("end") else m.group("year")


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
