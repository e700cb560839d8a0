"""Citations re-resolved at link time, against every stored document.

Ingest resolves a citation against what is stored when the citing document arrives; a national
plan ingested the day after the provincial plan that cites it stays unresolved there. Link time
sees the whole store, so every citation is resolved again here (``graph.citations.Catalog``:
文号 exactly, title keys tolerant of quotes, brackets, issuer prefix and 的通知 wrappers, date and
issuer as tie-breakers). Those that ingest left unresolved become triples of the links graph
(``pkg:citedDocument``, ``eli:cites``, ``eli:based_on`` for 贯彻落实/根据/…), so they are replaced
with every link run and never duplicate what a document's own graph says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from rdflib import URIRef

from graph.build import BASED_ON_RELATIONS, Triple
from graph.citations import Catalog
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
    method: str  # number | title:<strength>


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

    def summary(self) -> dict[str, int]:
        return {"citations": len(self.resolved) + len(self.unresolved), "resolved": len(self.resolved),
                "by_number": sum(r.method == "number" for r in self.resolved),
                "at_link_time": sum(r.citation.at_ingest is None for r in self.resolved)}


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
                                            _text(row, "date"), _text(row, "level") or "", _text(row, "region") or "", ()))
        if (name := _text(row, "issuerName")) and name not in issuers.setdefault(doc, []):
            issuers[doc].append(name)
    return [replace(d, issuers=tuple(sorted(issuers.get(iri, ())))) for iri, d in docs.items()]


def read_citations(store: GraphStore) -> list[CitationRow]:
    return [
        CitationRow(str(row.c), str(row.citing), str(row.citingId), _text(row, "citingDate"), str(row.relation),
                    _text(row, "title"), _text(row, "number"), str(row.source), _text(row, "resolved"))
        for row in store.query(internal_query("citations"))
    ]


def resolve(citations: Iterable[CitationRow], documents: Iterable[StoredDocument]) -> Resolutions:
    """Resolve every citation against ``documents``."""
    docs = list(documents)
    catalog = Catalog()
    for d in docs:
        catalog.add(URIRef(d.iri), title=d.title, doc_number=d.number, date=d.date, issuers=d.issuers)
    ids = {d.iri: d.id for d in docs}
    out = Resolutions()
    for c in citations:
        hit = catalog.match(title=c.title, doc_number=c.number, citing=URIRef(c.citing), citing_date=c.citing_date)
        if hit is None:
            out.unresolved.append(c)
        else:
            out.resolved.append(Resolved(c, str(hit.iri), ids[str(hit.iri)], hit.method))
    return out


def resolve_store(store: GraphStore, documents: Iterable[StoredDocument] | None = None) -> Resolutions:
    return resolve(read_citations(store), stored_documents(store) if documents is None else documents)


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
