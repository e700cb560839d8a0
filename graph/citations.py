"""Citation resolution: a cited 《title》 or 文号 -> the stored document it names. Pure, no store.

A citation names a document the way its author remembered it, not the way the stored copy's
header reads: 《“十四五”智能制造发展规划》 for 工业和信息化部等八部门关于印发《“十四五”智能制造发展规划》的通知,
《关于积极推进“互联网+”行动的指导意见》 for 国务院关于积极推进“互联网+”行动的指导意见, quotes and
brackets in another style, a period (2021—2023年) left out. So both sides are reduced to a few
*keys*, each with a strength (0 = the full normalised title, higher = more was cut away), and
the pair with the smallest summed strength wins. 文号 match exactly (after bracket
normalisation) and beat any title. Among equally good candidates the date decides (the cited
document comes first, the closest earlier one wins), then the issuer named in the citation.

Used at ingest (``graph.build``) and again at link time (``search.citations``), when every
document is stored and one cited before it arrived can be found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import URIRef

from graph.iris import Iris
from ingest.model import Document
from ontology.loader import Schemes

_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "【": "〔", "】": "〕", "［": "〔", "］": "〕",
                           "（": "(", "）": ")", "〈": "《", "〉": "》", "—": "-", "–": "-", "－": "-",
                           "─": "-", "~": "-", "～": "-", "＋": "+"})
_QUOTES = re.compile(r"[《》“”\"'‘’「」『』·•]")
_WRAPPER = re.compile(r"^(?:.{0,60}?)关于(?:印发|发布|转发|公布|下达|修订)(.{4,})的(?:通知|通告|公告|函|批复|决定)$")
_ISSUER_PREFIX = re.compile(r"^.{2,60}?(关于.{4,})$")
_PERIOD = re.compile(r"\((?:\d{4}(?:-\d{4})?年?|20\d\d版|\d{4}年版|试行|征求意见稿)\)$")
MIN_WEAK_KEY = 6
"""A key that cut something away must keep at least this many characters (发展规划 alone is no title)."""


def normalize_doc_number(number: str) -> str:
    """文号 for comparison: no spaces, one bracket style (国办发[2016]40号 == 国办发〔2016〕40号)."""
    return "".join(number.split()).translate(_BRACKETS)


def normalize_title(title: str) -> str:
    """Title for comparison: no spaces, quotes or 《》, half-width parentheses, one dash."""
    return _QUOTES.sub("", "".join(title.split()).translate(_BRACKETS))


def looks_like_doc_number(number: str | None) -> bool:
    """True for a real 文号 (工信厅联消费函〔2023〕87号), False for '' or '(not shown ...)'."""
    return bool(number) and "号" in number and bool(re.search(r"\d", number)) and not number.startswith("(")


def title_keys(title: str) -> dict[str, tuple[int, str]]:
    """The keys a title can be found by: key -> (strength, period cut off). Strength 0 is the
    whole title; the period (2021版, 2016-2020年, 试行…) is kept so that two editions never match
    by their cut keys.

    >>> sorted(title_keys("国务院关于印发《新一代人工智能发展规划》的通知").items(), key=lambda kv: kv[1])[:2]
    [('国务院关于印发新一代人工智能发展规划的通知', (0, '')), ('新一代人工智能发展规划', (1, ''))]
    """
    keys: dict[str, tuple[int, str]] = {}

    def add(key: str, strength: int, period: str = "") -> None:
        if key and (strength == 0 or len(key) >= MIN_WEAK_KEY) and strength < keys.get(key, (99, ""))[0]:
            keys[key] = (strength, period)

    whole = normalize_title(title)
    add(whole, 0)
    for inner in re.findall(r"《([^《》]+)》", title.translate(_BRACKETS)):
        add(normalize_title(inner), 1)
    if m := _WRAPPER.match(whole):
        add(m.group(1), 1)
    if m := _ISSUER_PREFIX.match(whole):
        add(m.group(1), 1)
        add(m.group(1).removeprefix("关于"), 2)
    for key, (strength, _) in list(keys.items()):
        if m := _PERIOD.search(key):
            add(key[: m.start()], strength + 2, m.group())
    return keys


@dataclass(frozen=True)
class Entry:
    """One stored document as citations see it."""

    iri: URIRef
    date: str | None = None
    issuers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolution:
    """Where a citation resolved to and how (``number`` or ``title:<strength>``)."""

    iri: URIRef
    method: str


@dataclass
class Catalog:
    """The documents citations can resolve to: 文号 and title keys -> entries."""

    by_number: dict[str, list[Entry]] = field(default_factory=dict)
    by_title: dict[str, list[tuple[int, str, Entry]]] = field(default_factory=dict)

    def add(self, iri: URIRef, *, title: str | None, doc_number: str | None, date: str | None = None,
            issuers: Iterable[str] = ()) -> None:
        entry = Entry(iri, date or None, tuple(issuers))
        if doc_number and looks_like_doc_number(doc_number):
            self.by_number.setdefault(normalize_doc_number(doc_number), []).append(entry)
        if title:
            for key, (strength, period) in title_keys(title).items():
                self.by_title.setdefault(key, []).append((strength, period, entry))

    def match(self, *, title: str | None, doc_number: str | None, citing: URIRef | None = None,
              citing_date: str | None = None) -> Resolution | None:
        """The best stored document for a citation: never the citing document itself, never one
        issued in a later year than the citing one, never another edition of the one named."""

        def possible(e: Entry) -> bool:
            return e.iri != citing and not (citing_date and e.date and e.date[:4] > citing_date[:4])

        if doc_number and looks_like_doc_number(doc_number):
            found = [e for e in self.by_number.get(normalize_doc_number(doc_number), []) if possible(e)]
            if found:
                return Resolution(_tie_break(found, title or "", citing_date).iri, "number")
        if not title:
            return None
        best: dict[URIRef, tuple[int, Entry]] = {}
        for key, (s1, p1) in title_keys(title).items():
            for s2, p2, entry in self.by_title.get(key, []):
                if p1 and p2 and p1 != p2:
                    continue  # 指南（2015年版） is not 指南（2021版）
                if possible(entry) and s1 + s2 < best.get(entry.iri, (99, entry))[0]:
                    best[entry.iri] = (s1 + s2, entry)
        if not best:
            return None
        strength = min(s for s, _ in best.values())
        top = [e for s, e in best.values() if s == strength]
        return Resolution(_tie_break(top, title, citing_date).iri, f"title:{strength}")

    def resolve(self, *, title: str | None, doc_number: str | None, citing: URIRef | None = None,
                citing_date: str | None = None) -> URIRef | None:
        hit = self.match(title=title, doc_number=doc_number, citing=citing, citing_date=citing_date)
        return None if hit is None else hit.iri

    @classmethod
    def from_documents(cls, docs: Iterable[Document], *, iris: Iris, scheme: Schemes | None = None) -> Catalog:
        from graph.build import document_iri  # build imports this module

        cat = cls()
        for doc in docs:
            m = doc.metadata
            cat.add(document_iri(doc, iris=iris, scheme=scheme), title=m.title, doc_number=m.doc_number,
                    date=m.date, issuers=m.issuers)
        return cat


def _tie_break(entries: list[Entry], cited_title: str, citing_date: str | None) -> Entry:
    """Earlier than the citing document first (closest date wins), then an issuer the citation names."""

    def key(e: Entry) -> tuple[bool, bool, str, bool, str]:
        after = bool(citing_date and e.date and e.date[:10] > citing_date[:10])
        named = any(name and name in cited_title for name in e.issuers)
        return (after, e.date is None, _invert(e.date or ""), not named, str(e.iri))

    return min(entries, key=key)


def _invert(date: str) -> str:
    """A string that sorts in the reverse order of ``date`` (so min() picks the latest)."""
    return "".join(chr(ord("9") - int(c) + ord("0")) if c.isdigit() else c for c in date)
