"""Quantified targets: how much, of what, compared how, by when, against which base year.

Plans state goals in a few recurring shapes, and each rule here answers one of them:

* a deadline (到2025年, 到2025年年底, 2025年的主要目标) governs what follows it until the next
  deadline or the end of its section (``scope`` carries it into sub-sections);
* one clause may list several targets, each with its own subject before or after the number
  (运营成本降低20%、生产效率提高20%以上; 建成15个左右国家级智能工厂、5家左右数字领航企业), or
  pair names with numbers (普及率、数控化率分别超过90%、70%);
* comparators come from words around the number (以上/不少于/力争/确保 -> atLeast, 超过/突破 ->
  moreThan, 左右/约 -> approximately, 以内/不超过 -> atMost), a range (1—2家) keeps both ends,
  and a relative target names its base year (较2023年下降13%).

What cannot be told is left out rather than guessed: statistics of past years, shares of a
whole (占全球的50%), durations (5个工作日), numbers in status sections are not targets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.model import Comparator, Provision, Target

_BASE_UNITS = sorted(
    ["元", "美元", "吨", "千瓦时", "千瓦", "立方米", "平方米", "公里", "件", "家", "个", "名", "位", "项", "条", "座",
     "批", "套", "台", "人次", "人", "所", "场", "次", "种", "款", "户", "辆", "部", "个百分点", "%", "倍",
     "EFlops", "EFLOPS", "PFlops"],
    key=len,
    reverse=True,
)
UNIT = rf"(?:万亿|亿|万|千)?(?:{'|'.join(_BASE_UNITS)})|万亿|亿"
_PRE = (
    "不[宜应]?(?:少于|低于|超过|高于|多于)|超过|达到|突破|力争|确保|约|近|超|低于|高于|"
    "下降|降低|减少|压减|缩短|提高|提升|增长|增加"
)
_QUANTITY = re.compile(
    rf"(?P<pre>{_PRE})?(?P<num>\d+(?:\.\d+)?)(?:(?:[—–\-~～]|至)(?P<hi>\d+(?:\.\d+)?))?"
    rf"(?P<unit>{UNIT})(?P<post>以上|左右|以内|以下|上下)?"
)
# 过千亿, 超万亿元: the amount in words (千亿 = 1000 亿, 万亿 = 1 万亿).
_WORD_AMOUNT = re.compile(r"(?P<pre>超过|超|过|突破|达到)(?P<num>千|百|万)(?P<unit>亿元|亿)(?!级)")
_WORD_VALUE = {"千": (1000.0, ""), "百": (100.0, ""), "万": (1.0, "万")}

_GOAL_WORDS = re.compile(
    r"培育|建成|建设|建立|打造|力争|确保|达到|突破|超过|形成|实现|推广|新增|创建|认定|不少于|不低于|提高|下降|"
    r"遴选|推动|实施|部署|支持|引育|引进|培养|完成|制修订|推选|构建|开通|启动|选择|确定|制定|谋划|推出|"
    r"覆盖|汇聚|争创|布局|取得|新建|累计|孵化|攻克|发布"
)
_DEADLINE = re.compile(
    r"(?:到|至|截至)(?P<year>20\d{2})年(?P<end>年底|年末|底|末)?|(?P<year2>20\d{2})年(?P<end2>底)?(?:以)?前|"
    r"(?P<year3>20\d{2})年(?:的)?(?:主要|发展|总体)?目标"
)
_BASELINE = re.compile(r"(?:比|较|相比|与)(?P<year>20\d{2})年(?:底|末)?(?:相比)?")
_CLAUSE_SPLIT = re.compile(r"[，；。：！？\n]")
_LIST_JOIN = "、和及与以及并"
_STATUS_HEADING = re.compile(r"现状|形势|发展基础|基础条件|成效|回顾|背景|面临")
_DURATION_AFTER = ("年", "月", "日", "号", "批", "工作日", "小时", "周", "季度")


@dataclass(frozen=True)
class _Hit:
    """One number read as a target candidate, before subject and comparator are settled."""

    start: int  # of the whole match (including a comparator word before the number)
    num_start: int
    end: int
    quantity: float
    quantity_max: float | None
    unit: str
    pre: str | None
    post: str | None


def is_status_heading(heading: str | None) -> bool:
    """A section that describes the past (发展现状, 面临形势): its numbers are not targets."""
    head = (heading or "")[:20]
    return bool(_STATUS_HEADING.search(head)) and not re.search(r"目标|要求|任务|思路|措施|行动", head)


PAST = "past"  # the scope of a status section (发展现状): its numbers are no targets


def section_scopes(provisions: list[Provision]) -> Iterator[tuple[Provision, str | None]]:
    """Each provision with the deadline its enclosing sections set, or ``PAST`` inside a status
    section. A section's last deadline holds for every provision nested under it."""
    stack: list[tuple[list[str], str]] = []
    for prov in provisions:
        while stack and prov.path[: len(stack[-1][0])] != stack[-1][0]:
            stack.pop()
        scope = stack[-1][1] if stack else None
        if scope != PAST and is_status_heading(prov.heading or prov.text[:20]):
            scope = PAST
        yield prov, scope
        own = PAST if scope == PAST else last_deadline(prov.text)
        if own:
            stack.append((prov.path, own))


def deadline_marks(text: str) -> Iterator[tuple[int, str]]:
    """(position, ISO deadline) for every 到YYYY年 / YYYY年底前 / YYYY年的主要目标 in ``text``."""
    for m in _DEADLINE.finditer(text):
        year = m.group("year") or m.group("year2") or m.group("year3")
        end = m.group("end") or m.group("end2")
        yield m.start(), f"{year}-12-31" if end else year


def last_deadline(text: str) -> str | None:
    """The deadline still in force at the end of ``text`` (for the sub-sections that follow)."""
    marks = list(deadline_marks(text))
    return marks[-1][1] if marks else None


def targets(text: str, offset: int, *, scope: str | None = None) -> Iterator[Target]:
    """Targets in ``text`` (a provision's own text); ``scope`` is the deadline inherited from above."""
    marks = list(deadline_marks(text))
    for sentence in re.finditer(r"[^。；\n]+", text):
        s = sentence.group()
        if re.match(r"^\s*20\d{2}年[，,]", s):  # a statistic about a past year
            continue
        found = _hits(s)
        hits = [h for h in found if not _is_not_a_target(s, found, h)]
        comparators: list[Comparator] = []
        last_subject = ""
        for i, h in enumerate(hits):
            at = sentence.start() + h.start
            deadline = next((iso for pos, iso in reversed(marks) if pos < at), scope)
            if not (h.pre or h.post or deadline or _GOAL_WORDS.search(s[_clause_start(s, h.start) : h.start])):
                comparators.append("exactly")
                continue
            comparator = _comparator(s, hits, i, comparators)
            comparators.append(comparator)
            subject, baseline = _subject(s, hits, i)
            subject = last_subject = subject or last_subject  # 不少于5项、不超过20项: one subject
            yield Target(
                quantity=h.quantity,
                unit=h.unit,
                comparator=comparator,
                subject=subject,
                text=s[h.num_start : h.end],
                start=offset + sentence.start() + h.num_start,
                end=offset + sentence.start() + h.end,
                deadline=deadline,
                quantity_max=h.quantity_max,
                baseline=baseline,
            )


def _hits(s: str) -> list[_Hit]:
    hits = [
        _Hit(m.start(), m.start("num"), m.end(), float(m.group("num")), float(m.group("hi")) if m.group("hi") else None,
             m.group("unit"), m.group("pre"), m.group("post"))
        for m in _QUANTITY.finditer(s)
    ]
    for m in _WORD_AMOUNT.finditer(s):
        value, prefix = _WORD_VALUE[m.group("num")]
        hits.append(_Hit(m.start(), m.start("num"), m.end(), value, None, prefix + m.group("unit"), m.group("pre"), None))
    return sorted(hits, key=lambda h: h.start)


def _clause_start(s: str, pos: int) -> int:
    return max((c.end() for c in _CLAUSE_SPLIT.finditer(s, 0, pos)), default=0)


def _clause_end(s: str, pos: int) -> int:
    return next((c.start() for c in _CLAUSE_SPLIT.finditer(s, pos)), len(s))


def _is_not_a_target(s: str, hits: list[_Hit], h: _Hit) -> bool:
    before = s[max(0, h.num_start - 2) : h.num_start]
    after = s[h.end : h.end + 3]
    clause_before = s[_clause_start(s, h.start) : h.start]
    return (
        before.endswith("第")
        or bool(re.search(r"占[^，。；]{0,16}的(?:比重|份额|比例)?$", clause_before))  # 占全球的50%: a share
        or (h.unit in ("个", "次") and after.startswith(_DURATION_AFTER))  # 5个工作日, 6个月
        or (h.unit in ("个", "项") and after[:1] in ("大", "中", "小"))
        or bool(re.search(r"20\d{2}年(?:实现|完成|达到|为)[^，。；]{0,20}$", clause_before))  # 2020年实现…
        or bool(re.search(r"(?:无|未|不得|禁止|严禁)[\u4e00-\u9fff]{0,3}$", clause_before))  # 无超速50%以上
        or _qualifies_previous(s, hits, h)
    )


def _qualifies_previous(s: str, hits: list[_Hit], h: _Hit) -> bool:
    """An amount that says which firms are counted is no target itself: 10家营业收入超100亿元,
    收入首次突破100亿元的企业15家."""
    if not h.unit.endswith(("元", "%")):
        return False
    earlier = [x for x in hits if x.end <= h.start]
    later = [x for x in hits if x.start >= h.end]
    if earlier:
        between = s[earlier[-1].end : h.start]
        if between and not re.search(rf"[{_LIST_JOIN}，；：]", between) and earlier[-1].post is None \
                and not earlier[-1].unit.endswith(("元", "%")):
            return True
    if later:
        between = s[h.end : later[0].start]
        return bool(re.fullmatch(r"的[\u4e00-\u9fff]{1,12}", between)) and not later[0].unit.endswith(("元", "%"))
    return False


def _comparator(s: str, hits: list[_Hit], i: int, earlier: list[Comparator]) -> Comparator:
    h = hits[i]
    if h.quantity_max is not None:
        return "atLeast"
    verb_before_noun = h.pre == "突破" and _noun_after(s, hits, i)  # 突破50项关键技术: a verb
    own = _own_comparator(None if verb_before_noun else h.pre, h.post)
    if own:
        return own
    if i and _joined(s, hits[i - 1], h):  # 分别超过90%、70%; 培育50个…、300个…
        return earlier[i - 1]
    if re.search(r"(?:力争|确保)(?!到|在|于)", s[: h.start]):
        return "atLeast"
    return "exactly"


def _own_comparator(pre: str | None, post: str | None) -> Comparator | None:
    """The word after the number wins (达到60项左右 is about 60, not at least 60)."""
    if post == "以上":
        return "atLeast"
    if post in ("左右", "上下"):
        return "approximately"
    if post in ("以内", "以下"):
        return "atMost"
    if pre is None:
        return None
    if re.fullmatch(r"不[宜应]?(?:超过|高于|多于)", pre):
        return "atMost"
    if re.fullmatch(r"不[宜应]?(?:少于|低于)", pre) or pre in ("力争", "确保", "达到"):
        return "atLeast"
    if pre in ("约", "近"):
        return "approximately"
    if pre in ("超过", "超", "过", "突破", "高于"):
        return "moreThan"
    if pre == "低于":
        return "lessThan"
    return None


def _joined(s: str, a: _Hit, b: _Hit) -> bool:
    """Two numbers of one list: only a list mark (、 和 及) between them."""
    return s[a.end : b.start].strip(" ") in ("、", "和", "及", "与") and a.unit == b.unit


def _subject(s: str, hits: list[_Hit], i: int) -> tuple[str, str | None]:
    """What is counted, and the base year of a relative target."""
    h = hits[i]
    c_start, c_end = _clause_start(s, h.start), _clause_end(s, h.end)
    prev_end = max([x.end for x in hits[:i] if x.end > c_start] or [c_start])
    next_start = min([x.start for x in hits[i + 1 :] if x.start < c_end] or [c_end])
    paired = _respectively(s, hits, i, c_start)
    before = paired if paired is not None else s[prev_end : h.start].lstrip(_LIST_JOIN + " ")
    baseline = _BASELINE.search(before)
    if paired is None and _noun_after(s, hits, i):
        after = s[h.end : next_start].lstrip("的").rstrip(_LIST_JOIN + " ")
        if len(after) > 24 and "的" in after[:-2]:  # the head noun ends the phrase: …取得突出成效的典型项目
            after = after[after.rindex("的", 0, len(after) - 2) + 1 :]
        return after[:40], baseline.group("year") if baseline else None
    before = _DEADLINE.sub("", _BASELINE.sub("", before))
    before = re.sub(r"^(?:力争|确保|并)+", "", before.strip("，、 "))
    before = re.sub(rf"(?:{_PRE}|实现|(?:稳定|保持|控制)在)+$", "", before)
    return before.strip("，、 ")[-40:], baseline.group("year") if baseline else None


def _noun_after(s: str, hits: list[_Hit], i: int) -> bool:
    """The counted thing follows the number (建成15家以上集聚区), rather than preceding it."""
    end = min([x.start for x in hits[i + 1 :]] + [_clause_end(s, hits[i].end)])
    after = s[hits[i].end : end].lstrip("的").rstrip(_LIST_JOIN + " ")
    return bool(after) and not after.startswith(tuple(_LIST_JOIN))


def _respectively(s: str, hits: list[_Hit], i: int, c_start: int) -> str | None:
    """For 普及率、数控化率分别超过90%、70%: the name paired with the i-th number, else None."""
    head = s[c_start : hits[i].start]
    at = head.find("分别")
    if at < 0:
        return None
    names = [n for n in re.split(r"[、和]", head[:at]) if n]
    listed = [x for x in hits if c_start + at < x.start < _clause_end(s, hits[i].end)]
    k = listed.index(hits[i]) if hits[i] in listed else -1
    if len(listed) < 2:
        return None
    if len(names) == len(listed) and k >= 0:
        return names[k]
    return head[:at]
