"""How a document meets, or contradicts, what a staff query names: place, level, issuer, kind,
year, 文号, and the words of its title.

Split from ``search.documents`` (which indexes and fuses): these are judgments about one document
against one query's intent, each a small pure function of the document's metadata, so a hit can
say why it was raised (``matched``) or lowered (``conflicts``).

Title evidence (session 5): a staff question often carries the document's title, or most of it,
around the place, issuer and kind (交通运输部智能航运发展指导意见 for 《智能航运发展指导意见》,
传统制造业转型升级 for 《…关于加快传统制造业转型升级的指导意见》). Rank fusion hears the title only
as one of four views, so a document whose title IS the question could tie with a neighbour that
shares the topic, and the tie was decided by the batch the query vector was embedded in. The share
of the query's topic (its character pairs, with the place, issuer, kind, year and 文号 taken out)
that the title contains is a soft boost scaled by that share.

Reports (session 6): a news item or an interpretation titled 工业和信息化部印发《X行动计划》 or
就《X》答记者问 is about X but is not X. Its kind is a report (so a query for a 行动计划 finds the
kind contradicted), and the reported 《X》 lends its words to no title share: X itself, when the
corpus holds it, is the document asked for. Round 2: a title that CITES the text it carries out
(关于贯彻落实《X》的实施意见) lends X's words only to a query that asks for a follower (贯彻, 落实…).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from ontology.regions import NATIONAL, Region, divisions
from search.query_understanding import KIND_WORDS, QueryIntent, issuer_forms

if TYPE_CHECKING:
    from search.documents import DocumentInfo

_TITLE_YEARS = re.compile(r"((?:19|20)\d{2})(?:\s*年)?(?:\s*[—–\-－~至到]\s*((?:19|20)\d{2}))?")
_BRACKETS = str.maketrans("[]［］【】()（）﹝﹞", "〔〕〔〕〔〕〔〕〔〕〔〕")
# A citation with its 文号: 《关于加快煤矿智能化发展的指导意见》（发改能源〔2020〕283号）.
_CITATION = re.compile(r"《(?P<title>[^《》]{4,80})》\s*[（(](?P<number>[^（）()]{4,40})[）)]")
_WORD_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")
# A headline that reports another text: …印发《X》, 就《X》答记者问, 《X》解读 (not 关于印发《X》的通知, nor
# a 公告 that issues it: …公告2023年第10号——发布《X》).
_REPORT_TITLE = re.compile(r"^(?!关于)(?![^《》]*(?:公告|通告|通知|命令|令第))[^《》]*(?:印发|发布|出台|公布|颁布)《[^《》]+》$"
                           r"|就《[^《》]+》(?:答记者问|回答记者提问|解读)|《[^《》]+》(?:政策)?解读$")
REPORT_KIND = "报道"
# A title that cites the text it carries out (关于贯彻落实《X》的实施意见, 关于做好《X》实施工作的通知):
# X's words are X's, lent only to a query that itself asks for a text that carries X out (贯彻, 落实…).
_CITING_TITLE = re.compile(r"(?:贯彻|落实|执行|实施|响应|对标|根据|依据|按照)《[^《》]+》|《[^《》]+》(?:的)?(?:宣传)?(?:贯彻|落实|实施)")
_FOLLOWING_PAIRS = frozenset({"贯彻", "落实", "执行", "实施", "响应"})
# Words of a question, not of a title (怎么, 有哪些 …): they would lower every title's share alike,
# but a title that happens to hold one (有关) would gain from it.
_QUESTION_WORDS = re.compile(r"怎么样?|怎样|如何|什么|哪些|有没有|是否|多少|请问|文件|政策|要求")


def matches(doc: DocumentInfo, intent: QueryIntent, cited_as: Sequence[str] = ()) -> dict[str, list[str]]:
    """Which parts of the query's intent this document meets (the hit's explanation). ``cited_as``:
    the 文号 other texts cite it by, for a copy that never states its own."""
    out: dict[str, list[str]] = {}
    region = _region(doc.region)
    if region is not None:
        within = [r.name for r in intent.regions if r.code != NATIONAL and _within(region.code, r.code)]
        if within:
            out["region"] = within
    if intent.level and doc.level == intent.level:
        out["level"] = [intent.level]
    header = doc.title + " ".join(doc.issuers)
    issuers = [i for i in intent.issuers if any(f in header for f in issuer_forms(i))]
    if issuers:
        out["issuer"] = issuers
    kinds = [k for k in intent.kinds if any(kind.endswith(k) for kind in kinds_of(doc.title, doc.doc_type))]
    if kinds:
        out["kind"] = kinds
    years = [y for y in intent.years if (doc.date or "").startswith(y) or y in doc.title]
    if years:
        out["year"] = years
    numbers = [n for n in intent.doc_numbers if any(_same_number(m, n) for m in (doc.number, *cited_as))]
    if numbers:
        out["doc_number"] = numbers
    return out


@lru_cache(maxsize=4096)
def _region(name: str) -> Region | None:
    """``Divisions.lookup`` kept per name: ``matches`` asks it of every candidate document."""
    return divisions().lookup(name)


@lru_cache(maxsize=65536)
def _within(code: str, ancestor: str) -> bool:
    return divisions().is_within(code, ancestor)


def conflicts(doc: DocumentInfo, intent: QueryIntent) -> list[str]:
    """Parts of the query's intent the document's title contradicts: another kind of document
    (a 通知 for a 指导意见; 方案 and 实施方案 agree), another edition or period (2018年版 for 2021)."""
    out = []
    kinds = kinds_of(doc.title, doc.doc_type)
    if intent.kinds and kinds and not any(k.endswith(q) or q.endswith(k) for k in kinds for q in intent.kinds):
        out.append("kind")
    spans = [(int(a), int(b or a)) for a, b in _TITLE_YEARS.findall(doc.title)]
    if intent.years and spans and not any(a <= int(y) <= b for a, b in spans for y in intent.years):
        out.append("year")
    return out


def query_topic(query: str, intent: QueryIntent) -> list[str]:
    """The runs of the query left when the place, issuer, 文号, kind, year and question words are
    taken out: what the query asks about (智能航运发展 of 交通运输部智能航运发展指导意见)."""
    chars = list(query)
    for s, e in intent.spans:
        chars[s:e] = [" "] * (e - s)
    text = "".join(chars)
    for kind in intent.kinds:  # the kind a query ends a phrase with (…指导意见), not 标准 inside 标准体系
        text = re.sub(re.escape(kind) + r"(?![\u4e00-\u9fff])", " ", text)
    for year in intent.years:
        text = re.sub(year + r"\s*年?版?", " ", text)
    text = _QUESTION_WORDS.sub(" ", text)
    return [run for run in _WORD_CHARS.findall(text) if len(run) > 1]


def topic_pairs(topic: list[str]) -> frozenset[str]:
    """The character pairs of the topic's runs (pairs never cross a removed part)."""
    return frozenset(run[i : i + 2] for run in topic for i in range(len(run) - 1))


@lru_cache(maxsize=65536)
def _title_pairs(title: str, following: bool = False) -> frozenset[str]:
    """The title's character pairs; a report's without the 《title》 it reports, and a title citing
    the text it carries out without that text's, unless the query asks for a follower (``following``)."""
    if _REPORT_TITLE.search(title) or (not following and _CITING_TITLE.search(title)):
        title = re.sub(r"《[^《》]+》", "》", title)
    return frozenset(title[i : i + 2] for i in range(len(title) - 1))


def title_share(title: str, topic: list[str], pairs: frozenset[str]) -> tuple[float, list[str]]:
    """The share of the topic's character pairs the title holds, and the topic's stretches it holds
    (for the explanation): (1.0, ['智能航运发展']) for 《智能航运发展指导意见》."""
    return title_shares(topic, pairs)(title)


def title_shares(topic: list[str], pairs: frozenset[str]) -> Callable[[str], tuple[float, list[str]]]:
    """``title_share`` of one query's topic, for the ~150 candidate titles of a search: what depends
    on the query alone is worked out once, and titles holding the same pairs share the stretches."""
    following = not pairs.isdisjoint(_FOLLOWING_PAIRS)
    known: dict[frozenset[str], list[str]] = {}

    def share(title: str) -> tuple[float, list[str]]:
        if not pairs or not title:
            return 0.0, []
        held = pairs & _title_pairs(title, following)
        if not held:
            return 0.0, []
        stretches = known.get(held)
        if stretches is None:
            stretches = known[held] = _stretches(topic, held)
        return len(held) / len(pairs), list(stretches)

    return share


def _stretches(topic: list[str], held: frozenset[str]) -> list[str]:
    """The stretches of the topic's runs whose every character pair is in ``held``."""
    stretches = []
    for run in topic:
        start = None
        for i in range(len(run)):
            inside = i + 1 < len(run) and run[i : i + 2] in held
            if inside and start is None:
                start = i
            elif not inside and start is not None:
                stretches.append(run[start : i + 1])
                start = None
    return stretches


@lru_cache(maxsize=65536)
def kinds_of(title: str, doc_type: str | None) -> frozenset[str]:
    """The kinds of document a title names: its last word (关于…的实施方案) and, for a text that
    issues or publishes another (关于印发《…指导意见》的通知, 公告——《…规范条件(2023版)》), that
    text's kind too; the header's kind as a fallback. Kept per title: a search asks it of every
    candidate document (~1 ms a search unkept). A report's kind is a report, not the reported text's."""
    if _REPORT_TITLE.search(title):
        return frozenset({REPORT_KIND})
    titles = [title]
    if re.search(r"印发|转发|发布", title) or title.endswith("》"):
        titles += re.findall(r"《([^《》]+)》", title)
    bare = [re.sub(r"[（(][^（）()]*[）)]$", "", t) for t in titles]
    kinds = frozenset(k for k in KIND_WORDS for t in bare if t.endswith(k))
    return kinds or frozenset({doc_type} if doc_type else ())


def owns_number(docs: Sequence[DocumentInfo], cited: Mapping[str, Sequence[str]], wanted: Sequence[str]) -> bool:
    """Does any document state, or get cited by, one of the ``wanted`` 文号?"""
    return any(_same_number(n, w) for d in docs for n in (d.number, *cited.get(d.doc_id, ())) for w in wanted)


def cited_title(texts: Iterable[str], wanted: Sequence[str]) -> str | None:
    """The title another text cites a 文号 with (《T》（N）), first found: what a query for that number
    asks for when no document states it and no resolved citation names its owner (session 6: a
    copy with no title line, cited by a text whose citation linking could not resolve)."""
    for text in texts:
        for m in _CITATION.finditer(text):
            if any(_same_number(m.group("number"), w) for w in wanted):
                return m.group("title")
    return None


def _same_number(number: str | None, wanted: str) -> bool:
    """Does a document's 文号 match one from the query (国发〔2017〕35号, or only 〔2017〕35号)?"""
    if not number:
        return False
    number = re.sub(r"\s", "", number).translate(_BRACKETS)
    prefix, _, rest = wanted.partition("〔")
    return number.endswith("〔" + rest) and prefix in number
