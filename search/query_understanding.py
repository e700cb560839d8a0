"""What a staff query says about the document it wants: place, issuer, kind, year, 文号.

Staff ask "山东省工业大数据实施方案" or "工信部推动工业大数据发展的文件": the words name the
place, the issuer and the kind of document as much as the topic. Read from the query, they
become SOFT boosts at document level (a document that matches ranks higher, none is removed):
a filter is the user's to set. Every part comes from general tables (the GB/T 2260 division
list with its short forms, the agency aliases of ingest, the document kinds of the header
reader), never from one corpus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from ingest.agencies import CENTRAL_SHORT_FORMS, LOCAL_ALIASES, LOCAL_SHORT_FORMS, NATIONAL_ALIASES
from ingest.metadata import DOC_TYPES
from ontology.regions import NATIONAL, Divisions, Region, divisions
from search.tokenize import Token, cut

# Words that ask for the centre's texts (国家对人工智能伦理有什么规定): the national level.
_NATIONAL_WORDS = ("国家层面", "国家", "全国", "中央", "国务院", "部委")
# Kinds a query may name that are families of the header kinds (方案 covers 实施方案, 行动方案).
KIND_WORDS = (*DOC_TYPES, "指南", "规划", "纲要", "要点", "细则", "规定", "标准", "清单", "批复", "函")
# Longest first, ties in the table's order: a set's order changes with the process's hash seed, and
# with it the order of the kinds a hit's explanation lists (a server restart reordered them).
_KINDS_LONGEST_FIRST = tuple(sorted(dict.fromkeys(KIND_WORDS), key=len, reverse=True))
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# 〔〕 as typed, or any bracket a copy or a keyboard gives (﹝﹞ in some copies, [] on a keyboard).
DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{0,10})[〔﹝\[［【(（](\d{4})[〕﹞\]］】)）]\s?(\d{1,4})\s?号")
# A government body inside a query: a name and an agency suffix. Stricter than ingest's ORG_SUFFIX
# (no 会, 院, 司): in a question 不会 and 学院 are words, not agencies.
_QUERY_ORG_SUFFIX = r"(?:办公厅|办公室|委员会|人民政府|政府|总局|总署|部|委|厅|局|署)"
_AGENCY = re.compile(rf"(?:省委|市委|[\u4e00-\u9fff]{{0,8}}?{_QUERY_ORG_SUFFIX})")
_LEVEL_PREFIX = {"省": "provincial", "市": "municipal"}
_DIVISION_ENDS = ("区", "州", "盟", "市", "县")
_LEADING_WORDS = re.compile(r"^(?:和|与|及|或|跟|同|的|对|在|由|关于|有关|还有)+")
# Short forms a query may use: of national bodies (工信部, 最高法, 林草局) and, after a place or 省/市,
# of that government's departments (省发改委, 省药监局). Longest first: 国家药监局 before 药监局.
_NATIONAL_FORMS = {**NATIONAL_ALIASES, **CENTRAL_SHORT_FORMS}
_LOCAL_FORMS = {**LOCAL_ALIASES, **LOCAL_SHORT_FORMS}
_ALIASES = sorted(set(_NATIONAL_FORMS) | set(LOCAL_SHORT_FORMS), key=len, reverse=True)
_OFFICES = ("办公厅", "办公室")


@dataclass(frozen=True)
class QueryIntent:
    """What the query names besides its topic; each part is a soft boost at document level."""

    regions: tuple[Region, ...] = ()  # places named, at any tier
    level: str | None = None  # national | provincial | municipal, when the words say so
    issuers: tuple[str, ...] = ()  # agency names as a document header writes them (工业和信息化部)
    kinds: tuple[str, ...] = ()  # 实施方案, 行动计划, 通知 …
    years: tuple[str, ...] = ()
    doc_numbers: tuple[str, ...] = ()  # 〔2017〕35号 with the issuer code when given (国发〔2017〕35号)
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)  # where they were found

    def is_empty(self) -> bool:
        return not (self.regions or self.level or self.issuers or self.kinds or self.years or self.doc_numbers)

    def to_dict(self) -> dict[str, object]:
        return {
            "regions": [r.name for r in self.regions], "level": self.level, "issuers": list(self.issuers),
            "kinds": list(self.kinds), "years": list(self.years), "doc_numbers": list(self.doc_numbers),
        }


@cache
def _place_names() -> dict[str, tuple[Region, bool]]:
    """Every name a query may use for a place, mapped to its region and whether it is a short form.

    Official names at every tier (a county's only from three characters: 矿区, 城区, 成县 are
    words); short forms (广西, 武汉) of provinces and prefectures only: a county's short form is too
    often an ordinary word. One-character 简称 (鲁) are left out for the same reason. A name several
    regions share resolves as ``Divisions.lookup`` says, or not at all.
    """
    d: Divisions = divisions()
    out: dict[str, tuple[Region, bool]] = {}
    for region in d.by_code.values():
        if region.code == NATIONAL:
            continue
        names = [region.name] if region.tier != "county" or len(region.name) > 2 else []
        if region.tier in ("province", "prefecture"):
            names += [lb for lb in region.labels if len(lb) > 1]
        for name in names:
            found = d.lookup(name)
            if found is not None and len(name) > 1:
                out[name] = (found, name != found.name)
    return out


@cache
def _longest_place_name() -> int:
    """Measured once: over every name of the division table it took ~4 ms, on every query."""
    return max(map(len, _place_names()))


@cache
def _place_starts() -> frozenset[str]:
    """The first two characters of every place name: a query position that starts none is passed
    over with one lookup instead of one per length (a place name has at least two characters)."""
    return frozenset(name[:2] for name in _place_names())


def _inside_a_word(words: list[tuple[int, int, str]], start: int, end: int) -> bool:
    """Is ``[start, end)`` strictly inside a longer word (朝阳产业, 长治久安, 阿里巴巴, 中山大学)? A word
    ending like a division (延边州, 苏州工业园区, 合肥高新区) is still that place."""
    return any(s <= start and end <= e and e - s > end - start and not w.endswith(_DIVISION_ENDS)
               for s, e, w in words)


def _places(text: str, tokens: Sequence[Token] | None = None) -> list[tuple[int, int, Region]]:
    """Longest place names in ``text``, left to right, not overlapping; a short form only where the
    segmenter does not read it as part of a longer word (``tokens``: the text's ``cut``, when cut already)."""
    names, starts = _place_names(), _place_starts()
    longest = _longest_place_name()
    words = None if tokens is None else [(t.start, t.end, t.text) for t in tokens]
    out: list[tuple[int, int, Region]] = []
    i = 0
    while i < len(text):
        if text[i : i + 2] not in starts:
            i += 1
            continue
        for n in range(min(longest, len(text) - i), 1, -1):
            found = names.get(text[i : i + n])
            if found is None:
                continue
            region, short = found
            if short:
                words = words if words is not None else [(t.start, t.end, t.text) for t in cut(text)]
                if _inside_a_word(words, i, i + n):
                    continue
            out.append((i, i + n, region))
            i += n
            break
        else:
            i += 1
    return out


def _issuers(text: str, places: list[tuple[int, int, Region]]) -> list[tuple[int, int, str]]:
    """Agency names in the query, in the form a header writes them (工信部 -> 工业和信息化部; after
    a place or 省/市, 发改委 -> 发展和改革委员会, the local body); a body's office is one name with
    it (成都市人民政府 + 办公厅)."""
    ends = {e for _, e, _ in places}
    found: list[tuple[int, int, str]] = []
    for alias in _ALIASES:
        if alias not in text:  # most are not: a substring test is a tenth of a regex search
            continue
        for m in re.finditer(re.escape(alias), text):
            local = m.start() in ends or text[m.start() - 1 : m.start()] in _LEVEL_PREFIX
            if not any(s <= m.start() < e for s, e, _ in found):
                national = _NATIONAL_FORMS.get(alias)
                found.append((m.start(), m.end(), _LOCAL_FORMS.get(alias, alias) if local or not national else national))
    for m in _AGENCY.finditer(text):
        if any(s < m.end() and m.start() < e for s, e, _ in found) or len(m.group()) < 2:
            continue
        found.append((m.start(), m.end(), m.group()))
    merged: list[tuple[int, int, str]] = []
    for s, e, name in sorted(found):
        if merged and merged[-1][1] == s and name in ("办公厅", "办公室"):
            ps, _, prev = merged.pop()
            s, name = ps, prev + name
        merged.append((s, e, name))
    return merged


@cache
def _short_forms() -> dict[str, tuple[str, ...]]:
    forms: dict[str, list[str]] = {}
    for table in (_NATIONAL_FORMS, _LOCAL_FORMS):
        for alias, full in table.items():
            if alias != full:
                forms.setdefault(full, []).append(alias)
    return {full: tuple(aliases) for full, aliases in forms.items()}


@cache
def issuer_forms(name: str) -> tuple[str, ...]:
    """An issuer as the query reads it and the short forms a title may write instead (工业和信息化厅,
    工信厅): a title 省工信厅关于… names the same body as the header's 工业和信息化厅. A body's office
    (最高人民法院办公厅) holds the body's name, so 最高法 finds both. Kept per name: asked of every
    candidate document."""
    return (name, *_short_forms().get(name, ()))


def _office_of(name: str) -> str:
    """最高人民法院办公厅 -> 最高人民法院: the body an office belongs to."""
    for office in _OFFICES:
        name = name.removesuffix(office)
    return name


def understand(query: str, tokens: Sequence[Token] | None = None) -> QueryIntent:
    """Read the place, level, issuer, kind, year and 文号 a (Simplified) query names; ``tokens``:
    its ``search.tokenize.cut`` when the caller has it (``cut_query``)."""
    spans: list[tuple[int, int]] = []
    places = _places(query, tokens)
    regions = tuple(dict.fromkeys(r for _, _, r in places))
    spans += [(s, e) for s, e, _ in places]
    numbers = []
    for m in DOC_NUMBER.finditer(query):
        numbers.append(f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号")
        spans.append(m.span())
    issuers = []
    level = None
    for s, e, name in _issuers(query, places):
        # A place inside an agency name (山东省工业和信息化厅) is the place; the rest is the issuer.
        for ps, pe, _ in places:
            if s <= ps < e:
                name = name[: ps - s] + name[pe - s :]
        name = _LEADING_WORDS.sub("", name.strip())
        if name[:1] in _LEVEL_PREFIX and len(name) > 2:
            level = level or _LEVEL_PREFIX[name[0]]
            name = name[1:]
        name = _LOCAL_FORMS.get(name, name)  # 工信厅 -> 工业和信息化厅, as the header writes it
        if len(name) >= 2 and name not in {"国家", "中国"}:
            issuers.append(name)
            spans.append((s, e))
    kinds = [k for k in _KINDS_LONGEST_FIRST if k in query]
    kinds = [k for k in kinds if not any(k != o and k in o for o in kinds)]  # 实施方案, not also 方案
    years = [y for y in _YEAR.findall(query) if not any(y in n for n in numbers)]
    if level is None and any(w in query for w in _NATIONAL_WORDS) and not regions:
        level = "national"
    if level is None and any(n in _NATIONAL_FORMS.values() or n.endswith("部")
                                for i in issuers for n in (i, _office_of(i))) and not regions:
        level = "national"
    return QueryIntent(regions=regions, level=level, issuers=tuple(dict.fromkeys(issuers)),
                       kinds=tuple(kinds), years=tuple(dict.fromkeys(years)), doc_numbers=tuple(numbers),
                       spans=tuple(sorted(spans)))
