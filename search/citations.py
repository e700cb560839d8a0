"""Citations re-resolved at link time, against every stored document.

Ingest resolves a citation against what is stored when the citing document arrives; a national
plan ingested the day after the provincial plan that cites it stays unresolved there. Link time
sees the whole store, so every citation is resolved again here (``graph.citations.Catalog``:
文号 exactly, title keys tolerant of quotes, brackets, issuer prefix and 的通知 wrappers, date and
issuer as tie-breakers). A citation of a stored document whose text carries no title (most
texts of a real corpus start with their body) is looked for by content: the cited title's topic
in the document's own words, its kind (本规划, 本意见) and the date order (``content_match``).
Those that ingest left unresolved become triples of the links graph
(``pkg:citedDocument``, ``eli:cites``, ``eli:based_on`` for 贯彻落实/根据/…), so they are replaced
with every link run and never duplicate what a document's own graph says.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rdflib import URIRef

from graph.build import BASED_ON_RELATIONS, Triple
from graph.citations import Catalog, looks_like_doc_number, title_keys
from graph.queries import internal_query
from graph.store import GraphStore
from ontology.namespaces import ELI, PKG


@dataclass(frozen=True)
class StoredDocument:
    """A stored document as linking sees it (``document-catalog.rq``)."""

    iri: str
    id: str
    title: str | None
    number: str | None
    date: str | None
    level: str
    region: str
    issuers: tuple[str, ...]
    preamble: str | None = None  # the opening before the first provision (eli:description)


@dataclass(frozen=True)
class CitationRow:
    node: str
    citing: str
    citing_id: str
    citing_date: str | None
    relation: str
    title: str | None
    number: str | None
    source: str  # the provision it was read in, or the citing document (preamble)
    at_ingest: str | None  # the document ingest resolved it to


@dataclass(frozen=True)
class Resolved:
    citation: CitationRow
    target: str
    target_id: str
    method: str  # number | title:<strength> | content


@dataclass
class Resolutions:
    """Every citation of the store, resolved or not."""

    resolved: list[Resolved] = field(default_factory=list)
    unresolved: list[CitationRow] = field(default_factory=list)

    def document_citations(self) -> dict[str, dict[str, str]]:
        """Citing document id -> {cited document id: the citation's words}, from anywhere in the text."""
        out: dict[str, dict[str, str]] = {}
        for r in self.resolved:
            c = r.citation
            out.setdefault(c.citing_id, {}).setdefault(r.target_id, f"{c.relation}《{c.title or ''}》{c.number or ''}")
        return out

    def basis_elsewhere(self) -> set[str]:
        """Documents that name what they carry out (根据/依据/按照/贯彻落实《…》) and no stored
        document is it: their parent is likely outside the store, so the nearest topical neighbour
        is not it. A bare 落实《…》 is left out: it usually takes up one requirement of a guide or
        standard inside a task, not the document's basis."""
        return {c.citing_id for c in self.unresolved if c.relation in BASIS_RELATIONS}

    def summary(self) -> dict[str, int]:
        return {"citations": len(self.resolved) + len(self.unresolved), "resolved": len(self.resolved),
                "by_number": sum(r.method == "number" for r in self.resolved),
                "by_content": sum(r.method == "content" for r in self.resolved),
                "at_link_time": sum(r.citation.at_ingest is None for r in self.resolved)}


BASIS_RELATIONS = BASED_ON_RELATIONS - {"落实"}


def _text(row: object, name: str) -> str | None:
    value = getattr(row, name, None)
    return None if value is None else str(value)


def stored_documents(store: GraphStore) -> list[StoredDocument]:
    """Every stored document with the metadata citations and linking use."""
    docs: dict[str, StoredDocument] = {}
    issuers: dict[str, list[str]] = {}
    for row in store.query(internal_query("document-catalog")):
        doc = str(row.doc)
        docs.setdefault(doc, StoredDocument(doc, str(row.id), _text(row, "title"), _text(row, "number"),
                                            _text(row, "date"), _text(row, "level") or "", _text(row, "region") or "", (),
                                            _text(row, "preamble")))
        if (name := _text(row, "issuerName")) and name not in issuers.setdefault(doc, []):
            issuers[doc].append(name)
    return [replace(d, issuers=tuple(sorted(issuers.get(iri, ())))) for iri, d in docs.items()]


def cited_names(store: GraphStore) -> dict[str, CitedNames]:
    """Document id -> the 文号 and titles other stored texts cite it by (``cited-names.rq``): many
    copies (a 国务院 plan as republished, a text cut from a web page) never state their own number
    or title, yet staff ask for them by it."""
    numbers: dict[str, set[str]] = {}
    titles: dict[str, set[str]] = {}
    for row in store.query(internal_query("cited-names")):  # distinct (id, name) rows
        name = str(row.name).strip()
        if looks_like_doc_number(name):
            numbers.setdefault(str(row.id), set()).add(name)
        elif name:
            titles.setdefault(str(row.id), set()).add(name.strip("《》"))
    return {doc: CitedNames(tuple(sorted(numbers.get(doc, ()))), tuple(sorted(titles.get(doc, ()))))
            for doc in numbers.keys() | titles.keys()}


@dataclass(frozen=True)
class CitedNames:
    """What other texts call one document when they cite it."""

    numbers: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()


def read_citations(store: GraphStore) -> list[CitationRow]:
    return [
        CitationRow(str(row.c), str(row.citing), str(row.citingId), _text(row, "citingDate"), str(row.relation),
                    _text(row, "title"), _text(row, "number"), str(row.source), _text(row, "resolved"))
        for row in store.query(internal_query("citations"))
    ]


def resolve(citations: Iterable[CitationRow], documents: Iterable[StoredDocument],
            texts: Mapping[str, str] | None = None) -> Resolutions:
    """Resolve every citation against ``documents``: by 文号 or title (``graph.citations.Catalog``),
    else, given the documents' ``texts`` (id -> provision texts), by content against the stored
    documents that have no title (``content_match``; method ``content``). A document's preamble
    is read with its provisions: it is where a text says what it is (为…，制定本规划)."""
    docs = list(documents)
    catalog = Catalog()
    for d in docs:
        catalog.add(URIRef(d.iri), title=d.title, doc_number=d.number, date=d.date, issuers=d.issuers)
    ids = {d.iri: d.id for d in docs}
    untitled = {d.id: (d, own_text(body)) for d in docs
                if not d.title and (body := "\n".join(filter(None, (d.preamble, (texts or {}).get(d.id)))))}
    texts_of = {i: t for i, (d, t) in untitled.items()}
    candidates: dict[tuple[str, str], list[tuple[str, float]]] = {}  # per topic, over every untitled document
    out = Resolutions()
    for c in citations:
        hit = catalog.match(title=c.title, doc_number=c.number, citing=URIRef(c.citing), citing_date=c.citing_date)
        if hit is not None:
            out.resolved.append(Resolved(c, str(hit.iri), ids[str(hit.iri)], hit.method))
            continue
        topic = title_topic(c.title) if c.title else None
        if topic and topic not in candidates:
            candidates[topic] = topic_candidates(*topic, texts_of, floor=CONTENT_FLOOR)
        found = topic and best_candidate([(i, v) for i, v in candidates[topic]
                                          if i != c.citing_id and not _after(untitled[i][0].date, c.citing_date)])
        if found:
            out.resolved.append(Resolved(c, untitled[found[0]][0].iri, found[0], "content"))
        else:
            out.unresolved.append(c)
    return out


def _after(date: str | None, citing_date: str | None) -> bool:
    """Issued after the citing document (both dates known): it cannot be the one cited."""
    return bool(date and citing_date and date[:10] > citing_date[:10])


def resolve_store(store: GraphStore, documents: Iterable[StoredDocument] | None = None,
                  texts: Mapping[str, str] | None = None) -> Resolutions:
    return resolve(read_citations(store), stored_documents(store) if documents is None else documents, texts)


def citation_triples(resolutions: Resolutions, canonical: Mapping[str, str] | None = None) -> list[Triple]:
    """Links-graph triples for citations resolved now but not at ingest (a citation of a copy of
    the citing document itself, e.g. a notice naming the guide it carries, is left out)."""
    canonical = canonical or {}
    out: list[Triple] = []
    for r in resolutions.resolved:
        c = r.citation
        if c.at_ingest is not None or canonical.get(r.target_id, r.target_id) == canonical.get(c.citing_id, c.citing_id):
            continue
        target, citing = URIRef(r.target), URIRef(c.citing)
        out.append((URIRef(c.node), PKG.citedDocument, target))
        out.append((citing, ELI.cites, target))
        if c.relation in BASED_ON_RELATIONS:
            out.append((citing, ELI.based_on, target))
    return list(dict.fromkeys(out))


# ------------------------------------------------------------ citations of documents without a title

_KIND = re.compile(r"(规划纲要|发展纲要|纲要|规划|指导意见|实施意见|若干意见|意见|行动计划|计划|实施方案|工作方案|方案|"
                   r"指南|指引|管理办法|实施办法|办法|规定|细则|条例|决定|通知|框架|倡议|规范|标准)$")
_SELF = {"规划纲要": "纲要", "发展纲要": "纲要", "指导意见": "意见", "实施意见": "意见", "若干意见": "意见",
         "行动计划": "计划", "实施方案": "方案", "工作方案": "方案", "管理办法": "办法", "实施办法": "办法"}
_QUALIFIERS = "指导|实施|行动|工作|管理|若干|发展|专项"
"""What stands between 本 and a kind when a text names itself: 本指导意见, 本行动计划 (not 本地区规划)."""
_CITED = re.compile(r"《[^《》]{0,80}》")
MIN_TOPIC = 4
"""A cited title must keep this many characters once its kind (规划, 意见…) is cut off to be looked for by content."""
CONTENT_MIN, CONTENT_MARGIN = 0.75, 0.3
"""Read by hand on the real corpus's citations (tests/data/gold/real/citations.toml): below 0.75,
or with a runner-up within 0.3, the best candidate was as often wrong as right."""
CONTENT_FLOOR = CONTENT_MIN - CONTENT_MARGIN
"""A candidate below it changes no answer of ``best_candidate``: it is not the best (< 0.75), and a
runner-up that low leaves any best at least 0.3 ahead."""


def title_topic(title: str) -> tuple[str, str] | None:
    """What a cited title is about and what kind of document it names: 国务院关于印发《新一代人工智能发展规划》的通知
    -> (新一代人工智能发展, 规划); None when too little is left to look for."""
    keys = title_keys(title)
    key = min(keys, key=lambda k: (keys[k][0] == 0 and len(keys) > 1, len(k)))  # the core, issuer and wrapper cut
    key = re.sub(r"\((?:\d{4}.*|试行|征求意见稿|\d+版|[^()]*〔\d{4}〕[^()]*号)\)$", "", key).removeprefix("关于")
    m = _KIND.search(key)
    if m is None:
        return None
    topic = key[: m.start()].removesuffix("的")
    return (topic, _SELF.get(m.group(), m.group())) if len(topic) >= MIN_TOPIC else None


def content_candidates(title: str, texts: Mapping[str, str]) -> list[tuple[str, float]]:
    """Documents whose own text (``texts``: citations of other documents already masked, see
    ``own_text``) reads like the one a title names: the share of the title's topic found as one
    stretch, halved unless the text calls itself by the title's kind (本规划, 制定本指导意见, 提出以下意见…);
    best first."""
    parsed = title_topic(title)
    return topic_candidates(*parsed, texts) if parsed else []


def topic_candidates(topic: str, kind: str, texts: Mapping[str, str], *, floor: float = 0.0) -> list[tuple[str, float]]:
    """``content_candidates`` of a parsed title (``title_topic``): many citations name one topic.
    ``floor``: leave out the candidates scoring below it (``CONTENT_FLOOR``: what ``best_candidate``
    can never be swayed by), and look for no stretch too short to reach it."""
    out = []
    for doc_id, text in texts.items():
        weight = 1.0 if _names_itself(text, kind) else 0.5
        shortest = max(1, math.ceil(floor * len(topic) / weight - 1e-9))
        if (span := _longest_run(topic, text, at_least=shortest)) and span / len(topic) * weight >= floor:
            out.append((doc_id, span / len(topic) * weight))
    return sorted(out, key=lambda t: (-t[1], t[0]))


@lru_cache(maxsize=4096)
def _names_itself(text: str, kind: str) -> bool:
    """The text calls itself a ``kind``: 本规划, 制定本指导意见, 提出以下意见 (once per text and kind:
    link time asks it for every citation and every untitled document)."""
    return re.search(rf"(?:本|提出(?:如下|以下))(?:{_QUALIFIERS})?{kind}", text) is not None


def own_text(text: str) -> str:
    """A document's text without the 《titles》 it cites: what it says of itself."""
    return _CITED.sub("", text)


def content_match(title: str, texts: Mapping[str, str]) -> tuple[str, float] | None:
    """The one document a title names by content, or None (``best_candidate``)."""
    return best_candidate(content_candidates(title, texts))


def best_candidate(found: list[tuple[str, float]]) -> tuple[str, float] | None:
    """The first of ``content_candidates``, or None: it must score at least ``CONTENT_MIN`` and
    lead the next by ``CONTENT_MARGIN`` (a topic shared by several documents names none of them)."""
    if not found or found[0][1] < CONTENT_MIN:
        return None
    if len(found) > 1 and found[0][1] - found[1][1] < CONTENT_MARGIN:
        return None
    return found[0]


def _longest_run(needle: str, hay: str, *, at_least: int = 1) -> int:
    """The length of the longest piece of ``needle`` found whole in ``hay`` (0 when none is
    ``at_least`` long: shorter pieces are not looked for)."""
    best = at_least - 1
    for i in range(len(needle) - best):
        j = i + best + 1
        while j <= len(needle) and needle[i:j] in hay:
            best, j = j - i, j + 1
    return best if best >= at_least else 0
