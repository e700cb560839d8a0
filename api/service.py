"""The one service layer: what the CLI and the HTTP app both call.

It owns the long-lived pieces (the store, the embedding model, the search index) and keeps the
index in step with the graph: the index is rebuilt, never served, when the units it was built
from no longer match the graph's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rdflib import URIRef

from common.errors import InputError, NotFoundError, PolicyKGError
from common.settings import Settings, get_settings
from graph.build import alignment_triples
from graph.store import GraphStore, IngestSummary, open_store
from ingest.manifest import Entry, read_manifest
from ingest.model import Document
from ingest.pipeline import Progress, parse_bytes, parse_file
from ontology.namespaces import METHOD, PKG
from search.dense import IndexMismatchError, IndexNotFoundError
from search.documents import DocumentHit, DocumentIndex, collapse_copies, documents_hash
from search.embedder import Embedder
from search.from_graph import (
    cited_documents,
    documents_from_store,
    internal_query,
    units_from_store,
    units_hash,
)
from search.hybrid import Filters, Hit, HybridIndex
from search.linking import Link, link_units

DOCUMENT_FIELDS = ("doc", "id", "title", "number", "date", "level", "region", "regionCode", "doctype", "partial",
                   "provisions")
LINK_FIELDS = ("local", "target", "relation", "score", "rank", "method", "model", "evidence", "generated",
               "asserted", "localDoc", "localPath", "localHeading", "targetDoc", "targetPath", "targetHeading")


class ConflictError(PolicyKGError):
    status = 409
    code = "conflict"


@dataclass
class LinkSummary:
    local_units: int = 0
    implements: int = 0
    asserted: int = 0
    resembles: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    graph_state: str = ""

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


class Service:
    """policykg as a library: ingest, link, search, query, get."""

    def __init__(self, settings: Settings | None = None, *, read_only: bool = False) -> None:
        self.settings = settings or get_settings()
        self.data_dir = Path(self.settings.data)
        self.read_only = read_only
        self._store: GraphStore | None = None
        self._embedder: Embedder | None = None
        self._index: HybridIndex | None = None
        self._doc_index: DocumentIndex | None = None
        self._doc_index_store_state: str | None = None
        self._index_store_state: str | None = None  # the store's write counter the index was checked at
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ resources

    @property
    def store(self) -> GraphStore:
        if self._store is None:
            self._store = open_store(self.data_dir, base=self.settings.base_iri, read_only=self.read_only,
                                     store=self.settings.store)
        return self._store

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder(self.data_dir, self.settings.model)
        return self._embedder

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def doc_index_dir(self) -> Path:
        """Beside the unit index, not inside it: the unit index's folder is replaced whole on save."""
        return self.data_dir / "doc-index"

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def index(self, *, progress: bool = False) -> HybridIndex:
        """The search index for the graph as it is now; rebuilt when stale or missing.

        Fast path: while the store's write counter is unchanged the index is current. While a
        write holds the lock, readers keep the last complete index (the state before the write)
        instead of waiting for it; once the write is done the next read checks the units again.
        """
        state = self.store.write_state()
        current = self._index
        if current is not None and self._index_store_state == state:
            return current
        if current is not None and not self._lock.acquire(blocking=False):
            return current
        if current is None:
            self._lock.acquire()
        try:
            state = self.store.write_state()
            units = units_from_store(self.store)
            content = units_hash(units)
            if self._index is None or self._index.graph_state != content:
                try:
                    self._index = HybridIndex.load(self.index_dir, embedder=self.embedder, graph_state=content)
                except (IndexNotFoundError, IndexMismatchError):
                    self._index = HybridIndex.build(units, self.embedder, graph_state=content, progress=progress)
                    self._index.save(self.index_dir)  # derived data: saved even when the store is read-only
            self._index_store_state = state
            return self._index
        finally:
            self._lock.release()

    def document_index(self, units: HybridIndex | None = None) -> DocumentIndex:
        """The document-level index for the unit index ``units`` (default: the current one).

        Its state is the units' hash plus a hash of every document's metadata (documents without
        units are indexed too), re-read only when the store's write counter moved.
        """
        units = units or self.index()
        state = self.store.write_state()
        current = self._doc_index
        if current is not None and self._doc_index_store_state == state and current.graph_state.startswith(
                units.graph_state + "+"):
            return current
        with self._lock:
            docs = documents_from_store(self.store)
            content = f"{units.graph_state}+{documents_hash(docs)}"
            if current is None or current.graph_state != content:
                try:
                    current = DocumentIndex.load(self.doc_index_dir, graph_state=content, model=units.model)
                except (IndexNotFoundError, IndexMismatchError):
                    current = DocumentIndex.build(docs, units.units, units.embedder, graph_state=content)
                    current.save(self.doc_index_dir)  # derived data: saved even when the store is read-only
            self._doc_index, self._doc_index_store_state = current, state
            return current

    # ------------------------------------------------------------------ writes

    def parse_corpus(self, corpus: Path | None = None, *, progress: Progress | None = None) -> list[Document]:
        from ingest.pipeline import load_corpus

        return load_corpus(corpus or self.settings.corpus, progress=progress)

    def parse_paths(self, paths: Sequence[Path]) -> list[Document]:
        """Files given on the command line; a manifest next to them is used when it lists them."""
        docs = []
        for path in paths:
            if path.is_dir():
                docs.extend(self.parse_corpus(path))
                continue
            meta = _manifest_entry(path)
            docs.append(parse_file(path, meta=meta, max_bytes=self.settings.max_file_bytes))
        return docs

    def ingest(self, docs: Sequence[Document], *, on_document: Callable[[Document], None] | None = None) -> IngestSummary:
        with self._lock:
            summary = self.store.ingest(docs, progress=(lambda d, _b: on_document(d)) if on_document else None)
            self._index_store_state = None
            return summary

    def upload(self, data: bytes, *, filename: str, meta: Entry | None = None) -> dict[str, Any]:
        """Parse, ingest, index and link one uploaded text, all or nothing: the text is parsed before anything is
        written, a document id already in the store is refused, and when indexing or linking fails
        the new document is removed and the previous index put back."""
        doc = parse_bytes(data, name=filename, meta=meta, max_bytes=self.settings.max_file_bytes)
        with self._lock:
            if doc.id in self.store.documents():
                raise ConflictError(f"A document '{doc.id}' is already in the store.",
                                    hint=f"Remove it first (policykg remove {doc.id}) or upload under another file name.")
            previous = self._index
            summary = self.ingest([doc])
            try:
                out: dict[str, Any] = {"document": doc.id, "ingest": summary.to_dict()}
                out["link"] = self.link().to_dict()
            except BaseException:
                self.store.remove_document(doc.id)
                self._index, self._index_store_state = previous, None
                if previous is not None:
                    previous.save(self.index_dir)
                raise
            return out

    def remove(self, doc_id: str) -> str:
        with self._lock:
            state = self.store.remove_document(doc_id)
            self._index_store_state = None
            return state

    def link(self, *, progress: bool = False) -> LinkSummary:
        """Recompute every national<->local link and replace the links graph in one transaction."""
        with self._lock:
            index = self.index(progress=progress)
            links = link_units(index, cited_docs=cited_documents(self.store), progress=progress)
            generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            triples = []
            summary = LinkSummary(local_units=len({link.local for link in links}))
            for link in links:
                if link.relation == "implements":
                    triples.extend(_link_triples(link, generated=generated, store=self.store))
                    summary.by_method[link.method] = summary.by_method.get(link.method, 0) + 1
                    summary.implements += 1
                    summary.asserted += link.asserted
                elif link.rank == 1:  # horizontal: the best match in another province
                    triples.append((URIRef(link.local), PKG.correspondsTo, URIRef(link.target)))
                    summary.resembles += 1
            summary.graph_state = self.store.replace_graph(self.store.iris.links_graph, triples)
            return summary

    # ------------------------------------------------------------------ reads

    def links(self, *, from_iri: str | None = None) -> list[dict[str, Any]]:
        """Computed links, optionally only those touching one provision IRI."""
        bindings = {"focus": URIRef(from_iri)} if from_iri else None
        out = []
        for row in self.store.query(internal_query("links"), bindings=bindings):
            item = {name: (None if row[name] is None else row[name].toPython()) for name in LINK_FIELDS}
            item["local_label"] = f"{item['localDoc']} {item['localPath']} {item['localHeading'] or ''}".strip()
            item["target_label"] = f"{item['targetDoc']} {item['targetPath']} {item['targetHeading'] or ''}".strip()
            out.append(item)
        return out

    def search(self, query: str, *, k: int = 10, level: str | None = None, region: str | None = None,
               doc_type: str | None = None, kind: str | None = None) -> list[Hit]:
        """Units (provisions and actions), best first: ``group=provision`` of the API."""
        filters = _search_filters(query, k, level=level, region=region, doc_type=doc_type, kind=kind)
        return self.index().search(query, k=k, filters=filters)

    def search_documents(self, query: str, *, k: int = 10, level: str | None = None, region: str | None = None,
                         doc_type: str | None = None, kind: str | None = None) -> list[DocumentHit]:
        """Documents, best first, one hit per document (copies folded in), each with its best units."""
        filters = _search_filters(query, k, level=level, region=region, doc_type=doc_type, kind=kind)
        units = self.index()
        hits = self.document_index(units).rank(query, units, k=2 * k, filters=filters)
        return collapse_copies(hits)[:k]

    # ------------------------------------------------------------------ reads for the HTTP layer

    def entity(self, iri: str) -> dict[str, Any]:
        """One graph IRI as linked-entity JSON-LD (see ``api.entities``); NotFoundError if unknown."""
        from api.entities import entity

        return entity(self.store, iri)

    def documents(self, *, level: str | None = None, region: str | None = None, year: str | None = None,
                  doc_type: str | None = None) -> list[dict[str, Any]]:
        """The stored documents with their metadata; ``region`` matches the name (广东省) or the
        GB/T 2260 code (440000), ``year`` the start of the date of issue."""
        out = []
        for row in self.store.query(internal_query("documents")):
            item = {name: (None if row[name] is None else row[name].toPython()) for name in DOCUMENT_FIELDS}
            item["date"] = None if row.date is None else str(row.date)
            if level and item["level"] != level:
                continue
            if region and region not in (item["region"], item["regionCode"]):
                continue
            if year and not (item["date"] or "").startswith(year):
                continue
            if doc_type and item["doctype"] != doc_type:
                continue
            out.append(item)
        return out

    def document_iri(self, doc_id: str) -> str:
        """The IRI of a stored document by its id; NotFoundError when there is none."""
        for item in self.documents():
            if item["id"] == doc_id:
                return str(item["doc"])
        raise NotFoundError(f"No document '{doc_id}' in the store.",
                            hint="See /documents for the ids, or ingest it first.")

    def coverage(self) -> dict[str, Any]:
        """National tasks x regions: which regions' provisions are aligned to which national task,
        with the number of alignments and of asserted eli:implements links."""
        tasks: dict[str, dict[str, Any]] = {}
        regions: dict[str, str] = {}
        for row in self.store.query(internal_query("coverage")):
            task = tasks.setdefault(str(row.task), {
                "task": str(row.task), "document": str(row.taskDoc),
                "documentTitle": None if row.taskDocTitle is None else str(row.taskDocTitle),
                "path": str(row.taskPath), "title": None if row.taskTitle is None else str(row.taskTitle),
                "regions": {}, "total": 0})
            if row.regionCode is not None:
                code = str(row.regionCode)
                regions[code] = str(row.region)
                links, implements = int(row.links.toPython()), int(row.implements.toPython() or 0)
                task["regions"][code] = {"links": links, "implements": implements}
                task["total"] += links
        return {"regions": [{"code": c, "name": n} for c, n in sorted(regions.items())],
                "tasks": list(tasks.values())}



def _search_filters(query: str, k: int, **fields: str | None) -> Filters:
    if not 1 <= k <= 100:
        raise InputError(f"k must be between 1 and 100, not {k}.")
    if len(query) > 1000:
        raise InputError("The query is over 1000 characters; shorten it.")
    return Filters(**{name: value or None for name, value in fields.items()})


def _manifest_entry(path: Path) -> Entry | None:
    for parent in path.resolve().parents:
        if (parent / "manifest.toml").is_file():
            rel = str(path.resolve().relative_to(parent))
            return next((e for e in read_manifest(parent) if e.file == rel), None)
    return None


def _link_triples(link: Link, *, generated: str, store: GraphStore) -> list[Any]:
    method = METHOD.citation if link.method == "citation" else METHOD.hybrid
    return alignment_triples(
        URIRef(link.local), URIRef(link.target), score=link.score, rank=link.rank, method=method,
        generated=generated, model=link.model, evidence=link.evidence or None,
        implements=link.asserted, iris=store.iris,
    )
