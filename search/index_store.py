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
from search.embedder import Embedder
from search.from_graph import units_from_store, units_hash
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

    def invalidate(self) -> None:
        """The graph was written: check the units again on the next read."""
        self._checked_at = None

    def held(self) -> HybridIndex | None:
        """The index held now, to put back with ``restore`` when a write is undone."""
        return self._index

    def restore(self, previous: HybridIndex | None) -> None:
        """Put back an index held before a write that was undone (and its saved copy)."""
        self._index, self._checked_at = previous, None
        if previous is not None:
            previous.save(self.directory)
