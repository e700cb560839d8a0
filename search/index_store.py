"""The search index as a derived, persisted view of the graph: loaded, checked and rebuilt here.

The index records a hash of the units it was built from (``search.from_graph.units_hash``). The
store's write counter is the cheap check: while it is unchanged the held index is current; once
it moves, the units are read again and the index is loaded from disk or rebuilt only when their
hash differs. Writers hold ``lock``; readers never wait for a write once an index is held.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from graph.store import GraphStore
from search.dense import IndexMismatchError, IndexNotFoundError
from search.documents import DocumentIndex, documents_hash
from search.embedder import Embedder
from search.from_graph import documents_from_store, units_from_store, units_hash
from search.hybrid import HybridIndex


class IndexStore:
    """Holds the loaded ``HybridIndex`` of one data directory and decides when it is stale."""

    def __init__(self, directory: Path, *, embedder: Callable[[], Embedder],
                 lock: threading.RLock | None = None) -> None:
        self.directory = directory
        self._embedder = embedder  # called only when an index has to be loaded or built
        self.lock = lock or threading.RLock()
        self._index: HybridIndex | None = None
        self._checked_at: str | None = None  # the store's write counter the index was checked at
        self._documents: DocumentIndex | None = None
        self._documents_checked_at: str | None = None

    @property
    def documents_directory(self) -> Path:
        """Beside the unit index, not inside it: the unit index's folder is replaced whole on save."""
        return self.directory.with_name("doc-index")
    def current(self, store: GraphStore, *, progress: bool = False) -> HybridIndex:
        """The index for ``store`` as it is now; loaded, or rebuilt and saved, when stale or missing.

        While a write holds the lock, readers keep the last complete index (the state before the
        write) instead of waiting; once the write is done the next read checks the units again.
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
            units = units_from_store(store)
            content = units_hash(units)
            if self._index is None or self._index.graph_state != content:
                try:
                    self._index = HybridIndex.load(self.directory, embedder=self._embedder(), graph_state=content)
                except (IndexNotFoundError, IndexMismatchError):
                    self._index = HybridIndex.build(units, self._embedder(), graph_state=content, progress=progress)
                    self._index.save(self.directory)  # derived data: saved even when the store is read-only
            self._checked_at = state
            return self._index
        finally:
            self.lock.release()

    def documents(self, store: GraphStore, units: HybridIndex) -> DocumentIndex:
        """The document-level index that goes with ``units``: its state is the units' hash plus a
        hash of every document's metadata (documents without units are indexed too), re-read only
        when the store's write counter moved; loaded, or built and saved, when it differs."""
        state = store.write_state()
        held = self._documents
        if held is not None and self._documents_checked_at == state and held.graph_state.startswith(
                units.graph_state + "+"):
            return held
        if held is not None and not self.lock.acquire(blocking=False):
            return held  # a write is running: keep the last complete index, as ``current`` does
        if held is None:
            self.lock.acquire()
        try:
            docs = documents_from_store(store)
            content = f"{units.graph_state}+{documents_hash(docs)}"
            if held is None or held.graph_state != content:
                try:
                    held = DocumentIndex.load(self.documents_directory, graph_state=content, model=units.model)
                except (IndexNotFoundError, IndexMismatchError):
                    held = DocumentIndex.build(docs, units.units, units.embedder, graph_state=content)
                    held.save(self.documents_directory)  # derived data: saved even when the store is read-only
            self._documents, self._documents_checked_at = held, state
            return held
        finally:
            self.lock.release()

    def invalidate(self) -> None:
        """The graph was written: check the units (and documents) again on the next read."""
        self._checked_at = self._documents_checked_at = None

    def held(self) -> HybridIndex | None:
        """The index held now, to put back with ``restore`` when a write is undone."""
        return self._index

    def restore(self, previous: HybridIndex | None) -> None:
        """Put back an index held before a write that was undone (and its saved copy)."""
        self._index, self._checked_at = previous, None
        if previous is not None:
            previous.save(self.directory)
