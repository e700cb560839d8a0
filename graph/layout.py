"""policykg's named-graph layout, kept once over any ``graph.backend.Backend``.

One named graph per document (``{base}/graph/doc/{id}``), one for the agencies documents share,
the computed links (one graph per local document, ``{base}/graph/links/{id}``, replaced alone, and
a shared one), one for the ontology and schemes, and a meta graph that holds

* the write counter (``write_state``): a token that changes with every write, bumped in the same
  update request as the write, so a reader can tell cheaply whether anything changed;
* the registry of document graphs with a content hash of each (``<graph> dcterms:hasVersion
  "sha…"``), written in the same request as the graph: ``documents()`` needs no scan of the
  store, and a rerun of an interrupted ``ingest`` skips the documents already written unchanged;
* the hash of the ontology files the ontology graph was loaded from, and the progress of
  batched bulk loads, so a rerun continues after the last batch the store acknowledged;
* the link state (``pkg:linkState``): what the links graphs were computed from, and per links
  graph its inputs (``pkg:linkInputs``), so a re-link recomputes only the graphs whose inputs changed.

Every write is one update request (one transaction on Oxigraph and Virtuoso); a graph larger than
the backend's ``batch_triples`` is loaded into a staging graph in batches, then swapped in with
one request.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef, Variable
from rdflib.namespace import DCTERMS, ORG
from rdflib.query import Result
from rdflib.term import Node

from graph.backend import Backend
from graph.backends.oxigraph import OxigraphBackend, recorded_base
from graph.build import BuiltDocument, Catalog, Triple, build_document
from graph.errors import ReadOnlyStoreError, UnknownDocumentError
from graph.export import check_format, serialize_quads, store_quads
from graph.iris import DEFAULT_BASE, Iris, document_iri
from graph.sparql_text import refuse_service, refuse_updates
from graph.summaries import STAT_CLASSES, IngestSummary, StoreStats
from graph.terms import n_triples
from ingest.model import Document
from ontology.loader import ontology_hash, vocabulary_graph
from ontology.namespaces import ELI, PKG, PREFIXES

LAYOUT = "policykg-layout-2"
"""The layout version in the meta graph; opening an older store registers its document graphs."""


def content_hash(built: BuiltDocument) -> str:
    """What a document's graph holds, so an unchanged one need not be written again."""
    h = hashlib.sha256(n_triples(sorted(built.triples)).encode())
    h.update(n_triples(sorted(built.shared)).encode())
    return h.hexdigest()[:32]


def _literal(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _insert(graph: URIRef | str, triples: Iterable[Triple]) -> list[str]:
    """``INSERT DATA`` for ``graph``, or no operation for no triples (Virtuoso refuses an empty one)."""
    nt = n_triples(triples)
    return [f"INSERT DATA {{ GRAPH <{graph}> {{\n{nt}}} }}"] if nt.strip() else []


class GraphStore:
    """The graph store the rest of policykg uses: ``GraphStore(data_dir)`` is embedded Oxigraph in
    ``data_dir`` (``None``: in memory); ``GraphStore(backend, base=...)`` is the layout on any backend."""

    def __init__(self, where: Backend | Path | str | None, *, base: str | None = None,
                 read_only: bool = False) -> None:
        if where is None or isinstance(where, str | Path):
            chosen = base or DEFAULT_BASE
            if where is not None:
                chosen = recorded_base(Path(where), base, default=DEFAULT_BASE, read_only=read_only)
            self.backend: Backend = OxigraphBackend(Path(where) if where is not None else None, read_only=read_only)
        else:
            self.backend, chosen = where, base or DEFAULT_BASE
        self.iris = Iris(chosen)
        self._meta = f"<{self.iris.meta_graph}>"
        self._write_lock = threading.Lock()
        self._kept: dict[str, tuple[str, Any]] = {}  # read models kept until the next write (``kept``)
        self._state: str | None = None  # the write counter, when the backend is exclusive
        if not self.read_only:
            self._prepare()

    def __repr__(self) -> str:
        return f"GraphStore({self.backend!r}, base={self.iris.base!r})"

    @property
    def read_only(self) -> bool:
        return self.backend.read_only

    @property
    def closed(self) -> bool:
        return self.backend.closed

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the meta graph

    def _meta_value(self, subject: str, prop: URIRef) -> str | None:
        rows = self.backend.query(f"SELECT ?v WHERE {{ GRAPH {self._meta} {{ {subject} <{prop}> ?v }} }} LIMIT 1")
        return next((str(r[Variable("v")]) for r in rows.bindings), None)

    def _set_meta(self, subject: str, prop: URIRef, value: str) -> list[str]:
        return [f"DELETE WHERE {{ GRAPH {self._meta} {{ {subject} <{prop}> ?old }} }}",
                f"INSERT DATA {{ GRAPH {self._meta} {{ {subject} <{prop}> {_literal(value)} }} }}"]

    def write_state(self) -> str:
        """A token that changes on every write (``"<counter>-<random>"``); ``"0"`` for an empty store.

        Every read path asks for it (is my index, my kept read model still current?), up to three
        times a search: on an exclusive backend only this process writes, so it is read once and
        then kept from its own writes."""
        if self._state is not None:
            return self._state
        state = self._meta_value(self._meta, PKG.graphState) or "0"
        if self.backend.exclusive:
            self._state = state
        return state

    def _write(self, ops: list[str]) -> str:
        """``ops`` plus the bump of the write counter as ONE update request; returns the new state."""
        if self.read_only:
            raise ReadOnlyStoreError("The graph store was opened read-only; writes need the writing process.")
        with self._write_lock:
            state = f"{int(self.write_state().split('-')[0]) + 1}-{uuid.uuid4().hex[:8]}"
            self._state = None  # a failed update leaves the counter to be read again
            self.backend.update(" ;\n".join([*ops, *self._set_meta(self._meta, PKG.graphState, state)]))
            if self.backend.exclusive:
                self._state = state
            return state

    def _versions(self) -> dict[str, str]:
        """The registry: document graph IRI -> content hash."""
        rows = self.backend.query(f"SELECT ?g ?h WHERE {{ GRAPH {self._meta} {{ ?g <{DCTERMS.hasVersion}> ?h }} }}")
        return {str(r[Variable("g")]): str(r[Variable("h")]) for r in rows.bindings}

    def _register(self, graphs: list[str], version: str) -> None:
        """Add ``graphs`` to the registry, in requests of at most ``batch_triples`` lines."""
        step = self.backend.batch_triples or max(len(graphs), 1)
        for i in range(0, len(graphs), step):
            lines = "".join(f"<{g}> <{DCTERMS.hasVersion}> {_literal(version)} .\n" for g in graphs[i:i + step])
            self.backend.update(f"INSERT DATA {{ GRAPH {self._meta} {{\n{lines}}} }}")

    def _unregistered(self) -> list[str]:
        known = self._versions()
        return [g for g in self.backend.graphs(f"{self.iris.base}/graph/doc/") if g not in known]

    def _prepare(self) -> None:
        """Load the ontology graph when its files changed; register the document graphs of a store
        written before the registry existed (they are rewritten by the next ingest)."""
        ops: list[str] = []
        h = ontology_hash()
        if self._meta_value(self._meta, PKG.ontologyHash) != h:
            g = self.iris.ontology_graph
            ops += [f"DROP SILENT GRAPH <{g}>", *_insert(g, vocabulary_graph()),
                    *self._set_meta(self._meta, PKG.ontologyHash, h)]
        if self._meta_value(self._meta, DCTERMS.conformsTo) != LAYOUT:
            self._register(self._unregistered(), "unknown")
            ops += self._set_meta(self._meta, DCTERMS.conformsTo, LAYOUT)
        if ops:
            self._write(ops)

    # -- writes

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> str:
        """Replace one named graph; returns the new write state. Up to the backend's
        ``batch_triples`` it is one request; larger graphs are loaded into a staging graph in
        batches, then swapped in with one ``DROP ; MOVE`` request (readers of the union default
        graph see the staging graph meanwhile)."""
        return self._write(self._graph_ops(graph, list(triples)))

    def _graph_ops(self, graph: URIRef | str, triples: list[Triple]) -> list[str]:
        """The ops that replace ``graph`` by ``triples``; a graph over ``batch_triples`` is sent
        to a staging graph first (in batches, now) and the ops move it in."""
        limit = self.backend.batch_triples
        if limit is None or len(triples) <= limit:
            return [f"DROP SILENT GRAPH <{graph}>", *_insert(graph, triples)]
        staging = f"{graph}-staging-{uuid.uuid4().hex[:8]}"
        self.backend.update(f"DROP SILENT GRAPH <{staging}>")
        for i in range(0, len(triples), limit):
            self.backend.update(" ;\n".join(_insert(staging, triples[i:i + limit])))
        return [f"DROP SILENT GRAPH <{graph}>", f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph}>"]

    # -- links: one graph per local document, one shared (``graph.iris.Iris.document_links_graph``)

    def links_graphs(self) -> list[str]:
        """The links graphs in the store: the shared one and one per linked local document."""
        shared = str(self.iris.links_graph)
        return [g for g in self.backend.graphs(shared) if g == shared or g.startswith(f"{shared}/")]

    def link_state(self) -> str:
        """What the stored links were computed from (``search.linking.link_state``); empty before the first link."""
        return self._meta_value(f"<{self.iris.links_graph}>", PKG.linkState) or ""

    def link_inputs(self) -> dict[str, str]:
        """Links graph IRI -> the inputs it was computed from (``search.link_store.link_inputs``)."""
        rows = self.backend.query(f"SELECT ?g ?k WHERE {{ GRAPH {self._meta} {{ ?g <{PKG.linkInputs}> ?k }} }}")
        return {str(r[Variable("g")]): str(r[Variable("k")]) for r in rows.bindings}

    def replace_links(self, graphs: Mapping[str, list[Triple]], *, drop: Iterable[str] = (), state: str,
                      inputs: Mapping[str, str] | None = None) -> str:
        """Replace the links graphs in ``graphs``, drop those in ``drop``, record ``inputs`` (links
        graph -> what it was computed from; a dropped graph's are deleted) and the link ``state``:
        one request on Oxigraph (a reader sees the old links or the new, never a mix); on a backend
        with ``batch_triples``, as many as its limit needs, the state in the last."""
        limit = self.backend.batch_triples
        keys = dict(inputs or {})
        ops: list[str] = []
        batch: list[str] = []
        size = 0
        for graph, triples in graphs.items():
            ops += self._graph_ops(graph, triples)
            batch.append(graph)
            size += len(triples)
            if limit is not None and size >= limit:  # a graph and its inputs go in one request
                self._write([*ops, *self._inputs_ops({g: keys.pop(g) for g in batch if g in keys})])
                ops, batch, size = [], [], 0
        while limit is not None and len(keys) > limit:  # the inputs of graphs recomputed and found unchanged
            self._write(self._inputs_ops({g: keys.pop(g) for g in list(keys)[:limit]}))
        dropped = list(drop)
        return self._write([*ops, *(f"DROP SILENT GRAPH <{g}>" for g in dropped), *self._inputs_ops(keys, dropped),
                            *self._set_meta(f"<{self.iris.links_graph}>", PKG.linkState, state)])

    def _inputs_ops(self, keys: Mapping[str, str], dropped: Iterable[str] = ()) -> list[str]:
        """The ops that record ``keys`` (links graph -> inputs) and forget the inputs of ``dropped``."""
        graphs = " ".join(f"<{g}>" for g in [*keys, *dropped])
        if not graphs:
            return []
        pattern = f"GRAPH {self._meta} {{ ?g <{PKG.linkInputs}> ?k }}"
        lines = "".join(f"<{g}> <{PKG.linkInputs}> {_literal(k)} .\n" for g, k in keys.items())
        return [f"DELETE {{ {pattern} }} WHERE {{ {pattern} VALUES ?g {{ {graphs} }} }}",
                *([f"INSERT DATA {{ GRAPH {self._meta} {{\n{lines}}} }}"] if lines else [])]

    def _document_ops(self, built: BuiltDocument, digest: str) -> list[str]:
        return [f"DROP SILENT GRAPH <{built.graph}>", *_insert(built.graph, built.triples),
                *_insert(self.iris.agencies_graph, built.shared),
                *self._set_meta(f"<{built.graph}>", DCTERMS.hasVersion, digest)]

    def replace_document(self, doc: Document, *, catalog: Catalog | None = None) -> BuiltDocument:
        """Build ``doc`` and replace its named graph in one request (re-ingest gives the same triples)."""
        built = build_document(doc, iris=self.iris, catalog=catalog if catalog is not None else self.catalog())
        self._write(self._document_ops(built, content_hash(built)))
        return built

    def ingest(self, docs: Iterable[Document], *,
               progress: Callable[[Document, BuiltDocument], None] | None = None) -> IngestSummary:
        """Replace the graph of every document; citations resolve against these and stored documents.

        Several documents go in one request up to the backend's ``batch_triples`` (one each when it
        has no limit). Documents whose graph is stored with the same content are skipped, so a
        rerun after a failure continues where it stopped."""
        docs = list(docs)
        catalog = self.catalog()
        for doc in docs:
            catalog.add(document_iri(doc, iris=self.iris), title=doc.metadata.title,
                        doc_number=doc.metadata.doc_number)
        stored = self._versions()
        summary = IngestSummary()
        limit = self.backend.batch_triples or 0
        pending: list[tuple[Document, BuiltDocument, str]] = []
        size = 0

        def flush() -> None:
            nonlocal size
            ops = [op for _, built, digest in pending if digest for op in self._document_ops(built, digest)]
            if ops:
                self._write(ops)
            for doc, built, _ in pending:
                if progress is not None:
                    progress(doc, built)
            pending.clear()
            size = 0

        for doc in docs:
            built = build_document(doc, iris=self.iris, catalog=catalog)
            digest = content_hash(built)
            summary.add(built)
            unchanged = stored.get(str(built.graph)) == digest
            pending.append((doc, built, "" if unchanged else digest))
            size += 0 if unchanged else len(built.triples) + len(built.shared)
            if size >= limit:
                flush()
        flush()
        summary.write_state = self.write_state()
        return summary

    def remove_document(self, doc_id: str) -> str:
        """Delete the named graph of ``doc_id``, its own links graphs and the agencies no other graph
        names; returns the new state. Links of other documents to it go at the next ``link``."""
        graph = self.iris.document_graph(doc_id)
        if str(graph) not in self._versions():
            raise UnknownDocumentError(f"No document '{doc_id}' in the store; see \"policykg stats\" for what is there.")
        agencies = f"<{self.iris.agencies_graph}>"
        orphans = (
            f"DELETE {{ GRAPH {agencies} {{ ?a ?p ?o }} }} WHERE {{ GRAPH {agencies} {{ ?a a <{ORG.Organization}> ; ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?x ?r ?a }} FILTER(?g != {agencies}) }} }}"
        )
        links = [str(self.iris.document_links_graph(doc_id)), str(self.iris.document_resembles_graph(doc_id))]
        return self._write([f"DROP SILENT GRAPH <{graph}>", *(f"DROP SILENT GRAPH <{g}>" for g in links), orphans,
                            f"DELETE WHERE {{ GRAPH {self._meta} {{ <{graph}> <{DCTERMS.hasVersion}> ?h }} }}",
                            *self._inputs_ops({}, links)])

    def bulk_load(self, source: Path | bytes, *, format: str = "nq", graph: URIRef | None = None,
                  progress: Callable[[int], None] | None = None) -> str:
        """Load a large RDF file outside transactions, resumably (``graph.bulk_load``)."""
        from graph.bulk_load import bulk_load

        return bulk_load(self, source, format=format, graph=graph, progress=progress)

    # -- reads

    def query(self, sparql: str, *, bindings: Mapping[str, Node] | None = None) -> Result:
        """Run a read-only SPARQL query (SELECT/ASK/CONSTRUCT/DESCRIBE) over the union of graphs,
        returned as an rdflib ``Result``; the project's prefixes are known without a declaration.

        ``bindings`` maps variable names (without ``?``) to RDF terms; they are never formatted
        into the text as they come. Raises ``UpdateRefusedError`` for updates and SERVICE, and
        ``QuerySyntaxError`` with the parser's message for malformed SPARQL.
        """
        if not isinstance(sparql, str):
            raise TypeError("pass the query as a string: a prepared Query makes rdflib bypass the store's engine")
        refuse_updates(sparql)
        refuse_service(sparql)
        return self.backend.query(sparql, bindings=bindings, prefixes=PREFIXES)

    def content_versions(self) -> dict[str, str]:
        """Document graph IRI -> content hash of the graph, from the registry (one read of the meta graph,
        no scan of any document). Derived data records these to tell, per document, what changed.

        A graph registered without a content hash (by ``bulk_load`` or from a store older than the
        registry) gets the write state instead, so any later write counts as a change to it."""
        state: str | None = None
        out: dict[str, str] = {}
        for graph, version in self._versions().items():
            if self.iris.doc_id_of_graph(graph) is None:
                continue
            if version in ("unknown", "bulk"):
                state = state or self.write_state()
                version = f"{version}@{state}"
            out[graph] = version
        return out

    def ontology_version(self) -> str:
        """The hash of the ontology files the ontology graph (regions, schemes) was loaded from."""
        return self._meta_value(self._meta, PKG.ontologyHash) or ""

    def documents(self) -> list[str]:
        """Ids of the documents in the store (from the registry), sorted."""
        ids = (self.iris.doc_id_of_graph(g) for g in self._versions())
        return sorted(i for i in ids if i is not None)

    def catalog(self) -> Catalog:
        """Titles and 文号 of the stored documents, for citation resolution."""
        cat = Catalog()
        rows = self.backend.query(
            f"SELECT ?d ?title ?num WHERE {{ GRAPH ?g {{ ?d a <{ELI.LegalResource}> "
            f"OPTIONAL {{ ?d <{DCTERMS.title}> ?title }} OPTIONAL {{ ?d <{ELI.id_local}> ?num }} }} }}")
        for row in rows.bindings:
            title, num = row.get(Variable("title")), row.get(Variable("num"))
            cat.add(URIRef(str(row[Variable("d")])), title=str(title) if title is not None else None,
                    doc_number=str(num) if num is not None else None)
        return cat

    def stats(self) -> StoreStats:
        """Triples per graph and instances per class, over the data graphs of this base; counted
        again only after a write (a count scans the store: ~0.8 s at 300k triples)."""
        return self.kept("stats", self._count)

    def kept(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, answered again from memory until the store's write counter moves: for read
        models that scan much of the store (counts, the overview, coverage, copy groups)."""
        state = self.write_state()
        hit = self._kept.get(key)
        if hit is None or hit[0] != state:
            hit = self._kept[key] = (state, compute())
        return hit[1]

    def _count(self) -> StoreStats:
        state = self.write_state()
        prefix = _literal(f"{self.iris.base}/graph/")
        n, g, t = Variable("n"), Variable("g"), Variable("type")
        rows = self.backend.query(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                                  f"FILTER(STRSTARTS(STR(?g), {prefix})) }} GROUP BY ?g").bindings
        graphs = {str(r[g]): int(r[n]) for r in rows if str(r[g]) != str(self.iris.meta_graph)}
        classes = dict(zip(STAT_CLASSES, (ELI.LegalResource, ELI.LegalResourceSubdivision, PKG.Task, PKG.Action,
                                          PKG.Target, PKG.Citation, ORG.Organization, PKG.Alignment), strict=True))
        rows = self.backend.query(
            f"SELECT ?type (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a ?type }} "
            f"FILTER(STRSTARTS(STR(?g), {prefix}) && ?g NOT IN (<{self.iris.ontology_graph}>, {self._meta})) "
            f"}} GROUP BY ?type").bindings
        found = {str(r[t]): int(r[n]) for r in rows}
        counts = {name: found.get(str(cls), 0) for name, cls in classes.items()}
        return StoreStats(documents=len(self.documents()), quads=sum(graphs.values()), graphs=graphs,
                          counts=counts, write_state=state)

    # -- export

    def export_quads(self, graph: str | None = None, *, include_ontology: bool = False) -> list[ox.Quad]:
        """The quads of one graph, of every links graph or of all data graphs (``graph.export.store_quads``)."""
        return store_quads(self, graph, include_ontology=include_ontology)

    def export(self, format: str, graph: str | None = None, *, include_ontology: bool = False) -> bytes:
        """Serialize one graph or all data graphs: ttl | nt (triples, merged) | trig | nq | jsonld (quads)."""
        check_format(format)
        return serialize_quads(self.export_quads(graph, include_ontology=include_ontology), format)
