"""Concurrent query embeddings: one forward pass for queries that arrive together, and an LRU.

Why: on 2 cores one short-query forward pass takes ~5-15 ms, but 20 clients embedding one query
each in their own thread run 20 passes that fight over the same cores (and over the runtime's
thread pool), so every request waits for all of them. ``MicroBatcher`` hands every call to one
worker thread that embeds whatever is waiting as one batch: under load the batch grows by itself
(queries that arrive while a pass runs go into the next one), and a lone query waits at most
``wait_s`` for company. Only that thread runs query passes, so the threads a pass uses are bounded
by the runtime's own setting, whatever the number of callers. ``VectorCache`` keeps the vectors of
recent query texts (a search page reloaded, a link run re-asking the same sentence).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future

import numpy as np

Encode = Callable[[list[str]], np.ndarray]


class VectorCache:
    """A thread-safe LRU of text -> vector (read-only rows)."""

    def __init__(self, maxsize: int = 2048) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._items.get(text)
            if vector is None:
                self.misses += 1
                return None
            self._items.move_to_end(text)
            self.hits += 1
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        if self.maxsize <= 0:
            return
        row = np.array(vector, dtype=np.float32)
        row.setflags(write=False)
        with self._lock:
            self._items[text] = row
            self._items.move_to_end(text)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class MicroBatcher:
    """Embeds the texts of concurrent callers together, on one worker thread.

    ``encode`` takes a list of texts and returns one row per text; each caller gets back exactly
    the rows of its own texts, in its order. An exception in ``encode`` is raised to every caller
    whose texts were in that batch. The worker is a daemon thread started on first use.
    """

    def __init__(self, encode: Encode, *, max_batch: int = 32, wait_s: float = 0.002) -> None:
        self._encode = encode
        self.max_batch = max_batch
        self.wait_s = wait_s
        self._pending: list[tuple[list[str], Future[np.ndarray]]] = []
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self.batches = 0  # forward passes run, for benches and tests
        self.largest = 0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        future: Future[np.ndarray] = Future()
        with self._cond:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="embed-batcher", daemon=True)
                self._worker.start()
            self._pending.append((list(texts), future))
            self._cond.notify()
        return future.result()

    def _take(self) -> list[tuple[list[str], Future[np.ndarray]]]:
        """Wait for work, then up to ``wait_s`` for more callers (or until the batch is full)."""
        with self._cond:
            while not self._pending:
                self._cond.wait()
            deadline = time.monotonic() + self.wait_s
            while sum(len(t) for t, _ in self._pending) < self.max_batch:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            taken: list[tuple[list[str], Future[np.ndarray]]] = []
            size = 0
            while self._pending and (not taken or size + len(self._pending[0][0]) <= self.max_batch):
                texts, future = self._pending.pop(0)
                taken.append((texts, future))
                size += len(texts)
            return taken

    def _run(self) -> None:
        while True:
            taken = self._take()
            texts = [t for batch, _ in taken for t in batch]
            try:
                vectors = self._encode(texts)
            except BaseException as e:  # every waiting caller hears about it
                for _, future in taken:
                    future.set_exception(e)
                continue
            self.batches += 1
            self.largest = max(self.largest, len(texts))
            start = 0
            for batch, future in taken:
                future.set_result(vectors[start : start + len(batch)])
                start += len(batch)
