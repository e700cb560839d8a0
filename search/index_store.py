"""The search index as a derived, persisted view of the graph: loaded, checked and updated here.

Freshness costs two small reads of the store's meta graph, never a unit scan: the store's write
counter tells whether anything was written since the last check; when it moved, the registry of
document content hashes gives the index token (``search.from_graph.index_token``) that the saved
index was built from. A stale index is updated, not rebuilt: the units of unchanged documents
are kept, only the changed documents' units are read from the store, and vectors and tokens come
from ``search.unit_cache`` so only texts never seen before are embedded. Writers hold ``lock``;
readers never wait for a write once an index is held.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from graph.store import GraphStore
from search.dense import DenseIndex, IndexMismatchError, IndexNotFoundError
from search.documents import DocumentIndex
from search.embedder import Embedder
from search.from_graph import document_units, documents_from_store, index_token
from search.hybrid import HybridIndex
from search.late_chunking import passage_texts, unit_texts
from search.lexical import TOKENIZER, WORDS, LexicalIndex
from search.prefetch import Prefetcher
from search.unit_cache import UnitCache
from search.units import Unit, check_units

SOURCES = "sources.json"  # in the index folder: the index token and the document versions it holds


class IndexStore:
    """Holds the loaded ``HybridIndex`` of one data directory and decides when it is stale."""

    def __init__(self, directory: Path, *, embedder: Callable[[], Embedder],
                 lock: threading.RLock | None = None) -> None:
        self.directory = directory
        self.cache_dir = directory.with_name(f"{directory.name}-cache")
        self._embedder = embedder  # called only when an index has to be loaded or built
        self.lock = lock or threading.RLock()
        self._index: HybridIndex | None = None
        self._versions: dict[str, str] = {}  # document graph -> content hash, for the held index
        self._checked_at: str | None = None  # the store's write counter the index was checked at
        self._documents: DocumentIndex | None = None
        self._documents_checked_at: str | None = None
        self.last_update: dict[str, int] = {}  # what the last update did (documents read, texts embedded)
        self._prefetcher: Prefetcher | None = None
        self._prefetch_lock = threading.Lock()

    @property
    def documents_directory(self) -> Path:
        """Beside the unit index, not inside it: the unit index's folder is replaced whole on save."""
        return self.directory.with_name("doc-index")

    def current(self, store: GraphStore, *, progress: bool = False) -> HybridIndex:
        """The index for ``store`` as it is now; loaded, or updated and saved, when stale or missing.

        While a write holds the lock, readers keep the last complete index (the state before the
        write) instead of waiting; once the write is done the next read checks again.
        """
        state = store.write_state()
        held = self._index
        if held is not None and self._checked_at == state:
            return held
        if held is not None and not self.lock.acquire(blocking=False):
            return held
        if held is None:
            self.lock.acquire()
        try:
            state = store.write_state()
            versions = store.content_versions()
            token = index_token(versions, store.ontology_version())
            if self._index is None or self._index.graph_state != token:
                try:
                    self._index = HybridIndex.load(self.directory, embedder=self._embedder(), graph_state=token)
                    self._versions = versions
                except (IndexNotFoundError, IndexMismatchError):
                    self._update(store, versions, token, progress=progress)
            self._checked_at = state
            return self._index
        finally:
            self.lock.release()

    def documents(self, store: GraphStore, units: HybridIndex) -> DocumentIndex:
        """The document-level index that goes with ``units``. Its state is the units' token, which
        already covers every document graph's content (metadata included), so a start-up loads it
        without reading the documents; they are read only when it has to be built."""
        state = store.write_state()
        held = self._documents
        content = _documents_state(units.graph_state)
        if held is not None and self._documents_checked_at == state and held.graph_state == content:
            return held
        if held is not None and not self.lock.acquire(blocking=False):
            return held  # a write is running: keep the last complete index, as ``current`` does
        if held is None:
            self.lock.acquire()
        try:
            if held is None or held.graph_state != content:
                held = self._documents_for(store, units.units, content, units.embedder)
            self._documents, self._documents_checked_at = held, state
            return held
        finally:
            self.lock.release()

    def _documents_for(self, store: GraphStore, units: Sequence[Unit], content: str,
                       embedder: Embedder | None) -> DocumentIndex:
        """The saved document index of state ``content``, else one built and saved: the profiles and
        the words of unchanged documents come from the cache, so a change embeds and cuts only its own."""
        model = embedder.model_name if embedder is not None else None
        try:
            return DocumentIndex.load(self.documents_directory, graph_state=content, model=model)
        except (IndexNotFoundError, IndexMismatchError):
            pass
        words = UnitCache(self.cache_dir, model=model or "", tokenizer=WORDS)
        if embedder is not None:  # profiles of unchanged documents are not embedded again
            cache = self._unit_cache(embedder.model_name).for_documents()
            embedder = _CachedEmbedder(embedder, cache, passages=True)  # type: ignore[assignment]
        built = DocumentIndex.build(documents_from_store(store), units, embedder, graph_state=content,
                                    body_tokens=words.tokens)
        built.save(self.documents_directory)  # derived data: saved even when the store is read-only
        return built

    def saved(self, units_state: str, documents_state: str) -> tuple[HybridIndex, DocumentIndex]:
        """Both indexes as another process saved them for these states, read without the store (a
        search process beside the writing one). ``IndexMismatchError`` when the saved ones are of
        other states, or were replaced while being read (the folder is swapped whole on save)."""
        embedder = self._embedder()
        folders = (self.directory, self.documents_directory)
        before = [_identity(f) for f in folders]
        units = HybridIndex.load(self.directory, embedder=embedder, graph_state=units_state)
        documents = DocumentIndex.load(self.documents_directory, graph_state=documents_state, model=embedder.model_name)
        if [_identity(f) for f in folders] != before:
            raise IndexMismatchError("The search index was replaced while it was read; read it again.")
        return units, documents

    def _unit_cache(self, model: str) -> UnitCache:
        """The cache of unit vectors (of ``model``) and search tokens every index of this directory shares."""
        return UnitCache(self.cache_dir, model=model, tokenizer=TOKENIZER)

    def prefetch(self, passages: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Embed a parsed document's passages (``Document.passages``: provision texts and their actions'
        labels) into the unit cache on a thread now, so the next update finds them there (``search.prefetch``)."""
        with self._prefetch_lock:
            if self._prefetcher is None:
                self._prefetcher = Prefetcher(self._prefetch_target)
            self._prefetcher.add(passage_texts(passages))

    def _prefetch_target(self) -> tuple[UnitCache, Callable[[list[str]], np.ndarray]]:
        """The unit cache and the embedding call a prefetch fills it with; on the prefetch thread,
        since the first call in a new data directory builds the model (~35 s), which parsing need not wait for."""
        embedder = self._embedder()
        return self._unit_cache(embedder.model_name), embedder.embed_passages

    def settle_prefetch(self, *, cancel: bool = False, progress: bool = False) -> int:
        """Wait for the texts given to ``prefetch`` to be embedded (``cancel``: only for the batch in
        hand; ``progress``: with a bar); how many were embedded."""
        with self._prefetch_lock:
            prefetcher, self._prefetcher = self._prefetcher, None
        if prefetcher is None:
            return 0
        prefetcher.cancel() if cancel else prefetcher.finish(progress=progress)
        return prefetcher.cache.embedded if prefetcher.cache is not None else 0

    def _previous(self) -> tuple[HybridIndex | None, dict[str, str]]:
        """The index to update from: the one held, else the saved one with the versions it holds."""
        if self._index is not None:
            return self._index, self._versions
        try:
            saved = HybridIndex.load(self.directory, embedder=self._embedder())
            sources = json.loads((self.directory / SOURCES).read_text(encoding="utf-8"))
        except (IndexNotFoundError, IndexMismatchError, OSError, ValueError):
            return None, {}
        if sources.get("graph_state") != saved.graph_state:
            return None, {}
        return saved, dict(sources.get("versions") or {})

    def _update(self, store: GraphStore, versions: dict[str, str], token: str, *, progress: bool) -> None:
        """Make and save the index for ``versions``, reading and embedding only what changed."""
        previous, old = self._previous()
        kept: dict[str, list[Unit]] = {}
        if previous is not None:
            for unit in previous.units:
                kept.setdefault(str(store.iris.document_graph(unit.doc_id)), []).append(unit)
        per_doc: list[list[Unit]] = []
        read = 0
        for graph in versions:
            if old.get(graph) == versions[graph] and graph in kept:
                per_doc.append(kept[graph])
            else:
                per_doc.append(document_units(store, graph))
                read += 1
        units = check_units(u for us in sorted(per_doc, key=lambda us: us[0].doc_id if us else "") for u in us)
        embedder = self._embedder()
        cache = self._unit_cache(embedder.model_name)
        texts = [u.text for u in units]
        iris = [u.iri for u in units]
        lexical = LexicalIndex.from_tokens(iris, cache.tokens(texts), graph_state=token)  # while a prefetch runs
        if self._prefetcher is not None:  # an ingest: the document index too, while the units are embedded
            self._documents = self._documents_for(store, units, _documents_state(token), embedder)
            self._documents_checked_at = None
        prefetched = self.settle_prefetch(progress=progress)
        vectors = cache.vectors(unit_texts(units), embedder.embed_passages, dim=embedder.dim, progress=progress)
        dense = DenseIndex.build(iris, vectors, model=embedder.model_name, graph_state=token)
        self._save(HybridIndex(units, dense, lexical, graph_state=token, embedder=embedder), versions)
        self.last_update = {"documents_read": read, "embedded": cache.embedded + prefetched, "tokenized": cache.tokenized,
                            "units": len(units)}

    def for_linking(self, index: HybridIndex) -> HybridIndex:
        """``index`` whose query embeddings and tokens go through the unit cache: linking asks with every
        local provision, and on a re-link only the provisions not seen before are embedded and cut."""
        if index.embedder is None:
            return index
        cache = self._unit_cache(index.model)
        linking = copy.copy(index)
        linking.embedder = _CachedEmbedder(index.embedder, cache.for_queries(), passages=False)  # type: ignore[assignment]
        linking.query_tokens = cache.tokens  # the same tokenizer as the units': one cache
        return linking

    def _save(self, index: HybridIndex, versions: dict[str, str]) -> None:
        index.save(self.directory)  # derived data: saved even when the store is read-only
        sources = {"graph_state": index.graph_state, "versions": versions}
        (self.directory / SOURCES).write_text(json.dumps(sources, ensure_ascii=False, indent=1), encoding="utf-8")
        self._index, self._versions = index, versions

    def invalidate(self) -> None:
        """The graph was written: check the units (and documents) again on the next read."""
        self._checked_at = self._documents_checked_at = None

    def held(self) -> tuple[HybridIndex | None, dict[str, str]]:
        """The index held now (with the versions it holds), to put back with ``restore``."""
        return self._index, self._versions

    def restore(self, previous: tuple[HybridIndex | None, dict[str, str]]) -> None:
        """Put back an index held before a write that was undone (and its saved copy)."""
        index, versions = previous
        self._checked_at = None
        if index is not None:
            self._save(index, versions)
        else:
            self._index, self._versions = None, {}


def _documents_state(units_state: str) -> str:
    """The state of the document index that goes with a unit index of ``units_state``."""
    return f"{units_state}+documents"


class _CachedEmbedder:
    """An embedder whose query vectors (``passages=False``) or passage vectors come from (and go
    to) a ``UnitCache``; the other kind is embedded as usual."""

    def __init__(self, embedder: Embedder, cache: UnitCache, *, passages: bool) -> None:
        self._embedder, self._cache, self._passages = embedder, cache, passages
        self.model_name, self.dim = embedder.model_name, embedder.dim

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if self._passages:
            return self._embedder.embed_queries(texts)
        return self._cache.vectors(texts, self._embedder.embed_queries, dim=self.dim, every=False)

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        if not self._passages:
            return self._embedder.embed_passages(texts, progress=progress)
        return self._cache.vectors(texts, self._embedder.embed_passages, dim=self.dim, progress=progress)


def _identity(folder: Path) -> tuple[int, int]:
    """Which folder is at ``folder`` now: a save puts a new one there (another inode)."""
    try:
        stat = folder.stat()
    except FileNotFoundError as e:
        raise IndexNotFoundError(f"No search index at {folder}.") from e
    return stat.st_dev, stat.st_ino
