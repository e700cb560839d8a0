"""The one service layer: what the CLI and the HTTP app both call.

Orchestration only: it owns the long-lived pieces (the store, the embedding model, the search
index store) and runs the steps that span them in order (ingest, then re-index; link, then write
the links graphs that changed; an upload all or nothing). What the reads return is built on the graph side
(``graph.views``, ``graph.entities``); when the index is stale is decided by ``search.index_store``.

What only some commands need (parsing, SHACL, linking, MinHash, the graph views) is imported by
the method that needs it: a cold ``policykg search`` imports only the search path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.errors import InputError, PolicyKGError
from common.settings import Settings, get_settings

if TYPE_CHECKING:
    from graph import views
    from graph.store import GraphStore, IngestSummary
    from graph.validate import ValidationReport
    from ingest.formats.importer import Import
    from ingest.manifest import Entry
    from ingest.model import Document
    from ingest.pipeline import Progress
    from search.citations import CitedNames
    from search.documents import DocumentHit, DocumentIndex
    from search.embedder import Embedder
    from search.filters import Filters
    from search.hybrid import Hit, HybridIndex
    from search.index_store import IndexStore
    from search.linking import LinkSummary
    from search.snapshot import Snapshot


class ConflictError(PolicyKGError):
    status = 409
    code = "conflict"


class Service:
    """policykg as a library: ingest, link, search, query, get."""

    def __init__(self, settings: Settings | None = None, *, read_only: bool = False) -> None:
        self.settings = settings or get_settings()
        self.data_dir = Path(self.settings.data)
        self.read_only = read_only
        self._store: GraphStore | None = None
        self._embedder: Embedder | None = None
        self._embedder_lock = threading.Lock()  # built once, by whichever thread asks first (an ingest's prefetch)
        self._lock = threading.RLock()  # writes; the index store lets readers through with the last index
        self._indexes: IndexStore | None = None
        self._snapshot: Snapshot | None = None

    # ------------------------------------------------------------------ resources

    @property
    def indexes(self) -> IndexStore:
        """The search indexes of the data directory (imported when first used: a cold search first
        starts the model loading, then imports the search path while it loads)."""
        if self._indexes is None:
            from search.index_store import IndexStore

            self._indexes = IndexStore(self.data_dir / "index", embedder=lambda: self.embedder, lock=self._lock)
        return self._indexes

    @property
    def store(self) -> GraphStore:
        if self._store is None:
            from graph.store import open_store

            self._store = open_store(self.data_dir, base=self.settings.base_iri, read_only=self.read_only,
                                     settings=self.settings)
        return self._store

    @property
    def embedder(self) -> Embedder:
        with self._embedder_lock:
            if self._embedder is None:
                from search.embedder import Embedder

                self._embedder = Embedder(self.settings.model_cache or self.data_dir, self.settings.model,
                                          runtime=self.settings.runtime, threads=self.settings.model_threads)
            return self._embedder

    def close(self) -> None:
        if self._indexes is not None:
            self._indexes.settle_prefetch(cancel=True)
        if self._store is not None:
            self._store.close()
            self._store = None

    def index(self, *, progress: bool = False) -> HybridIndex:
        """The search index for the graph as it is now; rebuilt when stale or missing."""
        return self.indexes.current(self.store, progress=progress)

    def warm(self) -> None:
        """Load what the first searches would (indexes, model session, whole tokenizer and dictionary),
        for a server: a one-off command reads only what its one query needs."""
        from search import tokenize

        self.document_index()
        self.embedder.warm()
        tokenize.warm()

    def document_index(self, units: HybridIndex | None = None) -> DocumentIndex:
        """The document-level index that goes with the unit index ``units`` (default: the current one)."""
        return self.indexes.documents(self.store, units or self.index())

    # ------------------------------------------------------------------ writes

    def parse_corpus(self, corpus: Path | None = None, *, progress: Progress | None = None) -> list[Document]:
        """The documents of a corpus folder, for ``ingest``; their passages are embedded meanwhile."""
        from ingest.pipeline import load_corpus

        return load_corpus(corpus or self.settings.corpus, progress=progress, on_document=self.prefetch)

    def prefetch(self, doc: Document) -> None:
        """Start embedding a parsed document's passages on a thread, so that the index update after
        its ingest finds them done (``search.prefetch``); an ingest overlaps its parsing and writing
        with the embedding."""
        if not self.read_only:
            _ = self.store  # the data directory is checked (with a message that names it) before the model is built in it
            self.indexes.prefetch(doc.passages())

    def import_paths(self, paths: Sequence[Path], *, columns: Mapping[str, str] | None = None) -> Import:
        """Files, folders and tables to parse; see ``ingest.formats.importer`` (problems are collected)."""
        from ingest.formats.importer import Import

        return Import(paths, columns=columns, max_bytes=self.settings.max_file_bytes)

    def parse_paths(self, paths: Sequence[Path]) -> list[Document]:
        """Every document in ``paths``, or an error naming the first file or row that could not be read."""
        job = self.import_paths(paths)
        docs = list(job.documents())
        failed = [p for p in job.problems if p.skipped]
        if failed:
            raise InputError(str(failed[0]), hint=f"{len(failed)} file(s) or row(s) could not be read.")
        return docs

    def ingest(self, docs: Sequence[Document], *, on_document: Callable[[Document], None] | None = None,
               on_check: Callable[[Document, ValidationReport], None] | None = None) -> IngestSummary:
        """Write each document's graph, after checking it alone against the shapes.

        ``on_check`` hears every document's report. A document whose graph violates them is
        not written (a warning is a defect of the source text and does not stop it); when nobody
        listens, ``ShapeViolationError`` is raised instead, before anything is written.
        """
        from graph.validate import ShapeViolationError, check_document

        passed = []
        for doc in docs:
            report = check_document(doc, iris=self.store.iris)
            if on_check is not None:
                on_check(doc, report)
            if report.violations == 0:
                passed.append(doc)
            elif on_check is None:
                raise ShapeViolationError(f"{doc.path}: its graph does not conform to ontology/shapes.ttl: "
                                          f"{report.brief()}.", hint="Nothing was written; please report this "
                                          "text with the message, it is a bug in ingest.")
        with self._lock:
            summary = self.store.ingest(passed, progress=(lambda d, _b: on_document(d)) if on_document else None)
            self._refresh()
            return summary

    def upload(self, data: bytes, *, filename: str, meta: Entry | None = None) -> dict[str, Any]:
        """Parse, ingest, index and link one uploaded text, all or nothing: the text is parsed before anything is
        written, a document id already in the store is refused, and when indexing or linking fails
        the new document is removed and the previous index put back."""
        from ingest.pipeline import parse_bytes

        doc = parse_bytes(data, name=filename, meta=meta, max_bytes=self.settings.max_file_bytes)
        with self._lock:
            if doc.id in self.store.documents():
                raise ConflictError(f"A document '{doc.id}' is already in the store.",
                                    hint=f"Remove it first (policykg remove {doc.id}) or upload under another file name.")
            previous = self.indexes.held()
            summary = self.ingest([doc])
            try:
                out: dict[str, Any] = {"document": doc.id, "ingest": summary.to_dict()}
                out["link"] = self.link().to_dict()
            except BaseException:
                self.store.remove_document(doc.id)
                self.indexes.restore(previous)
                raise
            return out

    def remove(self, doc_id: str) -> str:
        with self._lock:
            state = self.store.remove_document(doc_id)
            self._refresh()
            return state

    def _refresh(self) -> None:
        """After a write, lock held: bring the indexes a server holds up to date before the write
        returns, so the next search sees the new state at once. Otherwise the first reader after
        the write would update them and every reader meanwhile would get the state before it.
        A process that never searched (a CLI ingest) holds no index and loads none. Linking needs
        none: it changes no unit and no document, so the next reader's check finds both up to date."""
        self.indexes.invalidate()
        if self.indexes.held()[0] is not None:
            self.document_index(self.index())

    def link(self, *, full: bool = False, progress: bool = False) -> LinkSummary:
        """Link the store (documents, provisions, citations resolved now, copies and editions):
        recompute the links graphs whose inputs changed and write those whose links changed, in
        one transaction (``search.link_store``); nothing when no document, ontology or linking
        model changed since the last link. ``full`` recomputes and rewrites every links graph."""
        from search.duplicates import SIGNATURES
        from search.link_store import changes, link_inputs, link_state, stale
        from search.linking import LinkSummary, build_links, link_context

        with self._lock:
            state = link_state(self.store)
            if not full and state == self.store.link_state():
                return LinkSummary(mode="unchanged", write_state=self.store.write_state())
            index = self.indexes.for_linking(self.index(progress=progress))
            generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            ctx = link_context(self.store, index, signatures=self.indexes.cache_dir / SIGNATURES)
            inputs = link_inputs(self.store, ctx, model=index.model)
            todo = stale(inputs, self.store.link_inputs(), full=full)
            graphs, summary = build_links(ctx, index, stale=todo, generated=generated, iris=self.store.iris,
                                          progress=progress)
            write, drop = changes(self.store, graphs, full=full, expected=inputs)
            summary.write_state = self.store.replace_links(write, drop=drop, state=state,
                                                           inputs={g: inputs[g] for g in todo})
            summary.mode = "full" if full else "incremental"
            summary.graphs_written, summary.graphs_dropped = len(write), len(drop)
            return summary

    # ------------------------------------------------------------------ reads

    def search(self, query: str, *, k: int = 10, level: str | None = None, region: str | None = None,
               doc_type: str | None = None, kind: str | None = None) -> list[Hit]:
        """Units (provisions and actions), best first: ``group=provision`` of the API."""
        self.embedder.prefetch()  # the model's session loads while the search path is imported and loaded
        filters = search_filters(query, k, level=level, region=region, doc_type=doc_type, kind=kind)
        return self.index().search(query, k=k, filters=filters)

    def search_documents(self, query: str, *, k: int = 10, level: str | None = None, region: str | None = None,
                         doc_type: str | None = None, kind: str | None = None) -> list[DocumentHit]:
        """Documents, best first, one hit per document (copies folded in), each with its best units."""
        self.embedder.prefetch()  # the model's session loads while the search path is imported and loaded
        filters = search_filters(query, k, level=level, region=region, doc_type=doc_type, kind=kind)
        return self.snapshot().search_documents(query, k=k, filters=filters)

    def snapshot(self) -> Snapshot:
        """What a search reads as the store is now (``search.snapshot``): the same object, with the
        same serial, until a write changes one of its parts."""
        from search.snapshot import Snapshot

        units = self.index()
        parts = (units, self.document_index(units), self.cited_names(), self.copy_groups())
        held = self._snapshot
        if held is None or not held.same_parts(*parts):
            held = self._snapshot = Snapshot(*parts)
        return held

    def cited_names(self) -> dict[str, CitedNames]:
        """Document id -> the 文号 and titles other stored texts cite it by; re-read only after a write."""
        from search.citations import cited_names

        return self.store.kept("cited-names", lambda: cited_names(self.store))

    def copy_groups(self) -> dict[str, str]:
        """Document id -> the copy kept, from the links graph; re-read only after a write."""
        from search.duplicates import stored_copies

        return self.store.kept("copy-groups", lambda: stored_copies(self.store))

    def links(self, where: views.LinkFilter | None = None, *, limit: int = 100, offset: int = 0) -> views.LinkPage:
        """One page of computed links, filtered (``graph.views.links``)."""
        from graph import views

        return views.links(self.store, where, limit=limit, offset=offset)

    def entity(self, iri: str) -> dict[str, Any]:
        """One graph IRI as linked-entity JSON-LD (``graph.entities``); NotFoundError if unknown."""
        from graph import entities

        return entities.entity(self.store, iri)

    def documents(self, *, level: str | None = None, region: str | None = None, year: str | None = None,
                  doc_type: str | None = None) -> list[dict[str, Any]]:
        """The stored documents with their metadata (``graph.views.documents``)."""
        from graph import views

        return views.documents(self.store, level=level, region=region, year=year, doc_type=doc_type)

    def document_label(self, doc_iri: str) -> dict[str, Any]:
        """Id, title (stated or inferred) and region code of one document (``graph.views.document_labels``)."""
        from graph import views

        return views.document_labels(self.store, [doc_iri]).get(doc_iri, {})

    def document_iri(self, doc_id: str) -> str:
        from graph import views

        return views.document_iri(self.store, doc_id)

    def coverage(self, *, every_task: bool = False) -> dict[str, Any]:
        """National tasks x regions, only those with links unless ``every_task`` (``graph.coverage``)."""
        from graph import coverage

        return coverage.coverage(self.store, every_task=every_task)

    def coverage_chains(self, national_doc: str | None = None) -> dict[str, Any]:
        """Cities that took up each national task, directly or through their province (``graph.coverage``)."""
        from graph import coverage

        return coverage.coverage_chains(self.store, national_doc)

    def overview(self) -> dict[str, Any]:
        """What is in the store, for the home page (``graph.views.overview``, cached by write counter)."""
        from graph import views

        return views.overview(self.store)

    def document_links(self, doc_iri: str) -> dict[str, Any]:
        """The documents one document implements and is implemented by (``graph.views.document_links``)."""
        from graph import views

        return views.document_links(self.store, doc_iri)

    def coverage_by_document(self, *, all_rows: bool = False) -> dict[str, Any]:
        """National documents x regions, and national tasks taken up per province (``graph.coverage``)."""
        from graph import coverage

        return coverage.coverage_by_document(self.store, all_rows=all_rows)


def search_filters(query: str, k: int, **fields: str | None) -> Filters:
    """The filters of a search, once its query and ``k`` are checked."""
    from search.filters import Filters

    if not 1 <= k <= 100:
        raise InputError(f"k must be between 1 and 100, not {k}.")
    if len(query) > 1000:
        raise InputError("The query is over 1000 characters; shorten it.")
    return Filters(**{name: value or None for name, value in fields.items()})
