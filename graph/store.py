"""The graph store: rdflib over the ``oxrdflib`` Oxigraph store, on disk in a data directory.

The only module that knows Oxigraph. One named graph per document
(``{base}/graph/doc/{id}``), one for computed links, one for the ontology and schemes, and a
small meta graph that holds the write counter (``graph_state``). Every write is one SPARQL
update, which Oxigraph applies in one transaction: a reader never sees half a document.

Reads are evaluated by Oxigraph with the query as a *string* (never a prepared rdflib ``Query``,
which would make rdflib fall back, silently, to its own slow engine), the default graph being
the union of all named graphs, values bound as Oxigraph substitutions (rdflib's
``initBindings``), and results returned as rdflib ``Result`` objects. ``GraphStore.dataset`` is
the same store as an rdflib ``Dataset`` over ``oxrdflib`` for code that wants rdflib's API.

One process holds the store for writing (RocksDB's lock); a second one gets
``StoreLockedError`` with what to do, or opens it ``read_only``.

``GraphStore`` implements ``graph.backend.Store``; ``open_store`` is the factory that returns it
or a remote SPARQL 1.1 store (``graph.remote.RemoteStore``) depending on the ``store`` setting.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from oxrdflib._converter import from_ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import ORG
from rdflib.query import Result
from rdflib.term import Node

from graph.backend import (
    EXPORT_FORMATS,
    ExportFormat,
    ExportFormatError,
    IngestSummary,
    QuerySyntaxError,
    QueryTimeoutError,
    ReadOnlyStoreError,
    Store,
    StoreError,
    StoreLockedError,
    StoreStats,
    UnknownDocumentError,
    UpdateRefusedError,
    refuse_updates,
)
from graph.build import BuiltDocument, Catalog, Triple, build_document, document_iri
from graph.iris import DEFAULT_BASE, Iris
from ingest.model import Document
from ontology.loader import context, ontology_hash, vocabulary_graph
from ontology.namespaces import ELI, PKG, PREFIXES

__all__ = [  # the errors and results live in graph.backend (shared with graph.remote); imported from here
    "EXPORT_FORMATS", "ExportFormat", "ExportFormatError", "GraphStore", "IngestSummary", "QuerySyntaxError",
    "QueryTimeoutError", "ReadOnlyStoreError", "Store", "StoreError", "StoreLockedError", "StoreStats",
    "UnknownDocumentError", "UpdateRefusedError", "default_data_dir", "open_store", "serialize_quads",
]

_OX_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "trig": ox.RdfFormat.TRIG,
               "nq": ox.RdfFormat.N_QUADS}


def default_data_dir() -> Path:
    """``$POLICYKG_DATA`` or ``./data``."""
    return Path(os.environ.get("POLICYKG_DATA", "data"))


# ---------------------------------------------------------------- term conversion


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"cannot store {term!r}")


def _to_result(raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> Result:
    cache: dict[object, Node] = {}

    def conv(term: object) -> Node:
        node = cache.get(term)
        if node is None:
            node = cache[term] = from_ox(term)
        return node

    if isinstance(raw, ox.QueryBoolean):
        out = Result("ASK")
        out.askAnswer = bool(raw)
    elif isinstance(raw, ox.QuerySolutions):
        out = Result("SELECT")
        out.vars = [Variable(v.value) for v in raw.variables]
        out.bindings = [{v: conv(t) for v, t in zip(out.vars, row, strict=True) if t is not None} for row in raw]
    else:
        out = Result("CONSTRUCT")
        out.graph = Graph()
        for t in raw:
            out.graph.add((conv(t.subject), conv(t.predicate), conv(t.object)))
    return out


def _ox_triples(triples: Iterable[Triple]) -> list[ox.Triple]:
    return [ox.Triple(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in triples]


# ---------------------------------------------------------------- the store

_OPEN: dict[object, Store] = {}
_OPEN_LOCK = threading.Lock()


def _check_base(data_dir: Path | None, base: str | None, *, read_only: bool) -> str:
    """The base IRI of the store in ``data_dir``: recorded at creation in ``store.json``.

    Every IRI in the store, the ontology and meta graphs included, is minted under one base;
    opening it with another would start a second ontology graph beside the first, and joins
    over the union graph would count every scheme label twice. So a different base is refused.
    """
    if data_dir is None:
        return base or DEFAULT_BASE
    record = Path(data_dir) / "store.json"
    try:
        recorded = json.loads(record.read_text(encoding="utf-8")).get("base") if record.is_file() else None
    except (OSError, ValueError) as e:
        raise StoreError(f"Cannot read {record}: {e}", hint="Restore the file or ingest into a new data directory.") from e
    if recorded and base and recorded.rstrip("/") != base.rstrip("/"):
        raise StoreError(
            f"The graph store in {data_dir} was built with base IRI {recorded}, not {base}.",
            hint=f"Set POLICYKG_BASE_IRI={recorded}, or ingest into a new data directory.",
        )
    chosen = recorded or base or DEFAULT_BASE
    if recorded is None and not read_only:
        try:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            tmp = record.with_suffix(".tmp")
            tmp.write_text(json.dumps({"base": chosen}) + "\n", encoding="utf-8")
            tmp.replace(record)
        except OSError as e:
            raise StoreError(f"Cannot write to the data directory {data_dir}: {e}",
                             hint="Check that --data or POLICYKG_DATA is a folder you can write.") from e
    return chosen


def open_store(data_dir: Path | None = None, *, base: str | None = None, read_only: bool = False,
               store: str | None = None) -> Store:
    """The process's store, opened once per location.

    ``store`` is the store spec (the ``store`` setting; default ``$POLICYKG_STORE`` or
    ``oxigraph``): ``oxigraph`` keeps an embedded Oxigraph store in ``data_dir`` (default
    ``$POLICYKG_DATA`` or ``./data``), ``oxigraph:PATH`` in ``PATH``, and
    ``sparql+http://host:port/sparql`` (or ``sparql+https://``) uses a remote SPARQL 1.1 store
    (``graph.remote``) with credentials from ``POLICYKG_STORE_USER`` / ``POLICYKG_STORE_PASSWORD``.
    """
    spec = (store or os.environ.get("POLICYKG_STORE") or "oxigraph").strip()
    if spec.startswith(("sparql+http://", "sparql+https://")):
        from graph.remote import RemoteStore

        key: object = (spec, base)
        with _OPEN_LOCK:
            opened = _OPEN.get(key)
            if opened is None or opened.closed:
                opened = _OPEN[key] = RemoteStore.from_spec(spec, base=base or DEFAULT_BASE, read_only=read_only)
            return opened
    if spec == "oxigraph":
        location = data_dir or default_data_dir()
    elif spec.startswith("oxigraph:"):
        location = Path(spec.removeprefix("oxigraph:"))
    else:
        raise StoreError(f"Unknown store '{spec}'.", hint="Use 'oxigraph', 'oxigraph:PATH' or "
                         "'sparql+http://host:port/sparql' (POLICYKG_STORE or the store setting).")
    path = location.resolve()
    with _OPEN_LOCK:
        opened = _OPEN.get(path)
        if opened is None or opened.closed:
            opened = GraphStore(path, base=base, read_only=read_only)
            _OPEN[path] = opened
        return opened


class GraphStore:
    """Named-graph RDF store for policykg. ``data_dir=None`` keeps everything in memory."""

    def __init__(self, data_dir: Path | None, *, base: str | None = None, read_only: bool = False) -> None:
        self.iris = Iris(_check_base(data_dir, base, read_only=read_only))
        self.read_only = read_only
        self.closed = False
        self.path = (Path(data_dir) / "oxigraph") if data_dir is not None else None
        self._write_lock = threading.Lock()
        try:
            if self.path is None:
                self.ox = ox.Store()
            elif read_only:
                if not self.path.exists():
                    raise StoreError(f"No graph store in {self.path.parent}; run \"policykg ingest\" first.")
                self.ox = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.ox = ox.Store(str(self.path))
        except OSError as e:
            if "lock hold by current process" in str(e):
                raise StoreLockedError(
                    f"The graph store in {self.path} is already open in this process; "
                    "share one handle through graph.store.open_store()."
                ) from e
            if "lock" in str(e).lower():
                raise StoreLockedError(
                    f"The graph store in {self.path} is in use by another process (an ingest or the server). "
                    "Wait for it or stop it; to only read, open the store read-only (e.g. through the server)."
                ) from e
            raise StoreError(f"Cannot open the graph store in {self.path}: {e}",
                             hint="Check that the data directory (--data or POLICYKG_DATA) is a folder you can write.") from e
        self._ox_store = OxigraphStore(store=self.ox)
        self.dataset = Dataset(store=self._ox_store, default_union=True)
        for prefix, iri in PREFIXES.items():
            self.dataset.bind(prefix, iri, override=True)
        if not read_only:
            self._ensure_ontology()

    # -- lifecycle

    def close(self) -> None:
        if not self.closed:
            if not self.read_only:
                self.ox.flush()
            self.closed = True
            self._ox_store.close()  # drops its reference to the pyoxigraph store
            del self.dataset, self._ox_store, self.ox
            gc.collect()  # rdflib's Dataset <-> Graph cycles keep RocksDB (and its lock) alive otherwise

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state

    def graph_state(self) -> str:
        """A token that changes on every write (``"<counter>-<random>"``); ``"0"`` for an empty store."""
        quads = self.ox.quads_for_pattern(ox.NamedNode(self.iris.meta_graph), ox.NamedNode(PKG.graphState),
                                          None, ox.NamedNode(self.iris.meta_graph))
        for q in quads:
            return q.object.value
        return "0"

    def _meta_value(self, prop: URIRef) -> str | None:
        meta = ox.NamedNode(self.iris.meta_graph)
        for q in self.ox.quads_for_pattern(meta, ox.NamedNode(prop), None, meta):
            return q.object.value
        return None

    def _next_state(self) -> str:
        counter = int(self.graph_state().split("-")[0]) + 1
        return f"{counter}-{uuid.uuid4().hex[:8]}"

    def _write(self, body: str) -> str:
        """Run ``body`` (SPARQL update operations) plus the state bump as ONE update = one transaction."""
        if self.read_only:
            raise ReadOnlyStoreError("The graph store was opened read-only; writes need the writing process.")
        with self._write_lock:
            state = self._next_state()
            meta = f"<{self.iris.meta_graph}>"
            update = (
                (f"{body} ;\n" if body else "")
                + f"DELETE WHERE {{ GRAPH {meta} {{ {meta} <{PKG.graphState}> ?state }} }} ;\n"
                f"INSERT DATA {{ GRAPH {meta} {{ {meta} <{PKG.graphState}> {json.dumps(state)} }} }}"
            )
            self.ox.update(update)
            return state

    @staticmethod
    def _insert_data(graph: URIRef, triples: Iterable[Triple]) -> str:
        nt = ox.serialize(_ox_triples(triples), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        return f"INSERT DATA {{ GRAPH <{graph}> {{\n{nt}}} }}"

    def _ensure_ontology(self) -> None:
        h = ontology_hash()
        if self._meta_value(PKG.ontologyHash) == h:
            return
        g, meta = self.iris.ontology_graph, f"<{self.iris.meta_graph}>"
        body = (
            f"DROP SILENT GRAPH <{g}> ;\n{self._insert_data(g, vocabulary_graph())} ;\n"
            f"DELETE WHERE {{ GRAPH {meta} {{ {meta} <{PKG.ontologyHash}> ?h }} }} ;\n"
            f"INSERT DATA {{ GRAPH {meta} {{ {meta} <{PKG.ontologyHash}> {json.dumps(h)} }} }}"
        )
        self._write(body)

    # -- writes

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> str:
        """Replace one named graph by ``triples`` in one transaction; returns the new graph state."""
        return self._write(f"DROP SILENT GRAPH <{graph}> ;\n{self._insert_data(graph, triples)}")

    def replace_document(self, doc: Document, *, catalog: Catalog | None = None) -> BuiltDocument:
        """Build ``doc`` and replace its named graph atomically (re-ingest gives the same triples)."""
        built = build_document(doc, iris=self.iris, catalog=catalog if catalog is not None else self.catalog())
        self._write(f"DROP SILENT GRAPH <{built.graph}> ;\n{self._insert_data(built.graph, built.triples)} ;\n"
                    f"{self._insert_data(self.iris.agencies_graph, built.shared)}")
        return built

    def ingest(self, docs: Iterable[Document], *,
               progress: Callable[[Document, BuiltDocument], None] | None = None) -> IngestSummary:
        """Replace the graph of every document; citations resolve against these and stored documents."""
        docs = list(docs)
        catalog = self.catalog()
        for doc in docs:
            catalog.add(document_iri(doc, iris=self.iris), title=doc.metadata.title,
                        doc_number=doc.metadata.doc_number)
        summary = IngestSummary()
        for doc in docs:
            built = self.replace_document(doc, catalog=catalog)
            summary.add(built)
            if progress is not None:
                progress(doc, built)
        summary.graph_state = self.graph_state()
        return summary

    def remove_document(self, doc_id: str) -> str:
        """Delete the named graph of ``doc_id``; returns the new graph state."""
        graph = self.iris.document_graph(doc_id)
        if not self.ox.contains_named_graph(ox.NamedNode(graph)):
            raise UnknownDocumentError(f"No document '{doc_id}' in the store; see \"policykg stats\" for what is there.")
        agencies = f"<{self.iris.agencies_graph}>"
        orphans = (  # agencies no other graph refers to any more
            f"DELETE {{ GRAPH {agencies} {{ ?a ?p ?o }} }} WHERE {{ GRAPH {agencies} {{ ?a a <{ORG.Organization}> ; ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?x ?r ?a }} FILTER(?g != {agencies}) }} }}"
        )
        return self._write(f"DROP GRAPH <{graph}> ;\n{orphans}")

    def bulk_load(self, source: Path | bytes, *, format: str = "nq", graph: URIRef | None = None) -> str:
        """Fast, non-transactional load of a large file (N-Quads by default) for benchmarks and restores."""
        if self.read_only:
            raise ReadOnlyStoreError("The graph store was opened read-only; writes need the writing process.")
        fmt = _OX_FORMATS.get(format)
        if fmt is None:
            raise ExportFormatError(f"Cannot bulk-load format '{format}'; use one of {', '.join(_OX_FORMATS)}.")
        kwargs: dict[str, object] = {"format": fmt}
        if graph is not None:
            kwargs["to_graph"] = ox.NamedNode(graph)
        if isinstance(source, bytes):
            self.ox.bulk_load(input=source, **kwargs)
        else:
            self.ox.bulk_load(path=str(source), **kwargs)
        return self._write("")

    # -- reads

    def query(self, sparql: str, *, bindings: Mapping[str, Node] | None = None) -> Result:
        """Run a read-only SPARQL query (SELECT/ASK/CONSTRUCT/DESCRIBE) over the union of graphs.

        Evaluated by Oxigraph (the query string goes to ``pyoxigraph`` as is, with the store's
        prefixes) and returned as an rdflib ``Result``; terms are converted once per distinct term,
        which is what rdflib's ``Dataset.query`` over ``oxrdflib`` costs most on large results
        (~20% at 1M triples). ``self.dataset`` is the same store seen through rdflib.

        ``bindings`` maps variable names (without ``?``) to RDF terms; they are substituted by the
        engine, never formatted into the text. Raises ``UpdateRefusedError`` for updates and
        ``QuerySyntaxError`` with the parser's message for malformed SPARQL.
        """
        if not isinstance(sparql, str):
            raise TypeError("pass the query as a string: a prepared Query makes rdflib bypass Oxigraph")
        refuse_updates(sparql)
        try:
            substitutions = {ox.Variable(k): _to_ox(v) for k, v in (bindings or {}).items()}
        except ValueError as e:  # e.g. an IRI with a character IRIs cannot have
            raise QuerySyntaxError(f"Cannot bind a query parameter: {e}.") from e
        try:
            raw = self.ox.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True,
                                substitutions=substitutions)
            return _to_result(raw)
        except SyntaxError as e:
            raise QuerySyntaxError(f"SPARQL syntax error: {e}") from e
        except RuntimeError as e:  # e.g. a bound variable that is not in the projection
            raise StoreError(f"The query cannot run: {e}") from e
        except OSError as e:
            raise StoreError(f"The query failed: {e}") from e

    def documents(self) -> list[str]:
        """Ids of the documents in the store, sorted."""
        ids = (self.iris.doc_id_of_graph(g.value) for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode))
        return sorted(i for i in ids if i is not None)

    def catalog(self) -> Catalog:
        """Titles and 文号 of the stored documents, for citation resolution."""
        cat = Catalog()
        rows = self.ox.query(
            "SELECT ?d ?title ?num WHERE { GRAPH ?g { ?d a <http://data.europa.eu/eli/ontology#LegalResource> "
            "OPTIONAL { ?d <http://purl.org/dc/terms/title> ?title } "
            "OPTIONAL { ?d <http://data.europa.eu/eli/ontology#id_local> ?num } } }")
        for row in rows:
            title, num = row["title"], row["num"]
            cat.add(URIRef(row["d"].value), title=title.value if title else None, doc_number=num.value if num else None)
        return cat

    def stats(self) -> StoreStats:
        graphs: dict[str, int] = {}
        for row in self.ox.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
            if row["g"].value != str(self.iris.meta_graph):
                graphs[row["g"].value] = int(row["n"].value)
        classes = {"documents": ELI.LegalResource, "provisions": ELI.LegalResourceSubdivision,
                   "tasks": PKG.Task, "actions": PKG.Action, "targets": PKG.Target,
                   "citations": PKG.Citation, "agencies": ORG.Organization, "alignments": PKG.Alignment}
        # graph IRIs are our own (minted by Iris), not user input
        q = (f"SELECT ?type (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a ?type }} "
             f"FILTER(?g NOT IN (<{self.iris.ontology_graph}>, <{self.iris.meta_graph}>)) }} GROUP BY ?type")
        found = {row["type"].value: int(row["n"].value) for row in self.ox.query(q)}
        counts = {name: found.get(str(cls), 0) for name, cls in classes.items()}
        return StoreStats(documents=len(self.documents()), quads=sum(graphs.values()), graphs=graphs,
                          counts=counts, graph_state=self.graph_state())

    # -- export

    def _graph_iri(self, graph: str) -> URIRef:
        if graph.startswith(("http://", "https://", "urn:")):
            iri = URIRef(graph)
        elif graph in ("links", "ontology", "agencies"):
            iri = {"links": self.iris.links_graph, "ontology": self.iris.ontology_graph,
                   "agencies": self.iris.agencies_graph}[graph]
        else:
            iri = self.iris.document_graph(graph)
        if not self.ox.contains_named_graph(ox.NamedNode(iri)):
            raise UnknownDocumentError(f"No graph '{graph}' in the store; see \"policykg stats\" for the documents.")
        return iri

    def export_quads(self, graph: str | None = None, *, include_ontology: bool = False) -> list[ox.Quad]:
        """The quads of one graph (document id, 'agencies', 'links', 'ontology' or a graph IRI) or of all
        data graphs (documents, agencies, links). A document's graph refers to its agencies by IRI;
        their names are in the agencies graph."""
        if graph is not None:
            return list(self.ox.quads_for_pattern(None, None, None, ox.NamedNode(self._graph_iri(graph))))
        skip = {str(self.iris.meta_graph)} | (set() if include_ontology else {str(self.iris.ontology_graph)})
        return [q for q in self.ox.quads_for_pattern(None, None, None, None)
                if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in skip]

    def export(self, format: str, graph: str | None = None, *, include_ontology: bool = False) -> bytes:
        """Serialize one graph or all data graphs: ttl | nt (triples, merged) | trig | nq | jsonld (quads)."""
        if format not in EXPORT_FORMATS:
            raise ExportFormatError(f"Unknown export format '{format}'; use one of {', '.join(EXPORT_FORMATS)}.")
        return serialize_quads(self.export_quads(graph, include_ontology=include_ontology), format)


def serialize_quads(quads: list[ox.Quad], format: str) -> bytes:
    """Quads (sorted here) as ttl | nt (triples, merged) | trig | nq | jsonld, for any store's export."""
    if format not in EXPORT_FORMATS:
        raise ExportFormatError(f"Unknown export format '{format}'; use one of {', '.join(EXPORT_FORMATS)}.")
    quads = sorted(quads, key=lambda q: (q.graph_name.value, q.subject.value, q.predicate.value, str(q.object)))
    if format in ("ttl", "nt"):
        triples = list(dict.fromkeys(q.triple for q in quads))
        return ox.serialize(triples, format=_OX_FORMATS[format], prefixes=PREFIXES if format == "ttl" else None)
    if format in ("trig", "nq"):
        return ox.serialize(quads, format=_OX_FORMATS[format], prefixes=PREFIXES if format == "trig" else None)
    return json.dumps(_jsonld(quads), ensure_ascii=False, indent=1).encode("utf-8")


def _jsonld(quads: list[ox.Quad]) -> dict[str, object]:
    from pyld import jsonld

    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads"})
    return jsonld.compact(expanded, context())
