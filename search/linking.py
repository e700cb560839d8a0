"""National <-> local linking, at two levels: documents and provisions.

1. Every local provision (provincial, municipal; one copy of a duplicated document) is asked
   for its best candidates one level up (``search.doclinks.probe``: national ones, and for a
   city also its own province's, so chains municipal -> provincial -> national form).
2. **Documents**: the probes, the citations re-resolved against the whole store
   (``search.citations``), titles and dates are aggregated per (local document, candidate) and
   scored by the document model; ``eli:implements`` between documents only above its calibrated
   cut, so a document whose parent is not stored gets none.
3. **Provisions**: the second stage (``search.rerank``) rescores each probe's candidates;
   ``eli:implements`` for the best one above the provision model's cut, and only inside a
   document asserted in step 2.

Both models are fitted with cross-validation on the gold (``scripts/fit_linking.py``) and ship
as ``search/linking_models.json``. A second, separately named relation, ``resembles``, links
local provisions of different provinces to each other. Copies of one document
(``search.duplicates``) are linked once, through the copy kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from rdflib import URIRef
from tqdm import tqdm

from graph.build import Triple, alignment_triples
from graph.iris import Iris
from graph.store import GraphStore
from ontology.namespaces import METHOD, PKG
from search.citations import Resolutions, StoredDocument, citation_triples, resolve_store, stored_documents
from search.doclinks import (
    DOC_FEATURES,
    DocInfo,
    DocPair,
    Query,
    doc_infos,
    doc_pairs,
    is_asserted,
    parents,
    probe,
    province_of,
    score_pairs,
)
from search.duplicates import (
    Duplicates,
    Text,
    duplicate_triples,
    find_duplicates,
    load_signatures,
    save_signatures,
)
from search.filters import Filters
from search.hybrid import Hit, HybridIndex
from search.model import Model, load_model
from search.rerank import PROVISION_FEATURES, assertable, rerank
from search.unit_cache import text_key
from search.units import SearchError, Skipped, Unit, unsearchable

Relation = Literal["implements", "resembles"]
LOCAL_LEVELS = ("provincial", "municipal")

# The model reads 512 tokens and BM25 gains nothing from more: an enormous unit (a whole annex
# pasted into one item) is asked with its beginning, not with 100k characters.
MAX_QUERY_CHARS = 2000


@dataclass
class Link:
    """One computed link, stored as a qualified node in the links graph."""

    local: str
    target: str
    relation: Relation
    score: float
    rank: int
    method: str  # citation | reranked | document | hybrid
    model: str | None
    evidence: str  # matched words, the citation, the document evidence
    dense_score: float | None = None
    lexical_score: float | None = None
    asserted: bool = False  # above the calibrated cut: also an eli:implements triple
    local_doc: str = ""  # the local document's id: the links graph the link is stored in

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LinkContext:
    """What linking knows about the stored documents besides the index: their metadata, the
    citations resolved against all of them, and which texts are copies of one another."""

    stored: list[StoredDocument]
    docs: dict[str, DocInfo]
    resolutions: Resolutions
    duplicates: Duplicates

    @property
    def canonical(self) -> dict[str, str]:
        return self.duplicates.canonical()

    @property
    def cites(self) -> dict[str, dict[str, str]]:
        """Citing document -> cited documents (a copy of the citing document itself left out)."""
        canon = self.canonical
        return {citing: {d: w for d, w in cited.items() if canon.get(d, d) != canon.get(citing, citing)}
                for citing, cited in self.resolutions.document_citations().items()}


def link_context(store: GraphStore, index: HybridIndex, *, signatures: Path | None = None) -> LinkContext:
    """Read documents and citations from the store; find copies from the indexed provision texts
    (their MinHash signatures kept in the file ``signatures``, when given, for the next link)."""
    stored = stored_documents(store)
    texts: dict[str, list[str]] = {}
    units = provisions(index)
    for u in units:
        texts.setdefault(u.doc_id, []).append(u.text)
    docs = doc_infos(stored, units)
    kept = load_signatures(signatures) if signatures is not None else {}
    items = [Text(d.id, d.iri, "\n".join(texts.get(d.id, ())), d.date) for d in stored]
    dups = find_duplicates(items, signatures=kept)
    if signatures is not None:
        live = {text_key(t.text) for t in items}
        save_signatures(signatures, {k: v for k, v in kept.items() if k in live})
    resolutions = resolve_store(store, stored, {d: "\n".join(t) for d, t in texts.items()})
    elsewhere = resolutions.basis_elsewhere()
    docs = {i: replace(d, basis_elsewhere=i in elsewhere) for i, d in docs.items()}
    return LinkContext(stored, docs, resolutions, dups)


def provisions(index: HybridIndex) -> list[Unit]:
    """The provisions of ``index``, in index order: only their records are read (a real corpus
    has three actions for each provision)."""
    return [index.units[int(row)] for row in np.flatnonzero(index.columns.isin("kind", ["provision"]))]


@dataclass
class Linking:
    """The links of one run, the document pairs they were decided from, and the local provisions
    it could not ask about."""

    links: list[Link]
    pairs: list[DocPair] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    implements_for: list[str] = field(default_factory=list)  # the local documents linked to what they implement
    resembles_for: list[str] = field(default_factory=list)  # those whose resemblances were computed


def linked_documents(ctx: LinkContext) -> list[str]:
    """The local documents a link links: provincial and municipal ones, one copy of each text."""
    canonical = ctx.canonical
    return [d.id for d in ctx.stored if d.level in LOCAL_LEVELS and canonical.get(d.id, d.id) == d.id]


def link_units(index: HybridIndex, ctx: LinkContext, *, top: int = 3, horizontal_top: int = 2,
               doc_model: Model | None = None, provision_model: Model | None = None,
               implements_for: Collection[str] | None = None, resembles_for: Collection[str] | None = None,
               progress: bool = False) -> Linking:
    """Document and provision links for the local documents in ``implements_for``, cross-province
    resemblances for those in ``resembles_for`` (each: every linked local document when None)."""
    if index.embedder is None:
        raise SearchError("Linking needs the embedding model; load the index with an embedder.")
    doc_model = doc_model or load_model("document", DOC_FEATURES)
    provision_model = provision_model or load_model("provision", PROVISION_FEATURES)
    canonical = ctx.canonical
    linked = set(linked_documents(ctx))
    implements_for = linked if implements_for is None else linked & set(implements_for)
    resembles_for = linked if resembles_for is None else linked & set(resembles_for)
    local: list[Unit] = []
    similar: list[Unit] = []
    skipped: list[Skipped] = []
    wanted = implements_for | resembles_for
    for u in provisions(index):
        if u.doc_id not in wanted:
            continue
        reason = unsearchable(query_text(u))
        if reason is not None:
            skipped.append(Skipped(u.iri, reason))
            continue
        if u.doc_id in implements_for:
            local.append(u)
        if u.doc_id in resembles_for:
            similar.append(u)
    probes = probe(index, [Query(u.iri, u.doc_id, u.level, u.region, query_text(u)) for u in local],
                   canonical=canonical, progress=progress)
    cites = ctx.cites  # a property computed on each read: once here, not per candidate
    pairs = score_pairs(doc_pairs(probes, ctx.docs, cites, canonical=canonical), doc_model)
    asserted = {d: {p.parent for p in ps} for d, ps in parents(pairs, doc_model).items()}
    iri_of = {d.id: d.iri for d in ctx.stored}
    links = _document_links(pairs, iri_of, doc_model, top=top)
    for unit, scored in zip(local, rerank(probes, pairs, provision_model, asserted), strict=True):
        for rank, s in enumerate(scored[:top], start=1):
            link = _from_hit(unit, s.hit, "implements", rank, index.model)
            link.score = s.prob
            cited = s.hit.unit.doc_id in cites.get(unit.doc_id, {})
            link.method = "citation" if cited else "reranked"
            if cited:
                link.evidence = f"cites {s.hit.unit.doc_number or s.hit.unit.doc_title}; " + link.evidence
            link.asserted = (rank == 1 and s.prob >= provision_model.cut and assertable(s.features)
                             and s.hit.unit.doc_id in asserted.get(unit.doc_id, set()))
            links.append(link)
    if len({province_of(ctx.docs[d].region) for d in linked}) > 1:  # one province: nothing to resemble
        links.extend(_resembles(index, similar, horizontal_top=horizontal_top, progress=progress))
    return Linking(links, pairs, skipped, sorted(implements_for), sorted(resembles_for))


def _document_links(pairs: Iterable[DocPair], iri_of: dict[str, str], model: Model, *, top: int) -> list[Link]:
    out: list[Link] = []
    rank: dict[str, int] = {}
    for pair in pairs:  # best first within each local document
        rank[pair.local] = rank.get(pair.local, 0) + 1
        if rank[pair.local] > top:
            continue
        method = "citation" if pair.features["cites"] else "document"
        out.append(Link(iri_of[pair.local], iri_of[pair.parent], "implements", pair.prob, rank[pair.local], method,
                        None, "; ".join(pair.evidence), asserted=is_asserted(pair, model), local_doc=pair.local))
    return out


def _resembles(index: HybridIndex, local: list[Unit], *, horizontal_top: int, progress: bool) -> list[Link]:
    """The best matches among other provinces' local provisions (not implementation)."""
    if not local or horizontal_top <= 0 or index.embedder is None:
        return []
    queries = [query_text(u) for u in local]
    filters = Filters(level=LOCAL_LEVELS, kind="provision")
    found = index.search_many(queries, k=horizontal_top + 20, filters=[filters] * len(queries),
                              vectors=index.embedder.embed_queries(queries))
    out = []
    for unit, hits in tqdm(zip(local, found, strict=True), total=len(local), desc="resembles", unit="provision",
                           disable=not progress):
        rank = 0
        for hit in hits:
            if province_of(hit.unit.region) == province_of(unit.region) or unsearchable(query_text(hit.unit)):
                continue
            rank += 1
            out.append(_from_hit(unit, hit, "resembles", rank, index.model))
            if rank == horizontal_top:
                break
    return out


def query_text(unit: Unit) -> str:
    """What a local provision asks for: its heading and text (headings alone are too short)."""
    text = f"{unit.heading}。{unit.text}" if unit.heading and not unit.text.startswith(unit.heading) else unit.text
    return text[:MAX_QUERY_CHARS]


def _from_hit(unit: Unit, hit: Hit, relation: Relation, rank: int, model: str) -> Link:
    return Link(
        local=unit.iri,
        target=hit.iri,
        relation=relation,
        score=hit.score,
        rank=rank,
        method="hybrid",
        model=model,
        evidence="、".join(hit.matched[:12]),
        dense_score=hit.dense_score,
        lexical_score=hit.lexical_score,
        local_doc=unit.doc_id,
    )


@dataclass
class LinkSummary:
    """What one linking run stated (of the local documents it relinked), and the store state after it was written."""

    documents_relinked: int = 0  # local documents whose links were computed: those whose inputs changed
    documents_kept: int = 0  # local documents whose links were kept: their inputs are as when last linked
    local_units: int = 0
    implements: int = 0
    asserted: int = 0
    resembles: int = 0
    documents_linked: int = 0  # local documents with an asserted parent document
    by_method: dict[str, int] = field(default_factory=dict)
    citations: int = 0
    citations_resolved: int = 0
    copy_groups: int = 0
    edition_series: int = 0
    write_state: str = ""  # the store's write counter once the links graphs were written
    skipped: list[Skipped] = field(default_factory=list)  # local provisions without words to search with
    mode: str = "full"  # full | incremental | unchanged (nothing written: the store has not changed since)
    graphs_written: int = 0  # links graphs replaced (two per local document whose links changed, and the shared one)
    graphs_dropped: int = 0  # links graphs of documents no longer linked (removed, or now a copy)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_METHODS = {"citation": METHOD.citation, "reranked": METHOD.reranked, "document": METHOD.document,
            "hybrid": METHOD.hybrid}


LinkGraphs = dict[str, list[Triple]]
"""Links graph IRI -> its triples: two per linked local document, and the shared one."""


def link_triples(linking: Linking, ctx: LinkContext, *, generated: str, iris: Iris) -> tuple[LinkGraphs, LinkSummary]:
    """The links graphs of the local documents ``linking`` relinked, and the shared one. A local
    document's graph (``Iris.document_links_graph``) holds a qualified alignment node per
    ``implements`` candidate of the document and its provisions (plus ``eli:implements`` when
    asserted); its resembles graph (``Iris.document_resembles_graph``) ``pkg:correspondsTo`` for each
    best cross-province match; the shared graph the citations resolved at link time and the copy
    groups and edition series (a graph with nothing to hold is there, empty)."""
    graphs: LinkGraphs = {str(iris.document_links_graph(d)): [] for d in linking.implements_for}
    graphs.update({str(iris.document_resembles_graph(d)): [] for d in linking.resembles_for})
    summary = LinkSummary(documents_relinked=len(linking.implements_for))
    doc_iris = {d.iri for d in ctx.stored}
    for link in linking.links:
        if link.relation == "implements":
            graphs[str(iris.document_links_graph(link.local_doc))].extend(alignment_triples(
                URIRef(link.local), URIRef(link.target), score=link.score, rank=link.rank, method=_METHODS[link.method],
                generated=generated, model=link.model, evidence=link.evidence or None,
                implements=link.asserted, iris=iris))
            summary.by_method[link.method] = summary.by_method.get(link.method, 0) + 1
            summary.implements += 1
            summary.asserted += link.asserted
            summary.documents_linked += link.asserted and link.local in doc_iris
        elif link.rank == 1:  # horizontal: the best match in another province
            graphs[str(iris.document_resembles_graph(link.local_doc))].append(
                (URIRef(link.local), PKG.correspondsTo, URIRef(link.target)))
            summary.resembles += 1
    summary.local_units = len({link.local for link in linking.links if link.local not in doc_iris})
    summary.skipped = linking.skipped
    graphs[str(iris.links_graph)] = [*citation_triples(ctx.resolutions, ctx.canonical),
                                     *duplicate_triples(ctx.duplicates, {d.id: d.iri for d in ctx.stored}, iris=iris)]
    counts = ctx.resolutions.summary()
    summary.citations, summary.citations_resolved = counts["citations"], counts["resolved"]
    summary.copy_groups, summary.edition_series = len(ctx.duplicates.copies()), len(ctx.duplicates.editions())
    return graphs, summary


def build_links(ctx: LinkContext, index: HybridIndex, *, stale: Collection[str], generated: str, iris: Iris,
                progress: bool = False) -> tuple[LinkGraphs, LinkSummary]:
    """The links graphs ``policykg link`` computes: those in ``stale`` (``search.link_store.stale``)
    and the shared one."""
    linked = linked_documents(ctx)
    linking = link_units(index, ctx, progress=progress,
                         implements_for=[d for d in linked if str(iris.document_links_graph(d)) in stale],
                         resembles_for=[d for d in linked if str(iris.document_resembles_graph(d)) in stale])
    graphs, summary = link_triples(linking, ctx, generated=generated, iris=iris)
    summary.documents_kept = len(linked) - summary.documents_relinked
    return graphs, summary
